import { getJson } from './http-json.js';

/**
 * Sentry's web API issue search, `GET /api/0/projects/{org}/{project}/issues/?query=…&environment=…`,
 * used by the stage gate (move-stable-branches) and the deploy gate (verify-deployment). Never
 * throws for HTTP or network trouble: callers decide whether "Sentry did not answer" fails closed
 * or counts as unknown.
 */

export interface SentryIssue {
  id: string;
  shortId?: string;
  title?: string;
  permalink?: string;
  firstSeen?: string;
  count?: string | number;
  level?: string;
}

export type SentrySearch =
  { ok: true; issues: SentryIssue[] } | { ok: false; status: number; reason: string };

export async function searchSentryIssues(input: {
  /** Sentry web origin, e.g. https://sentry.io. */
  url: string;
  org: string;
  project: string;
  authToken: string;
  query: string;
  environment: string;
  signal: AbortSignal;
  timeoutMs: number;
  retries?: number;
}): Promise<SentrySearch> {
  const url = new URL(
    `/api/0/projects/${encodeURIComponent(input.org)}/${encodeURIComponent(input.project)}/issues/`,
    input.url,
  );
  // %20 rather than `+` for spaces, as Sentry's own docs and UI write the query.
  url.search = `?query=${encodeURIComponent(input.query)}&environment=${encodeURIComponent(input.environment)}&limit=100`;
  const answer = await getJson(url.toString(), {
    headers: { authorization: `Bearer ${input.authToken}` },
    timeoutMs: input.timeoutMs,
    signal: input.signal,
    retries: input.retries,
  });
  if (answer.status === 200 && Array.isArray(answer.body))
    return { ok: true, issues: answer.body as SentryIssue[] };
  const reason =
    answer.status === 0
      ? (answer.error ?? 'no answer')
      : answer.status === 200
        ? 'Sentry answered something else than a list of issues'
        : answer.status === 401 || answer.status === 403
          ? `HTTP ${answer.status}: check the authToken (it needs event:read)`
          : answer.status === 404
            ? `HTTP 404: no project "${input.project}" in org "${input.org}"`
            : `HTTP ${answer.status}`;
  return { ok: false, status: answer.status, reason };
}
