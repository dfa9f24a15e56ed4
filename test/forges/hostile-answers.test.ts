import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForgeAnswerError, ForgeLimitError } from '../../src/forges/answer-error.js';
import type { ForgeAdapterOptions } from '../../src/forges/adapter-options.js';
import { createGithubForge } from '../../src/forges/github/index.js';
import { createGitlabForge } from '../../src/forges/gitlab/index.js';
import type { Forge } from '../../src/forges/types.js';
import {
  readBody,
  startLocalServer,
  type LocalServer,
} from '../../packages/forge-sandbox/src/receivers/local-server.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writePart } from '../reliability/support/figures.js';

/**
 * Answers the simulator would never give, from a small hostile server, through the real
 * gitbeaker and Octokit clients and the real adapters: a sha of the wrong length, a negative
 * iid, the branch or file asked for answered by another one, an MR list filtered on a branch
 * holding another branch's MR, a link to another host, a date that is not one, a list that never
 * ends, a 50 MiB body. Each call must fail with a typed error naming the operation and the field,
 * and nothing is written.
 */

const SHA = 'a'.repeat(40);
const T = '2026-01-02T03:04:05Z';
const BOT_BRANCH = 'release-bot/update-gitaly';

interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}
type Route = (url: URL) => Answer;

let server: LocalServer;
let base = '';
const routes = new Map<string, Route>();
let writes = 0;
/** Hostile answers refused / cases, for the reliability summary. */
let refused = 0;
let cases = 0;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  await readBody(req);
  const url = new URL(req.url ?? '/', base);
  // A GraphQL query is a read sent by POST.
  if (req.method !== 'GET' && req.method !== 'HEAD' && url.pathname !== '/graphql') writes++;
  const route = routes.get(`${req.method} ${decodeURIComponent(url.pathname)}`);
  if (!route) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"404 Not Found"}');
    return;
  }
  const answer = route(url);
  res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
  if (typeof answer.body === 'function') return (answer.body as (r: ServerResponse) => void)(res);
  res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
}

function options(kind: 'gitlab' | 'github', extra: Partial<ForgeAdapterOptions> = {}): ForgeAdapterOptions {
  return {
    name: `hostile-${kind}`,
    url: base,
    ...(kind === 'github' ? { apiUrl: base } : {}),
    token: 'not-a-real-token',
    dryRun: false,
    ...extra,
    http: { retries: 0, backoffMs: 1, ...extra.http },
  };
}

/** The call must fail with `type`, naming the operation and the field, after the server answered. */
async function refusedWith(
  call: Promise<unknown>,
  type: typeof ForgeAnswerError | typeof ForgeLimitError,
  ...texts: string[]
): Promise<void> {
  cases++;
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the hostile answer was accepted').toBeInstanceOf(type);
  for (const text of texts) expect((error as Error).message).toContain(text);
  refused++;
}

/** 50 MiB of JSON, sent in chunks without a content-length (so only reading can tell). */
function hugeBody(res: ServerResponse): void {
  const chunk = `"${'x'.repeat(1024 * 1024 - 3)}",`;
  let sent = 0;
  res.write('[');
  const more = (): void => {
    while (sent < 50) {
      sent++;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    res.end('"end"]');
  };
  res.on('error', () => undefined);
  more();
}

beforeAll(async () => {
  server = await startLocalServer(handle);
  base = server.baseUrl;
});
afterAll(async () => {
  writePart('answer-validation', {
    summary: `answer validation: ${refused}/${cases} hostile forge answers refused with a typed error naming the operation and field, 0 writes`,
    checked: cases,
    held: refused,
  });
  await server.close();
});

describe('GitLab: hostile answers fail the call (gitbeaker through the real adapter)', () => {
  let forge: Forge;
  const P = '/api/v4/projects/org/app';
  const mr = (o: Record<string, unknown> = {}) => ({
    id: 100,
    iid: 5,
    title: 'Update gitaly version',
    description: '',
    state: 'opened',
    source_branch: BOT_BRANCH,
    target_branch: 'main',
    sha: SHA,
    web_url: `${base}/org/app/-/merge_requests/5`,
    labels: [],
    author: { username: 'bot' },
    created_at: T,
    updated_at: T,
    merged_at: null,
    merge_when_pipeline_succeeds: false,
    merge_status: 'can_be_merged',
    ...o,
  });
  const branch = (name: string, o: Record<string, unknown> = {}) => ({
    name,
    commit: { id: SHA },
    protected: false,
    web_url: `${base}/org/app/-/tree/${name}`,
    ...o,
  });

  beforeAll(() => {
    forge = createGitlabForge(options('gitlab'));
  });

  it('accepts a well-formed answer (the fixtures themselves are valid)', async () => {
    routes.set(`GET ${P}/merge_requests/5`, () => ({ body: mr() }));
    routes.set(`GET ${P}/repository/branches/main`, () => ({ body: branch('main') }));
    expect((await forge.changeRequests.get('org/app', 5))?.headSha).toBe(SHA);
    expect((await forge.repo.getBranch('org/app', 'main'))?.sha).toBe(SHA);
  });

  it('a sha of the wrong length', async () => {
    routes.set(`GET ${P}/repository/branches/main`, () => ({
      body: branch('main', { commit: { id: 'a'.repeat(39) } }),
    }));
    await refusedWith(forge.repo.getBranch('org/app', 'main'), ForgeAnswerError, 'repo.getBranch', 'sha');
  });

  it('a negative iid, and an iid that is not a number', async () => {
    routes.set(`GET ${P}/merge_requests/5`, () => ({ body: mr({ iid: -5 }) }));
    await refusedWith(forge.changeRequests.get('org/app', 5), ForgeAnswerError, 'changeRequests.get', 'iid');
    routes.set(`GET ${P}/merge_requests/5`, () => ({ body: mr({ iid: '5; drop' }) }));
    await refusedWith(forge.changeRequests.get('org/app', 5), ForgeAnswerError, 'changeRequests.get', 'iid');
  });

  it('another MR than the iid asked for', async () => {
    routes.set(`GET ${P}/merge_requests/5`, () => ({ body: mr({ iid: 6 }) }));
    await refusedWith(forge.changeRequests.get('org/app', 5), ForgeAnswerError, 'iid', 'expected 5');
  });

  it('a branch lookup answered with another branch', async () => {
    routes.set(`GET ${P}/repository/branches/${BOT_BRANCH}`, () => ({ body: branch('main') }));
    await refusedWith(
      forge.repo.getBranch('org/app', BOT_BRANCH),
      ForgeAnswerError,
      'repo.getBranch',
      'name',
    );
  });

  it('an MR list filtered on the bot branch holding an MR of another branch', async () => {
    routes.set(`GET ${P}/merge_requests`, () => ({ body: [mr({ source_branch: 'feature/evil' })] }));
    await refusedWith(
      forge.changeRequests.list('org/app', { sourceBranch: BOT_BRANCH }),
      ForgeAnswerError,
      'changeRequests.list',
      '[0].sourceBranch',
    );
  });

  it('a web_url on another host, and one that is not http(s)', async () => {
    routes.set(`GET ${P}/merge_requests/5`, () => ({
      body: mr({ web_url: 'https://evil.example/org/app/-/merge_requests/5' }),
    }));
    await refusedWith(forge.changeRequests.get('org/app', 5), ForgeAnswerError, 'webUrl', new URL(base).host);
    routes.set(`GET ${P}/merge_requests/5`, () => ({ body: mr({ web_url: 'javascript:alert(1)' }) }));
    await refusedWith(forge.changeRequests.get('org/app', 5), ForgeAnswerError, 'webUrl');
  });

  it('a date that does not parse, and a state GitLab does not document (refused, not guessed)', async () => {
    routes.set(`GET ${P}/merge_requests/5`, () => ({ body: mr({ created_at: 'yesterday' }) }));
    await refusedWith(forge.changeRequests.get('org/app', 5), ForgeAnswerError, 'createdAt');
    routes.set(`GET ${P}/merge_requests/5`, () => ({ body: mr({ state: 'reopened-by-bot' }) }));
    await refusedWith(
      forge.changeRequests.get('org/app', 5),
      ForgeAnswerError,
      'changeRequests.get answered an invalid state',
      'expected one of opened, closed, merged, locked',
    );
  });

  it('a file lookup answered with another file', async () => {
    routes.set(`GET ${P}/repository/files/VERSION`, () => ({
      body: {
        file_path: '.git/config',
        content: Buffer.from('x').toString('base64'),
        encoding: 'base64',
        blob_id: SHA,
      },
    }));
    await refusedWith(
      forge.repo.getFile('org/app', 'VERSION', 'main'),
      ForgeAnswerError,
      'repo.getFile',
      'path',
    );
  });

  it('a list that never ends: the page cap of the call stops it', async () => {
    let served = 0;
    routes.set(`GET ${P}/merge_requests`, (url) => {
      served++;
      const page = Number(url.searchParams.get('page') ?? 1);
      const next = new URL(url);
      next.searchParams.set('page', String(page + 1));
      return {
        headers: { link: `<${next.toString()}>; rel="next"`, 'x-next-page': String(page + 1) },
        body: [mr({ iid: page, id: 1000 + page })],
      };
    });
    await refusedWith(
      forge.changeRequests.list('org/app', { state: 'all' }),
      ForgeLimitError,
      'changeRequests.list followed 100 pages',
    );
    expect(served).toBe(100);
    served = 0;
    const small = createGitlabForge(options('gitlab', { http: { maxPagesPerCall: 3 } }));
    await refusedWith(
      small.changeRequests.list('org/app', { state: 'all' }),
      ForgeLimitError,
      'followed 3 pages',
    );
    expect(served).toBe(3);
  });

  it('a 50 MiB answer is refused while reading, not held whole', async () => {
    routes.set(`GET ${P}/merge_requests`, () => ({ body: hugeBody }));
    await refusedWith(
      forge.changeRequests.list('org/app', { state: 'all' }),
      ForgeLimitError,
      `over the limit of ${20 * 1024 * 1024} bytes`,
    );
    // A declared content-length over the limit is refused before reading.
    const tight = createGitlabForge(options('gitlab', { http: { maxAnswerBytes: 1000 } }));
    routes.set(`GET ${P}/merge_requests/5`, () => ({ body: { ...mr(), description: 'x'.repeat(2000) } }));
    await refusedWith(
      tight.changeRequests.get('org/app', 5),
      ForgeLimitError,
      'over the limit of 1000 bytes',
    );
  });

  it('the request budget of a run ends any loop', async () => {
    routes.set(`GET /api/v4/user`, () => ({ body: { id: 1, username: 'bot', name: 'Bot' } }));
    const budgeted = createGitlabForge(options('gitlab', { http: { budget: { max: 3, used: 0 } } }));
    for (let i = 0; i < 3; i++) await budgeted.currentUser();
    await refusedWith(budgeted.currentUser(), ForgeLimitError, 'budget of 3 requests');
  });
});

describe('GitHub: hostile answers fail the call (Octokit through the real adapter)', () => {
  let forge: Forge;
  const R = '/repos/org/app';
  const pull = (o: Record<string, unknown> = {}) => ({
    id: 100,
    number: 5,
    node_id: 'PR_5',
    title: 'Update gitaly version',
    body: '',
    state: 'open',
    html_url: `${base}/org/app/pull/5`,
    user: { login: 'bot', id: 1 },
    labels: [],
    head: { ref: BOT_BRANCH, sha: SHA },
    base: { ref: 'main' },
    created_at: T,
    updated_at: T,
    merged_at: null,
    auto_merge: null,
    mergeable: null,
    ...o,
  });

  beforeAll(() => {
    forge = createGithubForge(options('github'));
  });

  it('accepts a well-formed answer (the fixtures themselves are valid)', async () => {
    routes.set(`GET ${R}/pulls/5`, () => ({ body: pull() }));
    expect((await forge.changeRequests.get('org/app', 5))?.headSha).toBe(SHA);
  });

  it('a sha of the wrong length (a sha256 repository has 64, never 41)', async () => {
    routes.set(`GET ${R}/pulls/5`, () => ({
      body: pull({ head: { ref: BOT_BRANCH, sha: 'b'.repeat(41) } }),
    }));
    await refusedWith(
      forge.changeRequests.get('org/app', 5),
      ForgeAnswerError,
      'changeRequests.get',
      'headSha',
    );
    routes.set(`GET ${R}/pulls/5`, () => ({
      body: pull({ head: { ref: BOT_BRANCH, sha: 'b'.repeat(64) } }),
    }));
    expect((await forge.changeRequests.get('org/app', 5))?.headSha).toHaveLength(64);
  });

  it('a negative number, and an id that is not an integer', async () => {
    routes.set(`GET ${R}/pulls/5`, () => ({ body: pull({ number: -5 }) }));
    await refusedWith(forge.changeRequests.get('org/app', 5), ForgeAnswerError, 'iid');
    routes.set(`GET ${R}/pulls/5`, () => ({ body: pull({ id: 1.5 }) }));
    await refusedWith(forge.changeRequests.get('org/app', 5), ForgeAnswerError, 'id', 'integer');
  });

  it('a branch lookup answered with another branch', async () => {
    routes.set(`GET ${R}/branches/${BOT_BRANCH}`, () => ({
      body: { name: 'main', protected: false, commit: { sha: SHA } },
    }));
    await refusedWith(
      forge.repo.getBranch('org/app', BOT_BRANCH),
      ForgeAnswerError,
      'repo.getBranch',
      'name',
    );
  });

  it('a PR list filtered on the bot branch holding a PR of another branch, or a bad branch name', async () => {
    routes.set(`GET ${R}/pulls`, () => ({ body: [pull({ head: { ref: 'feature/evil', sha: SHA } })] }));
    await refusedWith(
      forge.changeRequests.list('org/app', { sourceBranch: BOT_BRANCH }),
      ForgeAnswerError,
      '[0].sourceBranch',
    );
    routes.set(`GET ${R}/pulls`, () => ({ body: [pull({ base: { ref: 'main..x' } })] }));
    await refusedWith(forge.changeRequests.list('org/app', {}), ForgeAnswerError, '[0].targetBranch', '".."');
  });

  it('a state GitHub does not document (refused, not read as "closed")', async () => {
    routes.set(`GET ${R}/pulls/5`, () => ({ body: pull({ state: 'draft' }) }));
    await refusedWith(
      forge.changeRequests.get('org/app', 5),
      ForgeAnswerError,
      'changeRequests.get',
      'state',
    );
  });

  it('an html_url on another host', async () => {
    routes.set(`GET ${R}/pulls/5`, () => ({
      body: pull({ html_url: 'https://evil.example/org/app/pull/5' }),
    }));
    await refusedWith(forge.changeRequests.get('org/app', 5), ForgeAnswerError, 'webUrl');
  });

  it('a file lookup answered with another file', async () => {
    routes.set(`GET ${R}/contents/VERSION`, () => ({
      body: { type: 'file', path: 'other/VERSION', sha: SHA, content: 'eA==', encoding: 'base64' },
    }));
    await refusedWith(
      forge.repo.getFile('org/app', 'VERSION', 'main'),
      ForgeAnswerError,
      'repo.getFile',
      'path',
    );
  });

  it('a comment list that never ends: the page cap of the call stops it', async () => {
    let served = 0;
    routes.set(`GET ${R}/issues/5/comments`, (url) => {
      served++;
      const page = Number(url.searchParams.get('page') ?? 1);
      const next = new URL(url);
      next.searchParams.set('page', String(page + 1));
      return {
        headers: { link: `<${next.toString()}>; rel="next"` },
        body: [{ id: page, body: 'hi', user: { login: 'x', id: 2 }, created_at: T }],
      };
    });
    await refusedWith(
      forge.notes.list('org/app', { kind: 'issue', iid: 5 }),
      ForgeLimitError,
      'notes.list followed 100 pages',
    );
    expect(served).toBe(100);
  });

  it('a GraphQL history that says "next page" with nothing on it ends', async () => {
    let served = 0;
    routes.set('POST /graphql', () => {
      served++;
      return {
        body: {
          data: {
            repository: {
              ref: {
                target: { history: { pageInfo: { hasNextPage: true, endCursor: `c${served}` }, nodes: [] } },
              },
            },
          },
        },
      };
    });
    cases++;
    expect(await forge.ci.branchChecks('org/app', 'main', 20)).toEqual([]);
    expect(served).toBe(1);
    refused++;
  });

  it('a 50 MiB answer is refused while reading', async () => {
    routes.set(`GET ${R}/pulls`, () => ({ body: hugeBody }));
    await refusedWith(forge.changeRequests.list('org/app', {}), ForgeLimitError, 'over the limit of');
  });

  it('nothing was written to the hostile forge by any of the calls', () => {
    expect(writes).toBe(0);
  });
});

describe('a run that exceeds its request budget fails with a clear message', () => {
  const tmp = tempDir('release-bot-budget-');
  afterAll(() => tmp.cleanup());

  it('heartbeat against a forge that keeps answering 503: the budget, not the retries, ends it', async () => {
    routes.set(`GET /api/v4/user`, () => ({ status: 503, body: { message: 'try later' } }));
    const config = join(tmp.dir, 'config.yaml');
    writeFileSync(
      config,
      `forges:\n  gl: { type: gitlab, url: "${base}", token: "t0ken-budget", retries: 10, maxRequestsPerRun: 3 }\n` +
        `store: { path: ${JSON.stringify(join(tmp.dir, 'state.db'))} }\njobs:\n  heartbeat: {}\n`,
    );
    const result = await runCli(['--config', config, 'run', 'heartbeat'], {
      cwd: tmp.dir,
      env: { RELEASE_BOT_LOG_LEVEL: 'warn' },
    });
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.code, output).toBe(1);
    expect(output).toContain('heartbeat: failed');
    expect(output).toContain('used up its budget of 3 requests');
  }, 60_000);
});
