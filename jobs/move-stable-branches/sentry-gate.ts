import type { JobContext } from '../../src/runner/job.js';
import { searchSentryIssues } from '../../src/kit/sentry-issues.js';
import type { Evidence, GateResult } from './gate.js';
import type { SentryGate } from './options.js';

/**
 * Sentry gate: unresolved issues first seen on stage in the last `days` days, across the
 * configured projects, must not exceed `threshold`. A project that cannot be queried fails the
 * gate (closed): no evidence is not good evidence.
 */

const MAX_LISTED = 20;

export async function sentryGate(ctx: JobContext, gate: SentryGate): Promise<GateResult> {
  const query = `is:unresolved firstSeen:-${gate.days}d`;
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  let found = 0;
  for (const project of gate.projects) {
    const answer = await searchSentryIssues({
      url: gate.url,
      org: gate.org,
      project,
      authToken: gate.authToken,
      query,
      environment: gate.environment,
      timeoutMs: 30_000,
      signal: ctx.signal,
      retries: 1,
    });
    if (!answer.ok) {
      problems.push(`${project}: ${answer.reason}`);
      evidence.push({
        ok: false,
        text: `${project}: could not query Sentry (${answer.reason})`,
        key: `error:${project}`,
      });
      continue;
    }
    const { issues } = answer;
    found += issues.length;
    for (const issue of issues.slice(0, MAX_LISTED))
      evidence.push({
        ok: false,
        text: `${project}: ${issue.shortId ?? issue.id} ${issue.title ?? ''} (first seen ${issue.firstSeen ?? '?'}, ${issue.count ?? '?'} events)`,
        url: issue.permalink,
        key: `${project}:${issue.id}`,
      });
    if (issues.length > MAX_LISTED)
      evidence.push({
        ok: false,
        text: `${project}: … and ${issues.length - MAX_LISTED} more`,
        key: `more:${project}`,
      });
  }
  const scope = `${gate.projects.join(', ')} (${gate.environment}, first seen in the last ${gate.days}d)`;
  if (problems.length > 0)
    return {
      gate: 'sentry',
      ok: false,
      summary: `could not query Sentry for ${problems.join('; ')}`,
      evidence,
    };
  const ok = found <= gate.threshold;
  // Within the threshold the listed issues are tolerated, not failures.
  if (ok) for (const e of evidence) e.ok = true;
  return {
    gate: 'sentry',
    ok,
    summary: ok
      ? `${found} new unresolved Sentry issue(s) in ${scope}; threshold ${gate.threshold}`
      : `${found} new unresolved Sentry issue(s) in ${scope}, more than the threshold of ${gate.threshold}`,
    evidence,
  };
}
