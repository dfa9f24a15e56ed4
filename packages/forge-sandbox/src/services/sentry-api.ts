import { startLocalServer } from '../receivers/local-server.js';

/**
 * A stand-in for Sentry's web API (not the ingest endpoint): the issue search that stage and
 * deploy gates use, `GET /api/0/projects/{org}/{project}/issues/?query=…&environment=…`.
 * Supported query terms: `is:unresolved|resolved|ignored`, `firstSeen:-7d` (also `-24h`, `-30m`),
 * `release:<version>`; anything else is ignored, as a lenient Sentry would not be.
 */

export interface FakeSentryIssue {
  id: string;
  project: string;
  title: string;
  culprit: string;
  level: 'error' | 'warning' | 'fatal' | 'info';
  status: 'unresolved' | 'resolved' | 'ignored';
  environment: string;
  release: string | null;
  firstSeen: string;
  lastSeen: string;
  count: number;
}

export interface FakeSentryApi {
  /** e.g. `http://127.0.0.1:4000` (the gate's `url`). */
  url: string;
  /** The org slug and token requests must carry. */
  org: string;
  token: string;
  addIssue(issue: Partial<FakeSentryIssue> & { project: string; title: string }): FakeSentryIssue;
  clear(): void;
  /** Requests seen (path and query). */
  requests: { path: string; query: string; authorized: boolean }[];
  /** Answer the next N requests with this status. */
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

const UNIT: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function matches(issue: FakeSentryIssue, query: string, environment: string | null, now: number): boolean {
  if (environment && issue.environment !== environment) return false;
  for (const term of query.split(/\s+/).filter(Boolean)) {
    const [key, value = ''] = term.split(/:(.*)/s);
    if (key === 'is' && ['unresolved', 'resolved', 'ignored'].includes(value) && issue.status !== value)
      return false;
    if (key === 'firstSeen') {
      const m = /^-(\d+)([mhdw])$/.exec(value);
      if (m && Date.parse(issue.firstSeen) < now - Number(m[1]) * UNIT[m[2]!]!) return false;
    }
    if (key === 'release' && issue.release !== value.replace(/^"|"$/g, '')) return false;
  }
  return true;
}

export async function startFakeSentryApi(
  options: { org?: string; token?: string; now?: () => Date } = {},
): Promise<FakeSentryApi> {
  const org = options.org ?? 'acme';
  const token = options.token ?? 'sntrys_fake_api_token_0123456789';
  const now = options.now ?? (() => new Date());
  const issues: FakeSentryIssue[] = [];
  const requests: FakeSentryApi['requests'] = [];
  let failures: number[] = [];
  let next = 1;

  const server = await startLocalServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sentry.invalid');
    const authorized = req.headers.authorization === `Bearer ${token}`;
    requests.push({ path: url.pathname, query: url.search, authorized });
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const failure = failures.shift();
    if (failure) return reply(failure, { detail: 'Internal Error' });
    if (!authorized) return reply(401, { detail: 'Invalid token' });
    const m = /^\/api\/0\/projects\/([^/]+)\/([^/]+)\/issues\/?$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return reply(404, { detail: 'The requested resource does not exist' });
    if (m[1] !== org) return reply(404, { detail: 'The requested resource does not exist' });
    const project = decodeURIComponent(m[2]!);
    const query = url.searchParams.get('query') ?? 'is:unresolved';
    const environment = url.searchParams.get('environment');
    const found = issues.filter(
      (i) => i.project === project && matches(i, query, environment, now().getTime()),
    );
    const base = `http://${req.headers.host}${url.pathname}`;
    return reply(
      200,
      found.map((i) => ({
        id: i.id,
        shortId: `${project.toUpperCase()}-${i.id}`,
        title: i.title,
        culprit: i.culprit,
        level: i.level,
        status: i.status,
        permalink: `http://${req.headers.host}/organizations/${org}/issues/${i.id}/`,
        firstSeen: i.firstSeen,
        lastSeen: i.lastSeen,
        count: String(i.count),
        userCount: 1,
        project: { slug: project, name: project },
        metadata: { title: i.title },
      })),
      {
        link: `<${base}?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <${base}?cursor=0:100:0>; rel="next"; results="false"; cursor="0:100:0"`,
      },
    );
  });

  return {
    url: server.baseUrl,
    org,
    token,
    requests,
    addIssue(input) {
      const at = now().toISOString();
      const issue: FakeSentryIssue = {
        id: String(next++),
        culprit: 'app/handler',
        level: 'error',
        status: 'unresolved',
        environment: 'production',
        release: null,
        firstSeen: at,
        lastSeen: at,
        count: 1,
        ...input,
      };
      issues.push(issue);
      return issue;
    },
    clear() {
      issues.length = 0;
      requests.length = 0;
      failures = [];
    },
    failNext(count, status) {
      failures = [...failures, ...Array.from({ length: count }, () => status)];
    },
    close: () => server.close(),
  };
}
