import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: pull requests', () => {
  let f: GithubFixture;
  const push = (branch: string, files: Record<string, string | null>, message: string, username = 'alice') =>
    f.sim.push({ forge: 'github', project: 'acme/app', branch, files, message, username });

  beforeAll(async () => {
    f = await githubFixture({ ciEnabled: false });
  });
  afterAll(() => f.sim.close());

  it('creates a PR (201) and refuses a second one for the same head (422)', async () => {
    const head = await push('feature/bump', { VERSION: '1.1.0\n' }, 'Bump to 1.1.0');
    const { status, data } = await f.bot.pulls.create({
      ...repo,
      title: 'Bump',
      head: 'feature/bump',
      base: 'main',
      body: 'Body',
    });
    expect(status).toBe(201);
    expect(data).toMatchObject({
      number: 1,
      state: 'open',
      title: 'Bump',
      body: 'Body',
      merged: false,
      // computed in a background job that this first read started
      mergeable: null,
      mergeable_state: 'unknown',
      auto_merge: null,
      draft: false,
      user: { login: 'bot' },
      head: { ref: 'feature/bump', sha: head, label: 'acme:feature/bump' },
      base: { ref: 'main' },
      labels: [],
      requested_reviewers: [],
    });
    expect(data.html_url).toBe(`${f.sim.github.url}/acme/app/pull/1`);
    expect(typeof data.node_id).toBe('string');
    const dup = await failure(
      f.bot.pulls.create({ ...repo, title: 'Again', head: 'acme:feature/bump', base: 'main' }),
    );
    expect(dup.status).toBe(422);
    expect(dup.data).toMatchObject({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'PullRequest',
          code: 'custom',
          message: 'A pull request already exists for acme:feature/bump.',
        },
      ],
    });
    const noHead = await failure(f.bot.pulls.create({ ...repo, title: 'x', head: 'nope', base: 'main' }));
    expect(noHead.data.errors).toEqual([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
  });

  it('lists PRs by state and head=owner:branch, and issues share the numbering', async () => {
    const issue = await f.bot.issues.create({ ...repo, title: 'An issue' });
    expect(issue.data.number).toBe(2);
    await push('other', { 'other.txt': 'x\n' }, 'Other');
    const other = await f.bot.pulls.create({ ...repo, title: 'Other', head: 'other', base: 'main' });
    expect(other.data.number).toBe(3);
    const byHead = await f.bot.pulls.list({ ...repo, head: 'acme:feature/bump', state: 'all' });
    expect(byHead.data.map((p) => p.number)).toEqual([1]);
    const open = await f.bot.pulls.list(repo);
    expect(open.data.map((p) => p.number)).toEqual([3, 1]);
    expect(open.data[0]).not.toHaveProperty('mergeable');
    await f.bot.pulls.update({ ...repo, pull_number: 3, state: 'closed', title: 'Other (closed)' });
    expect((await f.bot.pulls.list({ ...repo, state: 'closed' })).data.map((p) => p.number)).toEqual([3]);
    expect((await f.bot.pulls.get({ ...repo, pull_number: 3 })).data).toMatchObject({
      state: 'closed',
      merged: false,
      title: 'Other (closed)',
    });
    expect((await failure(f.bot.pulls.get({ ...repo, pull_number: 99 }))).status).toBe(404);
  });

  it('lists PR commits and files', async () => {
    const commits = await f.bot.pulls.listCommits({ ...repo, pull_number: 1 });
    expect(commits.data.map((c) => c.commit.message)).toEqual(['Bump to 1.1.0']);
    const files = await f.bot.pulls.listFiles({ ...repo, pull_number: 1 });
    expect(files.data).toEqual([
      expect.objectContaining({ filename: 'VERSION', status: 'modified', additions: 1, deletions: 1 }),
    ]);
  });

  it('requests reviewers and takes reviews (the author cannot approve)', async () => {
    const requested = await f.bot.pulls.requestReviewers({ ...repo, pull_number: 1, reviewers: ['alice'] });
    expect(requested.status).toBe(201);
    expect(requested.data.requested_reviewers?.map((u) => u.login)).toEqual(['alice']);
    const stranger = await failure(
      f.bot.pulls.requestReviewers({ ...repo, pull_number: 1, reviewers: ['mallory'] }),
    );
    expect(stranger.status).toBe(422);
    const own = await failure(f.bot.pulls.createReview({ ...repo, pull_number: 1, event: 'APPROVE' }));
    expect(own).toMatchObject({ status: 422, data: { errors: ['Can not approve your own pull request'] } });
    const head = (await f.bot.pulls.get({ ...repo, pull_number: 1 })).data.head.sha;
    const review = await f.alice.pulls.createReview({
      ...repo,
      pull_number: 1,
      event: 'APPROVE',
      commit_id: head,
    });
    expect(review.status).toBe(200);
    expect(review.data).toMatchObject({ state: 'APPROVED', commit_id: head, user: { login: 'alice' } });
    expect((await f.bot.pulls.listReviews({ ...repo, pull_number: 1 })).data).toHaveLength(1);
    // Approving again is no error on GitHub (unlike GitLab's 401/304): it adds another review.
    const again = await f.alice.pulls.createReview({
      ...repo,
      pull_number: 1,
      event: 'APPROVE',
      commit_id: head,
    });
    expect(again.status).toBe(200);
    expect(again.data.id).not.toBe(review.data.id);
    expect((await f.bot.pulls.listReviews({ ...repo, pull_number: 1 })).data).toHaveLength(2);
  });

  it('merges with the sha guard: 409 on a stale sha, then the base really changes', async () => {
    const stale = (await f.bot.pulls.get({ ...repo, pull_number: 1 })).data.head.sha;
    const moved = await push('feature/bump', { CHANGELOG: 'bump\n' }, 'Changelog');
    const refused = await failure(f.bot.pulls.merge({ ...repo, pull_number: 1, sha: stale }));
    expect(refused).toMatchObject({
      status: 409,
      data: { message: 'Head branch was modified. Review and try the merge again.' },
    });
    const merged = await f.bot.pulls.merge({ ...repo, pull_number: 1, sha: moved });
    expect(merged.data).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
    const pr = (await f.bot.pulls.get({ ...repo, pull_number: 1 })).data;
    expect(pr).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: merged.data.sha,
      merged_by: { login: 'bot' },
    });
    const content = await f.bot.repos.getContent({
      ...repo,
      path: 'VERSION',
      ref: 'main',
      mediaType: { format: 'raw' },
    });
    expect(content.data).toBe('1.1.0\n');
    const main = (await f.bot.repos.getCommit({ ...repo, ref: 'main' })).data;
    expect(main.sha).toBe(merged.data.sha);
    expect(main.parents).toHaveLength(2);
    expect(main.commit.message).toMatch(/^Merge pull request #1 from acme\/feature\/bump/);
    const clone = mkdtempSync(join(tmpdir(), 'gh-clone-'));
    try {
      execFileSync('git', ['clone', '-q', f.sim.project('github', 'acme/app').repo.dir, clone]);
      expect(readFileSync(join(clone, 'VERSION'), 'utf8')).toBe('1.1.0\n');
      expect(readFileSync(join(clone, 'CHANGELOG'), 'utf8')).toBe('bump\n');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
    expect((await failure(f.bot.pulls.merge({ ...repo, pull_number: 1 }))).status).toBe(405);
  });

  it('squash and rebase merges', async () => {
    await push('sq', { 'a.txt': '1\n' }, 'A1');
    await push('sq', { 'a.txt': '2\n' }, 'A2');
    const sq = await f.bot.pulls.create({ ...repo, title: 'Squash me', head: 'sq', base: 'main' });
    const squashed = await f.bot.pulls.merge({
      ...repo,
      pull_number: sq.data.number,
      merge_method: 'squash',
    });
    const squashCommit = (await f.bot.repos.getCommit({ ...repo, ref: squashed.data.sha })).data;
    expect(squashCommit.parents).toHaveLength(1);
    expect(squashCommit.commit.message).toBe(`Squash me (#${sq.data.number})\n\n* A1\n\n* A2`);

    await push('rb', { 'b.txt': '1\n' }, 'B1');
    await push('rb', { 'b.txt': '2\n' }, 'B2');
    await push('main', { 'c.txt': 'main moved\n' }, 'Main moves', 'bot');
    const rb = await f.bot.pulls.create({ ...repo, title: 'Rebase me', head: 'rb', base: 'main' });
    const rebased = await f.bot.pulls.merge({ ...repo, pull_number: rb.data.number, merge_method: 'rebase' });
    const log = (await f.bot.repos.listCommits({ ...repo, per_page: 3 })).data;
    expect(log.map((c) => c.commit.message)).toEqual(['B2', 'B1', 'Main moves']);
    expect(log[0]!.sha).toBe(rebased.data.sha);
    expect(log[0]!.parents).toHaveLength(1);
    const content = await f.bot.repos.getContent({ ...repo, path: 'b.txt', mediaType: { format: 'raw' } });
    expect(content.data).toBe('2\n');
  });

  it('refuses to merge conflicting PRs (405) and reports mergeable: false / dirty', async () => {
    await push('conflict', { VERSION: '9.9.9\n' }, 'Conflicting bump');
    await push('main', { VERSION: '2.0.0\n' }, 'Main bump', 'bot');
    const pr = await f.bot.pulls.create({ ...repo, title: 'Conflict', head: 'conflict', base: 'main' });
    // null until GitHub's background job computed it; a later read answers the conflict
    expect(pr.data).toMatchObject({ mergeable: null, mergeable_state: 'unknown' });
    const again = await f.bot.pulls.get({ ...repo, pull_number: pr.data.number });
    expect(again.data).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
    const refused = await failure(f.bot.pulls.merge({ ...repo, pull_number: pr.data.number }));
    expect(refused).toMatchObject({ status: 405, data: { message: 'Pull Request is not mergeable' } });
  });

  it('deletes the head branch on merge when the repository says so, and closes PRs whose head is deleted', async () => {
    const admin = f.sim.createUser('root', { admin: true });
    await f.client(admin.token).repos.update({ ...repo, delete_branch_on_merge: true });
    await push('short-lived', { 'd.txt': 'd\n' }, 'D');
    const pr = await f.bot.pulls.create({ ...repo, title: 'Short', head: 'short-lived', base: 'main' });
    await f.bot.pulls.merge({ ...repo, pull_number: pr.data.number });
    expect((await failure(f.bot.repos.getBranch({ ...repo, branch: 'short-lived' }))).status).toBe(404);
    await f.client(admin.token).repos.update({ ...repo, delete_branch_on_merge: false });

    await push('doomed', { 'e.txt': 'e\n' }, 'E');
    const doomed = await f.bot.pulls.create({ ...repo, title: 'Doomed', head: 'doomed', base: 'main' });
    await f.bot.git.deleteRef({ ...repo, ref: 'heads/doomed' });
    expect((await f.bot.pulls.get({ ...repo, pull_number: doomed.data.number })).data.state).toBe('closed');
  });

  it('merging needs push access (403) on a repository one can read', async () => {
    await f.sim.createProject({
      forge: 'github',
      path: 'acme/pub',
      visibility: 'public',
      members: ['bot'],
      ciEnabled: false,
    });
    await f.sim.push({
      forge: 'github',
      project: 'acme/pub',
      branch: 'x',
      files: { x: 'x' },
      message: 'x',
      username: 'bot',
    });
    const pr = await f.bot.pulls.create({ owner: 'acme', repo: 'pub', title: 'x', head: 'x', base: 'main' });
    const denied = await failure(
      f.outsider.pulls.merge({ owner: 'acme', repo: 'pub', pull_number: pr.data.number }),
    );
    expect(denied.status).toBe(403);
    const badMethod = await failure(
      f.bot.pulls.merge({
        owner: 'acme',
        repo: 'pub',
        pull_number: pr.data.number,
        merge_method: 'fast-forward' as 'merge',
      }),
    );
    expect(badMethod).toMatchObject({ status: 422, data: { message: 'Validation Failed' } });
  });
});
