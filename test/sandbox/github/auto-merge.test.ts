import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubFixture, repo, type GithubFixture } from './helpers.js';

const MINUTE = 60_000;

const ENABLE = `
  mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod, $expectedHeadOid: GitObjectID) {
    enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod, expectedHeadOid: $expectedHeadOid }) {
      pullRequest { id autoMergeRequest { enabledAt mergeMethod } }
    }
  }`;

describe('GitHub view: auto-merge over GraphQL', () => {
  let f: GithubFixture;
  const push = (project: string, branch: string, files: Record<string, string>, message: string) =>
    f.sim.push({ forge: 'github', project, branch, files, message, username: 'bot' });
  const enable = (pullRequestId: string, expectedHeadOid?: string, mergeMethod = 'SQUASH') =>
    f.bot.graphql<{
      enablePullRequestAutoMerge: { pullRequest: { autoMergeRequest: { mergeMethod: string } } };
    }>(ENABLE, {
      pullRequestId,
      mergeMethod,
      expectedHeadOid,
    });
  const graphqlError = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      // @octokit/graphql's GraphqlResponseError: HTTP 200 with an `errors` array.
      const errors = (error as { name?: string; errors?: Record<string, unknown>[] }).errors;
      if ((error as Error).name === 'GraphqlResponseError' && errors) return errors[0];
      throw error;
    }
    throw new Error('expected a GraphQL error');
  };

  beforeAll(async () => {
    f = await githubFixture({ protectedBranches: ['main'] });
    const admin = f.sim.createUser('root', { admin: true });
    await f.client(admin.token).repos.update({ ...repo, delete_branch_on_merge: true });
    await f.sim.createProject({
      forge: 'github',
      path: 'acme/no-auto',
      members: ['bot'],
      allowAutoMerge: false,
      protectedBranches: ['main'],
    });
    await f.sim.createProject({ forge: 'github', path: 'acme/open', members: ['bot'] });
  });
  afterAll(() => f.sim.close());

  it('enables auto-merge while checks run, keeps it across a push, and merges when the new head is green', async () => {
    const first = await push('acme/app', 'update-gitaly', { VERSION: '1.1.0\n' }, 'Bump');
    const pr = (await f.bot.pulls.create({ ...repo, title: 'Bump', head: 'update-gitaly', base: 'main' }))
      .data;
    expect(pr.mergeable_state).toBe('unknown');
    // a protected base: its required checks are "expected" until the workflow reported
    expect((await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data.mergeable_state).toBe('blocked');
    const res = await enable(pr.node_id, first);
    expect(res.enablePullRequestAutoMerge.pullRequest.autoMergeRequest.mergeMethod).toBe('SQUASH');
    const armed = (await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data;
    expect(armed.auto_merge).toMatchObject({ merge_method: 'squash', enabled_by: { login: 'bot' } });

    // A new push keeps auto-merge on GitHub; the new head must pass before it merges.
    const second = await push('acme/app', 'update-gitaly', { VERSION: '1.1.1\n' }, 'Bump again');
    expect((await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data.auto_merge).not.toBeNull();
    await f.sim.advance(3 * MINUTE);
    expect((await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data.state).toBe('open');
    await f.sim.advance(30 * MINUTE);
    const merged = (await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data;
    expect(merged).toMatchObject({ state: 'closed', merged: true, auto_merge: null });
    const version = await f.bot.repos.getContent({ ...repo, path: 'VERSION', mediaType: { format: 'raw' } });
    expect(version.data).toBe('1.1.1\n');
    expect((await f.bot.repos.getCommit({ ...repo, ref: 'main' })).data.commit.message).toMatch(
      /^Bump \(#\d+\)/,
    );
    // delete_branch_on_merge removed the head branch.
    expect(await f.sim.project('github', 'acme/app').repo.branchSha('update-gitaly')).toBeNull();
    expect(second).not.toBe(first);
  });

  it('waits on a failing check (a re-run can still pass) and merges after the re-run', async () => {
    await push('acme/app', 'flaky', { 'f.txt': '1' }, 'Flaky [ci:flaky=test]');
    const pr = (await f.bot.pulls.create({ ...repo, title: 'Flaky', head: 'flaky', base: 'main' })).data;
    await enable(pr.node_id, pr.head.sha, 'MERGE');
    await f.sim.advance(30 * MINUTE);
    const waiting = (await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data;
    expect(waiting).toMatchObject({ state: 'open', mergeable_state: 'blocked' });
    expect(waiting.auto_merge).not.toBeNull();
    const [failed] = (
      await f.bot.checks.listForRef({ ...repo, ref: pr.head.sha, status: 'completed' })
    ).data.check_runs.filter((c) => c.conclusion === 'failure');
    await f.bot.checks.rerequestRun({ ...repo, check_run_id: failed!.id });
    await f.sim.advance(30 * MINUTE);
    expect((await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data.merged).toBe(true);
  });

  it('answers GitHub’s errors: stale expectedHeadOid, repository without auto-merge, clean and unstable PRs', async () => {
    const sha = await push('acme/app', 'stale', { 's.txt': '1' }, 'S');
    const pr = (await f.bot.pulls.create({ ...repo, title: 'S', head: 'stale', base: 'main' })).data;
    const stale = await graphqlError(enable(pr.node_id, 'a'.repeat(40)));
    expect(stale).toMatchObject({
      type: 'UNPROCESSABLE',
      message: 'Head branch was modified. Review and try the merge again.',
    });
    expect(sha).toBe(pr.head.sha);

    await push('acme/no-auto', 'x', { x: '1' }, 'x');
    const noAuto = (
      await f.bot.pulls.create({ owner: 'acme', repo: 'no-auto', title: 'x', head: 'x', base: 'main' })
    ).data;
    const disallowed = await graphqlError(enable(noAuto.node_id, noAuto.head.sha));
    expect(disallowed).toMatchObject({
      type: 'UNPROCESSABLE',
      path: ['enablePullRequestAutoMerge'],
      message: 'Pull request Auto merge is not allowed for this repository',
    });

    await push('acme/open', 'y', { y: '1' }, 'y');
    const open = (
      await f.bot.pulls.create({ owner: 'acme', repo: 'open', title: 'y', head: 'y', base: 'main' })
    ).data;
    const read = () => f.bot.pulls.get({ owner: 'acme', repo: 'open', pull_number: open.number });
    expect(open.mergeable_state).toBe('unknown');
    // No required checks and none reported yet (the workflow starts after the push): "clean",
    // and auto-merge is refused; merging now would merge an untested head.
    expect((await read()).data.mergeable_state).toBe('clean');
    expect(await graphqlError(enable(open.node_id, open.head.sha))).toMatchObject({
      message: 'Pull request Pull request is in clean status',
    });
    await f.sim.advance(30_000);
    expect((await read()).data.mergeable_state).toBe('unstable');
    expect(await graphqlError(enable(open.node_id, open.head.sha))).toMatchObject({
      message: 'Pull request Pull request is in unstable status',
    });
    await f.sim.advance(30 * MINUTE);
    expect(
      (await f.bot.pulls.get({ owner: 'acme', repo: 'open', pull_number: open.number })).data.mergeable_state,
    ).toBe('clean');
    expect(await graphqlError(enable(open.node_id, open.head.sha))).toMatchObject({
      message: 'Pull request Pull request is in clean status',
    });
    expect(await graphqlError(enable('PR_bogus'))).toMatchObject({ type: 'NOT_FOUND' });
  });

  it('disables auto-merge and reads autoMergeRequest through repository.pullRequest', async () => {
    await push('acme/app', 'later', { 'l.txt': '1' }, 'L');
    const pr = (await f.bot.pulls.create({ ...repo, title: 'L', head: 'later', base: 'main' })).data;
    await enable(pr.node_id, pr.head.sha);
    const query = `query($owner: String!, $name: String!, $number: Int!) {
      repository(owner: $owner, name: $name) { pullRequest(number: $number) { id mergeStateStatus autoMergeRequest { mergeMethod } } }
    }`;
    const before = await f.bot.graphql<{
      repository: {
        pullRequest: { autoMergeRequest: { mergeMethod: string } | null; mergeStateStatus: string };
      };
    }>(query, { owner: 'acme', name: 'app', number: pr.number });
    expect(before.repository.pullRequest).toMatchObject({
      mergeStateStatus: 'BLOCKED',
      autoMergeRequest: { mergeMethod: 'SQUASH' },
    });
    await f.bot.graphql(
      `mutation($id: ID!) { disablePullRequestAutoMerge(input: {pullRequestId: $id}) { pullRequest { id } } }`,
      { id: pr.node_id },
    );
    expect((await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data.auto_merge).toBeNull();
    await f.sim.advance(30 * MINUTE);
    expect((await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data.state).toBe('open');
    const unauth = await fetch(`${f.sim.github.url}/graphql`, {
      method: 'POST',
      body: JSON.stringify({ query: '{ viewer { login } }' }),
    });
    expect(unauth.status).toBe(401);
  });

  it('required approvals block the merge until someone with write access approves', async () => {
    f.sim.project('github', 'acme/app').approvalsRequired = 1;
    await push('acme/app', 'needs-review', { 'r.txt': '1' }, 'R');
    const pr = (await f.bot.pulls.create({ ...repo, title: 'R', head: 'needs-review', base: 'main' })).data;
    await enable(pr.node_id, pr.head.sha);
    await f.sim.advance(30 * MINUTE);
    const blocked = (await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data;
    expect(blocked).toMatchObject({ state: 'open', mergeable_state: 'blocked' });
    const direct = await f.bot.pulls
      .merge({ ...repo, pull_number: pr.number })
      .catch((e: { status: number; message: string }) => e);
    expect(direct).toMatchObject({ status: 405 });
    await f.alice.pulls.createReview({
      ...repo,
      pull_number: pr.number,
      event: 'APPROVE',
      commit_id: pr.head.sha,
    });
    expect((await f.bot.pulls.get({ ...repo, pull_number: pr.number })).data.merged).toBe(true);
    f.sim.project('github', 'acme/app').approvalsRequired = 0;
  });
});
