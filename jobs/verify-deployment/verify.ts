import { formatDuration } from '../../src/kit/duration.js';
import type { JobContext } from '../../src/runner/job.js';
import { healthProbes } from './health.js';
import { metricProbes } from './metrics.js';
import { timing, type Options, type Target } from './options.js';
import type { VerdictRecord } from './records.js';
import { sentryProbes } from './sentry-issues.js';
import { describeDeployment, type Subject } from './subject.js';
import { runWindow, type Sleep, type WindowReport } from './window.js';

/** Watches one deployment's gates over the window and sums the evidence up as a verdict. */

export function toVerdict(report: WindowReport, windowMs: number, at: string): VerdictRecord {
  const bad = report.probes.filter((p) => p.verdict !== 'pass');
  const span = report.stoppedEarly
    ? `after ${report.taken} of ${report.planned} samples (stopped early)`
    : `${report.taken} samples over ${formatDuration(windowMs)}`;
  const gates = report.probes.map((p) => `${p.gate} ${p.name}: ${p.verdict}`).join('; ');
  const summary =
    report.verdict === 'pass'
      ? `All gates passed, ${span}: ${gates}.`
      : report.verdict === 'fail'
        ? `Failed ${span}: ${bad
            .filter((p) => p.verdict === 'fail')
            .map((p) => `${p.gate} ${p.name} (${p.reason})`)
            .join('; ')}.`
        : `Inconclusive ${span}: ${bad.map((p) => `${p.gate} ${p.name} (${p.reason})`).join('; ')}.`;
  return {
    verdict: report.verdict,
    at,
    summary,
    // On a failure, also the probes that were failing when the window stopped (not judged yet).
    failed: report.probes
      .filter((p) =>
        report.verdict === 'unknown' ? p.verdict !== 'pass' : p.verdict === 'fail' || p.tally.failures > 0,
      )
      .map((p) => ({ gate: p.gate, name: p.name, reason: p.reason, evidence: p.evidence })),
    links: report.probes
      .filter((p) => p.verdict !== 'pass' || p.tally.failures > 0)
      .flatMap((p) => p.links)
      .slice(0, 8),
  };
}

export async function watch(input: {
  ctx: JobContext;
  options: Options;
  target: Target;
  subject: Subject;
  sleep: Sleep;
}): Promise<{ verdict: VerdictRecord; report: WindowReport }> {
  const { ctx, options, target, subject } = input;
  const { windowMs, intervalMs } = timing(options, target);
  const probes = [
    ...healthProbes(target, subject),
    ...sentryProbes(target, subject),
    ...metricProbes(target, subject, () => ctx.now()),
  ];
  const label = describeDeployment(subject.deployment);
  ctx.progress(
    `${label}: watching ${probes.length} probe(s) for ${formatDuration(windowMs)}, every ${formatDuration(intervalMs)}`,
  );
  const report = await runWindow({
    probes,
    windowMs,
    intervalMs,
    sleep: input.sleep,
    signal: ctx.signal,
    now: () => ctx.now(),
    onTick: (tick, planned) => {
      if (tick > 0 && tick % 4 === 0) ctx.progress(`${label}: sample ${tick + 1} of ${planned}`);
    },
  });
  return { verdict: toVerdict(report, windowMs, ctx.now().toISOString()), report };
}
