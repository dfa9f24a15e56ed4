import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForgeError, NotFastForwardError } from '../../../src/errors.js';
import { bulkCommits, setup, type AdapterFixture } from './helpers.js';

describe('GitLab adapter: repository', () => {
  let fx: AdapterFixture;
  let main: string;
  beforeAll(async () => {
    fx = await setup();
    main = (await fx.sim.project('gitlab', 'org/app').repo.branchSha('main'))!;
  });
  afterAll(() => fx.close());

  it('current user and project', async () => {
    expect(await fx.forge.currentUser()).toMatchObject({ username: 'bot', name: 'Release Bot' });
    const project = await fx.forge.repo.getProject('org/app');
    expect(project).toMatchObject({
      path: 'org/app',
      defaultBranch: 'main',
      webUrl: `${fx.sim.gitlab.url}/org/app`,
      allowAutoMerge: true,
    });
    await expect(fx.forge.repo.getProject('org/nope')).rejects.toMatchObject({
      status: 404,
      forge: 'gitlab-sim',
    });
  });

  it('branches: get (null when missing), create, delete', async () => {
    expect(await fx.forge.repo.getBranch('org/app', 'main')).toEqual({
      name: 'main',
      sha: main,
      protected: true,
      webUrl: `${fx.sim.gitlab.url}/org/app/-/tree/main`,
    });
    expect(await fx.forge.repo.getBranch('org/app', 'nope')).toBeNull();
    const created = await fx.forge.repo.createBranch('org/app', 'release-bot/x', 'main');
    expect(created).toMatchObject({ name: 'release-bot/x', sha: main, protected: false });
    await fx.forge.repo.deleteBranch('org/app', 'release-bot/x');
    expect(await fx.forge.repo.getBranch('org/app', 'release-bot/x')).toBeNull();
    await fx.forge.repo.deleteBranch('org/app', 'release-bot/x');
    // A missing project is a configuration error, never "absent".
    await expect(fx.forge.repo.getBranch('org/nope', 'main')).rejects.toBeInstanceOf(ForgeError);
  });

  it('commitFiles: creates a branch from startFrom, commits on top when it exists, resets with force', async () => {
    const first = await fx.forge.repo.commitFiles('org/app', {
      branch: 'release-bot/update',
      message: 'Bump VERSION\n\nbody',
      actions: [{ action: 'update', path: 'VERSION', content: '1.1.0\n' }],
      startFrom: 'main',
    });
    expect(first).toMatchObject({
      title: 'Bump VERSION',
      message: 'Bump VERSION\n\nbody',
      parentShas: [main],
    });
    expect(first.shortSha).toBe(first.sha.slice(0, 8));
    const second = await fx.forge.repo.commitFiles('org/app', {
      branch: 'release-bot/update',
      message: 'More',
      actions: [{ action: 'create', path: 'notes.txt', content: 'n\n' }],
      startFrom: 'main',
    });
    expect(second.parentShas).toEqual([first.sha]);
    const reset = await fx.forge.repo.commitFiles('org/app', {
      branch: 'release-bot/update',
      message: 'Reset',
      actions: [{ action: 'update', path: 'VERSION', content: '1.2.0\n' }],
      startFrom: main,
      force: true,
    });
    expect(reset.parentShas).toEqual([main]);
    expect(await fx.forge.repo.getFile('org/app', 'notes.txt', 'release-bot/update')).toBeNull();
    await expect(
      fx.forge.repo.commitFiles('org/app', {
        branch: 'release-bot/update',
        message: 'bad',
        actions: [{ action: 'create', path: 'VERSION', content: 'x' }],
      }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('A file with this name already exists'),
    });
  });

  it('getFile and getCommit (null when missing)', async () => {
    const file = await fx.forge.repo.getFile('org/app', 'VERSION', 'release-bot/update');
    expect(file).toMatchObject({ path: 'VERSION', ref: 'release-bot/update', content: '1.2.0\n' });
    expect(file!.blobSha).toMatch(/^[0-9a-f]{40}$/);
    expect(await fx.forge.repo.getFile('org/app', 'nope.txt', 'main')).toBeNull();
    const commit = await fx.forge.repo.getCommit('org/app', 'main');
    expect(commit).toMatchObject({ sha: main, title: 'Initial commit', parentShas: [] });
    expect(await fx.forge.repo.getCommit('org/app', 'f'.repeat(40))).toBeNull();
  });

  it('compare: commits oldest first, files, fast-forward and behindBy', async () => {
    const cmp = await fx.forge.repo.compare('org/app', 'main', 'release-bot/update');
    expect(cmp.commits.map((c) => c.title)).toEqual(['Reset']);
    expect(cmp.files).toEqual([
      { path: 'VERSION', oldPath: 'VERSION', newFile: false, deletedFile: false, renamedFile: false },
    ]);
    expect(cmp).toMatchObject({ fastForward: true, behindBy: 0, compareTimeout: false });
    const back = await fx.forge.repo.compare('org/app', 'release-bot/update', 'main');
    expect(back).toMatchObject({ fastForward: false, behindBy: 1, commits: [] });
    const head = (await fx.forge.repo.getBranch('org/app', 'release-bot/update'))!.sha;
    fx.sim.project('gitlab', 'org/app').compareTimeoutShas.add(head);
    expect((await fx.forge.repo.compare('org/app', 'main', head)).compareTimeout).toBe(true);
  });

  it('listCommits pages beyond 100 when the limit asks for it, newest first', async () => {
    await fx.forge.repo.createBranch('org/app', 'long', 'main');
    bulkCommits(fx.sim, 'org/app', 'long', 140);
    const since = fx.sim.mark();
    const commits = await fx.forge.repo.listCommits('org/app', 'long', { limit: 130 });
    expect(commits).toHaveLength(130);
    expect(commits[0]!.title).toBe('bulk commit 139');
    expect(commits[129]!.title).toBe('bulk commit 10');
    expect(fx.sim.requests({ forge: 'gitlab', since }).map((r) => r.path)).toHaveLength(2);
    const few = await fx.forge.repo.listCommits('org/app', 'long', { limit: 5 });
    expect(few.map((c) => c.title)).toEqual([139, 138, 137, 136, 135].map((i) => `bulk commit ${i}`));
  });

  it('over 10,000 rows GitLab sends no x-total, x-total-pages or last link; listCommits follows next', async () => {
    await fx.forge.repo.createBranch('org/app', 'huge', 'main');
    bulkCommits(fx.sim, 'org/app', 'huge', 10_050);
    const res = await fetch(
      `${fx.sim.gitlab.url}/api/v4/projects/org%2Fapp/repository/commits?ref_name=huge&per_page=100&page=2`,
      { headers: { 'private-token': fx.token } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total')).toBeNull();
    expect(res.headers.get('x-total-pages')).toBeNull();
    expect(res.headers.get('x-next-page')).toBe('3');
    expect(res.headers.get('link')).toContain('rel="next"');
    expect(res.headers.get('link')).not.toContain('rel="last"');
    const commits = await fx.forge.repo.listCommits('org/app', 'huge', { limit: 250 });
    expect(commits).toHaveLength(250);
    expect(commits[0]!.title).toBe('bulk commit 10049');
    expect(commits[249]!.title).toBe('bulk commit 9800');
  });

  it('updateBranch: fast-forward by git push; non-FF refused; force on the bot branch; protected refused', async () => {
    const head = (await fx.forge.repo.getBranch('org/app', 'release-bot/update'))!.sha;
    await fx.forge.repo.createBranch('org/app', 'stable', 'main');
    const moved = await fx.forge.repo.updateBranch('org/app', 'stable', head);
    expect(moved).toMatchObject({ name: 'stable', sha: head });
    await fx.sim.ci.createScheduled(); // the push's pipeline comes from a background worker
    const pipelines = fx.sim.world.pipelines.filter((p) => p.ref === 'stable' && p.sha === head);
    expect(pipelines).toHaveLength(1);

    const err = await fx.forge.repo.updateBranch('org/app', 'stable', main).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFastForwardError);
    expect((await fx.forge.repo.getBranch('org/app', 'stable'))!.sha).toBe(head);
    const forced = await fx.forge.repo.updateBranch('org/app', 'stable', main, { force: true });
    expect(forced.sha).toBe(main);

    const dev = fx.make({ token: fx.devToken });
    const refused = await dev.repo.updateBranch('org/app', 'main', head).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ForgeError);
    expect(refused).toMatchObject({ status: 403, message: expect.stringContaining('protected') });
    expect((await fx.forge.repo.getBranch('org/app', 'main'))!.sha).toBe(main);
    const noForce = await fx.forge.repo.updateBranch('org/app', 'main', head).then((b) => b.sha);
    expect(noForce).toBe(head);
    const protectedForce = await fx.forge.repo
      .updateBranch('org/app', 'main', main, { force: true })
      .catch((e: unknown) => e);
    expect(protectedForce).toMatchObject({ status: 403 });
    // The token never appears on a command line or in a URL: the push went by http.extraHeader.
    const log = fx.sim.requests({ forge: 'gitlab' }).filter((r) => r.route.includes('git-receive-pack'));
    expect(log.length).toBeGreaterThan(0);
    expect(log.every((r) => !r.path.includes(fx.token))).toBe(true);
  });
});
