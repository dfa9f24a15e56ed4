import type { FaultRule } from '../../../packages/forge-sandbox/src/core/faults.js';
import { startSentryReceiver } from '../../../packages/forge-sandbox/src/receivers/sentry-receiver.js';
import {
  compareCounts,
  compareSnapshots,
  countBy,
  idNormaliser,
  isJobEvent,
  isRunnerAlert,
  sentryKey,
  slackKey,
  snapshot,
} from './snapshot.js';
import { JOBS, startWorld, type ReliabilityWorld } from './world.js';

/**
 * The fault soak: the reliability world run twice side by side over the same scenario, once
 * with the simulator injecting 5xx, 429 (with Retry-After), connection resets and latency into
 * every API request of the bot's runs, once without. At the end the faulty world must hold the
 * invariants — one open bump MR per component, no duplicate branch, note, Slack message or Sentry
 * event, every run recorded and none left running — and its forge state, Slack messages and
 * Sentry alerts must equal the fault-free world's.
 */

export interface SoakOptions {
  cycles: number;
  /** Share of API requests answered 500/502/503 (default 0.12). */
  errorRate?: number;
  /** Share answered 429 with Retry-After (default 0.04). */
  rateLimitRate?: number;
  retryAfterSeconds?: number;
  /** Share of connections reset without an answer (default 0.04). */
  resetRate?: number;
  /** Latency added to pipeline, merge request and deployment requests (ms, default 20). */
  latencyMs?: number;
  /** Forge HTTP retries of the bot (default 6). */
  retries?: number;
  /** Whole-run retries of transient failures (default 2). */
  jobRetries?: number;
  seed?: number;
  progress?: (line: string) => void;
}

export interface Invariant {
  name: string;
  held: boolean;
  problems: string[];
}

export interface SoakReport {
  cycles: number;
  jobs: number;
  runs: number;
  runStatuses: Record<string, number>;
  /** Whole-run retries (attempts beyond the first) in the faulty world. */
  runRetries: number;
  requests: { faulty: number; faultFree: number };
  /** What the simulator injected (`sim.faults.counts()`). */
  faultsInjected: Record<string, number>;
  faultRate: number;
  slackMessages: number;
  sentryAlerts: number;
  invariants: Invariant[];
  held: number;
  seconds: number;
}

/** Every API route: git's smart-HTTP transport is left alone (git itself does not retry a push). */
const API_ROUTES = /^(?!.*(?:git-upload-pack|git-receive-pack|info\/refs))/;

export function soakFaults(options: SoakOptions): FaultRule[] {
  return [
    {
      route: API_ROUTES,
      errorRate: options.errorRate ?? 0.12,
      statuses: [500, 502, 503],
      rateLimitRate: options.rateLimitRate ?? 0.04,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      resetRate: options.resetRate ?? 0.04,
    },
    { route: /pipelines|merge_requests|pulls|deployments/, latencyMs: options.latencyMs ?? 20 },
  ];
}

function bumpMrs(world: ReliabilityWorld): Map<string, number> {
  const open = new Map<string, number>();
  for (const m of world.sim.world.mergeRequests)
    if (m.state === 'opened' && m.sourceBranch.startsWith('release-bot/update-'))
      open.set(m.sourceBranch, (open.get(m.sourceBranch) ?? 0) + 1);
  return open;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const log = options.progress ?? (() => undefined);
  const sentry = await startSentryReceiver();
  const worldOptions = {
    sentryDsn: sentry.dsn,
    retries: options.retries ?? 6,
    jobRetries: options.jobRetries ?? 2,
    seed: options.seed ?? 7,
  };
  const faulty = await startWorld(worldOptions);
  const reference = await startWorld(worldOptions);
  const problems = {
    twoOpenMrs: [] as string[],
    strayBranches: [] as string[],
  };
  const runIds = { faulty: new Set<string>(), reference: new Set<string>() };

  async function loop(world: ReliabilityWorld, withFaults: boolean): Promise<void> {
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      world.sim.clearFaults();
      await world.events(cycle, options.cycles);
      if (withFaults) for (const rule of soakFaults(options)) world.sim.addFault(rule);
      for (const { job, args } of world.runs()) {
        const { run } = await world.run(job, args);
        (withFaults ? runIds.faulty : runIds.reference).add(run.id);
        if (process.env.SOAK_DEBUG && !withFaults) log(`  ${cycle} ${job}: ${run.status} ${run.summary}`);
      }
      world.sim.clearFaults();
      if (!withFaults) continue;
      for (const [branch, n] of bumpMrs(world))
        if (n > 1) problems.twoOpenMrs.push(`cycle ${cycle}: ${n} open MRs from ${branch}`);
      for (const path of ['gitlab:org/gitlab', 'github:org/app']) {
        const [forge, name] = path.split(':') as ['gitlab' | 'github', string];
        const project = world.sim.project(forge, name);
        const bot = (await project.repo.listBranches()).filter((b) => b.name.startsWith('release-bot/'));
        const allowed = ['release-bot/update-gitaly', 'release-bot/update-shell'];
        for (const b of bot)
          if (!allowed.includes(b.name))
            problems.strayBranches.push(`cycle ${cycle}: ${project.path}@${b.name}`);
      }
      const counts = world.sim.faults.counts();
      log(
        `cycle ${cycle + 1}/${options.cycles}: ${Object.entries(counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} (${Math.round((Date.now() - started) / 1000)} s)`,
      );
    }
  }

  try {
    await Promise.all([loop(faulty, true), loop(reference, false)]);
    await faulty.app.sentry.flush(30_000);

    const invariants: Invariant[] = [];
    const check = (name: string, found: string[]) =>
      invariants.push({ name, held: found.length === 0, problems: found.slice(0, 20) });

    // One open bump MR per component, never two at once.
    const open = bumpMrs(faulty);
    const expectedOpen = bumpMrs(reference);
    check('exactly one open bump MR per component', [
      ...problems.twoOpenMrs,
      ...['release-bot/update-gitaly', 'release-bot/update-shell']
        .filter((b) => (open.get(b) ?? 0) !== 1 || (expectedOpen.get(b) ?? 0) !== 1)
        .map((b) => `${b}: ${open.get(b) ?? 0} open (fault-free: ${expectedOpen.get(b) ?? 0})`),
    ]);
    check('no duplicate or stray bot branch', problems.strayBranches);

    // Every run recorded, none left running.
    const runs = await faulty.app.store.listRuns({ limit: 100_000, withoutLogs: true });
    const expectedRuns = options.cycles * JOBS.length;
    check('every run recorded, none left running', [
      ...(runs.length !== expectedRuns ? [`${runs.length} runs recorded, expected ${expectedRuns}`] : []),
      ...runs.filter((r) => r.status === 'running').map((r) => `${r.job} ${r.id} left running`),
    ]);

    // The same forge state as the fault-free world.
    const [got, want] = [await snapshot(faulty.sim), await snapshot(reference.sim)];
    check('final forge state equals the fault-free run', compareSnapshots(want, got));

    // No duplicate notes (the bot's notes, per MR or issue).
    check(
      'no duplicate note',
      Object.entries(got.notes).flatMap(([on, keys]) =>
        keys
          .filter((k, i) => k.includes('{') && keys.indexOf(k) !== i)
          .map((k) => `${on}: ${k.slice(0, 200)}`),
      ),
    );

    // Slack: the job's messages, the same as without faults (the runner's own failure alerts aside).
    const messages = (w: ReliabilityWorld) => {
      const ids = idNormaliser(w.sim);
      return countBy(
        w.slack.messages.filter((m) => !isRunnerAlert(m)),
        (m) => slackKey(m, ids),
      );
    };
    const slack = compareCounts(messages(reference), messages(faulty));
    check('no duplicate Slack message', slack.duplicated);
    check('no lost Slack message', slack.lost);

    // Sentry: the jobs' alerts (fingerprinted), the same as without faults.
    const events = sentry.events();
    const of = (ids: Set<string>) => events.filter((e) => ids.has(e.tags?.run_id ?? '') && isJobEvent(e));
    const alerts = compareCounts(
      countBy(of(runIds.reference), sentryKey),
      countBy(of(runIds.faulty), sentryKey),
    );
    check('no duplicate Sentry event', alerts.duplicated);
    check('no lost Sentry event', alerts.lost);

    const runStatuses: Record<string, number> = {};
    for (const r of runs) runStatuses[r.status] = (runStatuses[r.status] ?? 0) + 1;
    const botRequests = (w: ReliabilityWorld) =>
      w.sim.requests().filter((r) => r.user === 'release-bot').length;
    const faultsInjected = faulty.sim.faults.counts();
    const requests = { faulty: botRequests(faulty), faultFree: botRequests(reference) };
    const injected = ['error', 'rate_limit', 'reset'].reduce((n, k) => n + (faultsInjected[k] ?? 0), 0);
    return {
      cycles: options.cycles,
      jobs: JOBS.length,
      runs: runs.length,
      runStatuses,
      runRetries: runs.reduce((n, r) => n + Math.max(0, r.attempts - 1), 0),
      requests,
      faultsInjected,
      faultRate: Math.round((injected / Math.max(1, requests.faulty)) * 1000) / 1000,
      slackMessages: faulty.slack.messages.length,
      sentryAlerts: of(runIds.faulty).length,
      invariants,
      held: invariants.filter((i) => i.held).length,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await faulty.close();
    await reference.close();
    await sentry.close();
  }
}

/** The report as a few lines for a terminal. */
export function formatSoak(report: SoakReport): string {
  const faults = Object.entries(report.faultsInjected)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `fault soak: ${report.cycles} cycles × ${report.jobs} jobs = ${report.runs} runs (${Object.entries(
      report.runStatuses,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; ${report.runRetries} whole-run retries) in ${report.seconds} s`,
    `  bot requests: ${report.requests.faulty} with faults, ${report.requests.faultFree} without; faults injected: ${faults} (${Math.round(report.faultRate * 100)} % of the bot's requests failed)`,
    `  Slack messages ${report.slackMessages}, Sentry alerts ${report.sentryAlerts}`,
    `  invariants held: ${report.held}/${report.invariants.length}`,
    ...report.invariants.map(
      (i) => `   ${i.held ? '✓' : '✗'} ${i.name}${i.held ? '' : `\n      ${i.problems.join('\n      ')}`}`,
    ),
  ];
  return lines.join('\n');
}
