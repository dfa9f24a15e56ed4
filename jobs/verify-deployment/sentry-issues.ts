import type { Link } from '../../src/runner/job.js';
import type { Target } from './options.js';
import { getWithTimeout, requestError, type Probe, type Sample } from './probe.js';
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

interface SentryIssue {
  id: string;
  shortId?: string;
  title?: string;
  permalink?: string;
  firstSeen?: string;
  count?: string | number;
}

function short(issue: SentryIssue): string {
  return `${issue.shortId ?? issue.id} ${issue.title ?? ''}`.trim();
}

async function sample(target: Target, subject: Subject, signal: AbortSignal): Promise<Sample> {
  const sentry = target.sentry!;
  const query = fill(subject, sentry.query);
  const environment = sentry.environment ?? target.environment;
  const url = new URL(
    `/api/0/projects/${encodeURIComponent(sentry.org)}/${encodeURIComponent(sentry.project)}/issues/`,
    sentry.url,
  );
  url.searchParams.set('query', query);
  url.searchParams.set('environment', environment);
  url.searchParams.set('limit', '100');
  let issues: SentryIssue[];
  try {
    const response = await getWithTimeout(url.toString(), {
      timeoutMs: TIMEOUT_MS,
      signal,
      headers: { authorization: `Bearer ${sentry.authToken}` },
    });
    if (!response.ok) {
      const detail = await response.text().catch(() => '');
      return {
        outcome: 'unknown',
        evidence: `Sentry answered ${response.status}${detail ? `: ${detail.slice(0, 120)}` : ''}`,
      };
    }
    issues = (await response.json()) as SentryIssue[];
    if (!Array.isArray(issues))
      return { outcome: 'unknown', evidence: 'Sentry answered something else than a list of issues' };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return { outcome: 'unknown', evidence: `Sentry did not answer: ${requestError(error, TIMEOUT_MS)}` };
  }
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
