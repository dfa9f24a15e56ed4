import type { Link } from '../../src/runner/job.js';
import type { Target } from './options.js';
import { searchSentryIssues, type SentryIssue } from '../../src/kit/sentry-issues.js';
import type { Probe, Sample } from './probe.js';
import { fill, type Subject } from './subject.js';

/**
 * The Sentry gate, through Sentry's web API issue search
 * (`GET /api/0/projects/{org}/{project}/issues/?query=…&environment=…`): unresolved issues of
 * this release in this environment, first seen since the deployment started. Issues only
 * accumulate, so one sample over the threshold fails the gate. Sentry not answering is an
 * unknown sample, never a verdict on the deploy.
 */

const TIMEOUT_MS = 15_000;
const MAX_LINKS = 5;

function short(issue: SentryIssue): string {
  return `${issue.shortId ?? issue.id} ${issue.title ?? ''}`.trim();
}

async function sample(target: Target, subject: Subject, signal: AbortSignal): Promise<Sample> {
  const sentry = target.sentry!;
  const query = fill(subject, sentry.query);
  const environment = sentry.environment ?? target.environment;
  const answer = await searchSentryIssues({
    url: sentry.url,
    org: sentry.org,
    project: sentry.project,
    authToken: sentry.authToken,
    query,
    environment,
    timeoutMs: TIMEOUT_MS,
    signal,
  });
  if (!answer.ok)
    return {
      outcome: 'unknown',
      evidence:
        answer.status === 0 ? `Sentry did not answer: ${answer.reason}` : `Sentry answered ${answer.reason}`,
    };
  const { issues } = answer;
  const since = Date.parse(subject.deployment.createdAt);
  const counted = sentry.newOnly
    ? issues.filter((i) => !i.firstSeen || Number.isNaN(since) || Date.parse(i.firstSeen) >= since)
    : issues;
  const links: Link[] = counted
    .filter((i) => i.permalink)
    .slice(0, MAX_LINKS)
    .map((i) => ({ text: `Sentry ${i.shortId ?? i.id}`, url: i.permalink! }));
  const what = `${counted.length} new unresolved issue${counted.length === 1 ? '' : 's'} in release ${subject.release} (${environment}, max ${sentry.maxNewIssues})`;
  const list = counted.length
    ? `: ${counted.slice(0, 3).map(short).join('; ')}${counted.length > 3 ? '; …' : ''}`
    : '';
  return {
    outcome: counted.length > sentry.maxNewIssues ? 'fail' : 'pass',
    evidence: `${what}${list}`,
    links,
  };
}

export function sentryProbes(target: Target, subject: Subject): Probe[] {
  if (!target.sentry) return [];
  return [
    {
      gate: 'sentry',
      name: `${target.sentry.org}/${target.sentry.project}`,
      tolerance: { failAfterConsecutive: 1, maxFailureRatio: 1 },
      take: (signal) => sample(target, subject, signal),
    },
  ];
}
