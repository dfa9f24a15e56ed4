import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubFixture, repo, type GithubFixture } from './helpers.js';

const MINUTE = 60_000;

/** The query the GitHub adapter sends for a branch's newest commits and their CI (ci.ts branchChecks). */
const HISTORY = `
  query($owner: String!, $name: String!, $ref: String!, $n: Int!, $after: String) {
    repository(owner: $owner, name: $name) {
      ref(qualifiedName: $ref) {
        target {
          ... on Commit {
            history(first: $n, after: $after) {
              pageInfo { hasNextPage endCursor }
              nodes {
                oid abbreviatedOid url
                statusCheckRollup {
                  state
                  contexts(first: 100) {
                    pageInfo { hasNextPage }
                    nodes {
                      __typename
                      ... on CheckRun { databaseId name status conclusion startedAt completedAt detailsUrl url }
                      ... on StatusContext { context state targetUrl createdAt }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }`;

interface Context {
  __typename: 'CheckRun' | 'StatusContext';
  databaseId?: number;
  name?: string;
  status?: string;
  conclusion?: string | null;
  context?: string;
  state?: string;
  targetUrl?: string | null;
}

interface HistoryNode {
  oid: string;
  abbreviatedOid: string;
  url: string;
  statusCheckRollup: {
    state: string;
    contexts: { pageInfo: { hasNextPage: boolean }; nodes: Context[] };
  } | null;
}

interface History {
  repository: {
    ref: {
      target: {
        history: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: HistoryNode[] };
      };
    } | null;
  } | null;
}

function summary(c: Context): string {
  return c.__typename === 'CheckRun' ? `${c.name}:${c.status}:${c.conclusion}` : `${c.context}:${c.state}`;
}

describe('GitHub view: a branch history with each commit’s checks over GraphQL', () => {
  let f: GithubFixture;
  const shas: Record<string, string> = {};
  const push = (files: Record<string, string>, message: string) =>
    f.sim.push({ forge: 'github', project: 'acme/app', branch: 'main', files, message, username: 'bot' });
  const history = (variables: Record<string, unknown>) =>
    f.bot.graphql<History>(HISTORY, {
      ...repo,
      name: repo.repo,
      ref: 'refs/heads/main',
      n: 10,
      ...variables,
    });
  const graphqlError = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      const e = error as { name?: string; errors?: Record<string, unknown>[]; data?: unknown };
      if (e.name === 'GraphqlResponseError' && e.errors) return { error: e.errors[0], data: e.data };
      throw error;
    }
    throw new Error('expected a GraphQL error');
  };

  beforeAll(async () => {
    f = await githubFixture({ ciReports: 'checks', visibility: 'private' });
    shas.root = (await f.bot.repos.getCommit({ ...repo, ref: 'main' })).data.sha;
    shas.none = await push({ a: '1' }, 'No CI [skip ci]');
    shas.flaky = await push({ b: '1' }, 'Flaky [ci:flaky=test]');
    await f.sim.advance(30 * MINUTE);
    const failed = (await f.bot.checks.listForRef({ ...repo, ref: shas.flaky, check_name: 'test' })).data;
    await f.bot.checks.rerequestRun({ ...repo, check_run_id: failed.check_runs[0]!.id });
    await f.sim.advance(30 * MINUTE);
    // two updates of one status context: only the newest is in the rollup
    f.sim.setStatus('github', 'acme/app', shas.flaky, { context: 'stage/e2e', state: 'pending' });
    f.sim.setStatus('github', 'acme/app', shas.flaky, {
      context: 'stage/e2e',
      state: 'success',
      targetUrl: 'https://ci.example/e2e',
    });
    shas.head = await push({ c: '1' }, 'Running head');
    await f.sim.ci.createScheduled();
  });
  afterAll(() => f.sim.close());

  it('answers the newest commits first, each with the newest check run per name and status per context', async () => {
    const data = await history({});
    const { nodes, pageInfo } = data.repository!.ref!.target.history;
    expect(nodes.map((n) => n.oid)).toEqual([shas.head, shas.flaky, shas.none, shas.root]);
    expect(pageInfo.hasNextPage).toBe(false);
    const [head, flaky, none] = nodes;
    expect(head).toMatchObject({
      abbreviatedOid: shas.head!.slice(0, 7),
      url: `${f.sim.github.url}/acme/app/commit/${shas.head}`,
      statusCheckRollup: { state: 'PENDING' },
    });
    expect(head!.statusCheckRollup!.contexts.nodes.map(summary).sort()).toEqual([
      'build:QUEUED:null',
      'test:QUEUED:null',
    ]);
    // the re-run that passed replaced the failure; the REST list (filter=all) still has both
    expect(flaky!.statusCheckRollup!.state).toBe('SUCCESS');
    expect(flaky!.statusCheckRollup!.contexts.nodes.map(summary).sort()).toEqual([
      'build:COMPLETED:SUCCESS',
      'stage/e2e:SUCCESS',
      'test:COMPLETED:SUCCESS',
    ]);
    const all = (await f.bot.checks.listForRef({ ...repo, ref: shas.flaky!, filter: 'all' })).data;
    expect(all.total_count).toBe(3);
    const test = flaky!.statusCheckRollup!.contexts.nodes.find((c) => c.name === 'test')!;
    expect(test.databaseId).toBe(
      Math.max(...all.check_runs.filter((r) => r.name === 'test').map((r) => r.id)),
    );
    const status = flaky!.statusCheckRollup!.contexts.nodes.find((c) => c.__typename === 'StatusContext');
    expect(status).toMatchObject({ targetUrl: 'https://ci.example/e2e', state: 'SUCCESS' });
    // a commit without any check run or status has no rollup
    expect(none!.statusCheckRollup).toBeNull();
  });

  it('pages with first/after and pageInfo, and takes a short branch name', async () => {
    const first = (await history({ n: 2, ref: 'main' })).repository!.ref!.target.history;
    expect(first.nodes.map((n) => n.oid)).toEqual([shas.head, shas.flaky]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = (await history({ n: 2, after: first.pageInfo.endCursor })).repository!.ref!.target.history;
    expect(next.nodes.map((n) => n.oid)).toEqual([shas.none, shas.root]);
    expect(next.pageInfo.hasNextPage).toBe(false);
  });

  it('answers only the fields selected', async () => {
    const data = await f.bot.graphql<Record<string, unknown>>(
      `query { repository(owner: "acme", name: "app") {
        ref(qualifiedName: "refs/heads/main") { target { ... on Commit { history(first: 1) {
          nodes { oid statusCheckRollup { contexts(first: 1) { nodes { ... on CheckRun { name } } } } }
        } } } }
      } }`,
    );
    expect(data).toEqual({
      repository: {
        ref: {
          target: {
            history: {
              nodes: [{ oid: shas.head, statusCheckRollup: { contexts: { nodes: [{ name: 'build' }] } } }],
            },
          },
        },
      },
    });
  });

  it('answers GitHub’s errors: unknown ref, hidden repository, too many records, unknown field', async () => {
    expect((await history({ ref: 'refs/heads/nope' })).repository!.ref).toBeNull();
    const hidden = await graphqlError(
      f.outsider.graphql(HISTORY, { ...repo, name: repo.repo, ref: 'refs/heads/main', n: 1 }),
    );
    expect(hidden.error).toMatchObject({
      type: 'NOT_FOUND',
      path: ['repository'],
      message: "Could not resolve to a Repository with the name 'acme/app'.",
    });
    expect(hidden.data).toEqual({ repository: null });
    const many = await graphqlError(history({ n: 101 }));
    expect(many.error).toMatchObject({
      type: 'EXCESSIVE_PAGINATION',
      path: ['repository', 'ref', 'target', 'history'],
    });
    const unknown = await graphqlError(
      f.bot.graphql(
        `query { repository(owner: "acme", name: "app") { ref(qualifiedName: "main") { target { ... on Commit { history(first: 1) { nodes { bogus } } } } } } }`,
      ),
    );
    expect(unknown.error).toMatchObject({
      extensions: { code: 'undefinedField', typeName: 'Commit', fieldName: 'bogus' },
    });
    expect(unknown.data).toBeUndefined();
  });
});
