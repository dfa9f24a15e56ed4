import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: branches, protection and git refs', () => {
  let f: GithubFixture;
  let main: string;
  beforeAll(async () => {
    f = await githubFixture({ protectedBranches: ['stable'], branches: ['stable'] });
    main = (await f.sim.project('github', 'acme/app').repo.branchSha('main'))!;
    for (let i = 0; i < 33; i++)
      await f.sim
        .project('github', 'acme/app')
        .repo.updateRef(`refs/heads/b-${String(i).padStart(2, '0')}`, main);
  });
  afterAll(() => f.sim.close());

  it('lists branches with Link pagination (default 30 per page)', async () => {
    const first = await f.bot.repos.listBranches(repo);
    expect(first.data).toHaveLength(30);
    expect(first.headers.link).toMatch(/rel="next"/);
    expect(first.headers.link).toMatch(/rel="last"/);
    expect(first.headers.link).not.toMatch(/rel="prev"/);
    const all = await f.bot.paginate(f.bot.repos.listBranches, { ...repo, per_page: 10 });
    expect(all).toHaveLength(35);
    expect(all.find((b) => b.name === 'stable')).toMatchObject({ protected: true, commit: { sha: main } });
    const last = await f.bot.repos.listBranches({ ...repo, per_page: 10, page: 4 });
    expect(last.data).toHaveLength(5);
    expect(last.headers.link).toMatch(/rel="prev".*rel="first"/);
    expect(last.headers.link).not.toMatch(/rel="next"/);
    const onlyProtected = await f.bot.repos.listBranches({ ...repo, protected: true });
    expect(onlyProtected.data.map((b) => b.name)).toEqual(['stable']);
  });

  it('gets a branch with its commit, and 404 "Branch not found"', async () => {
    const { data } = await f.bot.repos.getBranch({ ...repo, branch: 'main' });
    expect(data).toMatchObject({ name: 'main', protected: false, commit: { sha: main } });
    expect(data.commit.commit.message).toBe('Initial commit');
    const missing = await failure(f.bot.repos.getBranch({ ...repo, branch: 'nope' }));
    expect(missing).toMatchObject({ status: 404, data: { message: 'Branch not found' } });
  });

  it('branch protection: 404 "Branch not protected", or the rule', async () => {
    const unprotected = await failure(f.bot.repos.getBranchProtection({ ...repo, branch: 'main' }));
    expect(unprotected).toMatchObject({ status: 404, data: { message: 'Branch not protected' } });
    const { data } = await f.bot.repos.getBranchProtection({ ...repo, branch: 'stable' });
    expect(data.allow_force_pushes?.enabled).toBe(false);
    expect(data.required_status_checks?.contexts).toEqual(expect.any(Array));
  });

  it('git/ref (exact) and git/matching-refs (prefix)', async () => {
    const { data } = await f.bot.git.getRef({ ...repo, ref: 'heads/main' });
    expect(data).toMatchObject({ ref: 'refs/heads/main', object: { sha: main, type: 'commit' } });
    expect((await failure(f.bot.git.getRef({ ...repo, ref: 'heads/b' }))).status).toBe(404);
    const matching = await f.bot.git.listMatchingRefs({ ...repo, ref: 'heads/b-0' });
    expect(matching.data.map((r) => r.ref)).toHaveLength(10);
    expect((await f.bot.git.listMatchingRefs({ ...repo, ref: 'heads/zzz' })).data).toEqual([]);
  });

  it('creates refs (201) and refuses duplicates (422 "Reference already exists")', async () => {
    const created = await f.bot.git.createRef({ ...repo, ref: 'refs/heads/feature', sha: main });
    expect(created.status).toBe(201);
    expect(created.data.ref).toBe('refs/heads/feature');
    const dup = await failure(f.bot.git.createRef({ ...repo, ref: 'refs/heads/feature', sha: main }));
    expect(dup).toMatchObject({ status: 422, data: { message: 'Reference already exists' } });
    const bad = await failure(f.bot.git.createRef({ ...repo, ref: 'heads/x', sha: main }));
    expect(bad.status).toBe(422);
    const missing = await failure(f.bot.git.createRef({ ...repo, ref: 'refs/heads/y', sha: 'f'.repeat(40) }));
    expect(missing).toMatchObject({ status: 422, data: { message: 'Object does not exist' } });
    const tag = await f.bot.git.createRef({ ...repo, ref: 'refs/tags/v1.0.0', sha: main });
    expect(tag.data.object.sha).toBe(main);
  });

  it('a branch just created is not seen by the next PR creation (422 head invalid); a moment later it is', async () => {
    const blob = await f.bot.git.createTree({
      ...repo,
      base_tree: main,
      tree: [{ path: 'lag.txt', mode: '100644', type: 'blob', content: 'lag\n' }],
    });
    const commit = await f.bot.git.createCommit({
      ...repo,
      message: 'lag',
      tree: blob.data.sha,
      parents: [main],
    });
    await f.bot.git.createRef({ ...repo, ref: 'refs/heads/lagging', sha: commit.data.sha });
    const early = await failure(f.bot.pulls.create({ ...repo, title: 'Lag', head: 'lagging', base: 'main' }));
    expect(early).toMatchObject({
      status: 422,
      data: {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
      },
    });
    const later = await f.bot.pulls.create({ ...repo, title: 'Lag', head: 'lagging', base: 'main' });
    expect(later.status).toBe(201);
  });

  it('updates refs: fast-forward, 422 "Update is not a fast forward", force', async () => {
    const ahead = await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'feature',
      files: { a: '1' },
      message: 'a',
    });
    const ff = await f.bot.git.updateRef({ ...repo, ref: 'heads/main', sha: ahead });
    expect(ff.data.object.sha).toBe(ahead);
    const other = await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'b-00',
      files: { b: '1' },
      message: 'b',
    });
    const nonFf = await failure(f.bot.git.updateRef({ ...repo, ref: 'heads/main', sha: other }));
    expect(nonFf).toMatchObject({ status: 422, data: { message: 'Update is not a fast forward' } });
    expect(await f.sim.project('github', 'acme/app').repo.branchSha('main')).toBe(ahead);
    const forced = await f.bot.git.updateRef({ ...repo, ref: 'heads/main', sha: other, force: true });
    expect(forced.data.object.sha).toBe(other);
    const log = f.sim.requests({ method: 'PATCH' }).at(-1)!;
    expect(log.detail).toMatchObject({ force: true, sha: other });
  });

  it('a protected branch takes fast-forwards but refuses force pushes and deletion', async () => {
    const head = (await f.sim.project('github', 'acme/app').repo.branchSha('main'))!;
    const moved = await f.bot.git.updateRef({ ...repo, ref: 'heads/stable', sha: head });
    expect(moved.data.object.sha).toBe(head);
    const forced = await failure(
      f.bot.git.updateRef({ ...repo, ref: 'heads/stable', sha: main, force: true }),
    );
    expect(forced).toMatchObject({
      status: 422,
      data: { message: 'Cannot force-push to this protected branch' },
    });
    const alice = await failure(f.alice.git.updateRef({ ...repo, ref: 'heads/stable', sha: head }));
    expect(alice).toMatchObject({
      status: 422,
      data: { message: 'Protected branch update failed for refs/heads/stable.' },
    });
    const deletion = await failure(f.bot.git.deleteRef({ ...repo, ref: 'heads/stable' }));
    expect(deletion.status).toBe(422);
  });

  it('deletes refs (204) and answers 422 for a missing one', async () => {
    const res = await f.bot.git.deleteRef({ ...repo, ref: 'heads/feature' });
    expect(res.status).toBe(204);
    expect(await f.sim.project('github', 'acme/app').repo.branchSha('feature')).toBeNull();
    const again = await failure(f.bot.git.deleteRef({ ...repo, ref: 'heads/feature' }));
    expect(again).toMatchObject({ status: 422, data: { message: 'Reference does not exist' } });
  });

  it('refuses writes without push access: 404 for a reader of a public repository', async () => {
    await f.sim.createProject({ forge: 'github', path: 'acme/pub', visibility: 'public', members: ['bot'] });
    const sha = (await f.sim.project('github', 'acme/pub').repo.branchSha('main'))!;
    const denied = await failure(
      f.outsider.git.createRef({ owner: 'acme', repo: 'pub', ref: 'refs/heads/x', sha }),
    );
    expect(denied.status).toBe(404);
  });
});
