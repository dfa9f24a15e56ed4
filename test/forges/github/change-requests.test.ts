import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForgeError } from '../../../src/errors.js';
import { adapterFixture, MINUTE, PROJECT, type AdapterFixture } from './helpers.js';

describe('GitHub adapter: change requests (pull requests)', () => {
  let f: AdapterFixture;
  const branch = async (name: string, files: Record<string, string>, message = name) =>
    f.sim.push({ forge: 'github', project: PROJECT, branch: name, files, message, username: 'release-bot' });

  beforeAll(async () => {
    f = await adapterFixture({ protectedBranches: ['main'] });
    await f.sim.createProject({
      forge: 'github',
      path: 'acme/no-auto',
      members: ['release-bot'],
      allowAutoMerge: false,
      protectedBranches: ['main'],
    });
    await f.sim.createProject({
      forge: 'github',
      path: 'acme/open',
      members: ['release-bot'],
      ciEnabled: false,
    });
    const octokitMilestone = await fetch(`${f.sim.github.url}/repos/${PROJECT}/milestones`, {
      method: 'POST',
      headers: { authorization: `token ${f.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: '17.6', due_on: new Date(Date.now() + 10 * 86_400_000).toISOString() }),
    });
    expect(octokitMilestone.status).toBe(201);
  });
  afterAll(() => f.sim.close());

  it('creates a PR with labels, assignees, reviewers and milestone; lists it by source branch', async () => {
    const head = await branch('release-bot/update-gitaly', { VERSION: '1.1.0\n' });
    const cr = await f.forge.changeRequests.create(PROJECT, {
      sourceBranch: 'release-bot/update-gitaly',
      targetBranch: 'main',
      title: 'Update gitaly to 1.1.0',
      description: '<!-- release-bot:update-gitaly -->',
      labels: ['automation', 'gitaly'],
      assignees: ['alice'],
      reviewers: ['alice'],
      milestone: '17.6',
    });
    expect(cr).toMatchObject({
      iid: 1,
      state: 'opened',
      sourceBranch: 'release-bot/update-gitaly',
      targetBranch: 'main',
      headSha: head,
      labels: ['automation', 'gitaly'],
      author: 'release-bot',
      autoMerge: false,
      mergedAt: null,
    });
    const listed = await f.forge.changeRequests.list(PROJECT, {
      sourceBranch: 'release-bot/update-gitaly',
      state: 'opened',
    });
    expect(listed.map((c) => c.iid)).toEqual([1]);
    expect(await f.forge.changeRequests.list(PROJECT, { sourceBranch: 'other' })).toEqual([]);
    expect(await f.forge.changeRequests.list(PROJECT, { labels: ['gitaly'], state: 'all' })).toHaveLength(1);
    expect(await f.forge.changeRequests.get(PROJECT, 99)).toBeNull();
    const pr = await f.forge.changeRequests.get(PROJECT, 1);
    expect(pr?.mergeable).toBe(true);
    await expect(
      f.forge.changeRequests.create(PROJECT, {
        sourceBranch: 'release-bot/update-gitaly',
        targetBranch: 'main',
        title: 'x',
        description: '',
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('updates title, labels (set, add, remove) and state', async () => {
    let cr = await f.forge.changeRequests.update(PROJECT, 1, {
      title: 'Update gitaly to 1.1.1',
      addLabels: ['bump'],
      removeLabels: ['gitaly', 'absent'],
    });
    expect(cr).toMatchObject({ title: 'Update gitaly to 1.1.1', labels: ['automation', 'bump'] });
    cr = await f.forge.changeRequests.update(PROJECT, 1, { labels: ['automation'] });
    expect(cr.labels).toEqual(['automation']);
    expect((await f.forge.changeRequests.update(PROJECT, 1, { state: 'close' })).state).toBe('closed');
    expect((await f.forge.changeRequests.update(PROJECT, 1, { state: 'reopen' })).state).toBe('opened');
  });

  it('approves as another user; the author cannot approve', async () => {
    const head = (await f.forge.changeRequests.get(PROJECT, 1))!.headSha;
    await f.alice.changeRequests.approve(PROJECT, 1, { sha: head });
    await expect(f.forge.changeRequests.approve(PROJECT, 1, { sha: head })).rejects.toMatchObject({
      status: 422,
    });
  });

  it('enables auto-merge with the sha guard and the PR merges when CI passes', async () => {
    const cr = (await f.forge.changeRequests.get(PROJECT, 1))!;
    await expect(
      f.forge.changeRequests.enableAutoMerge(PROJECT, 1, { sha: 'a'.repeat(40), squash: true }),
    ).rejects.toMatchObject({ status: 409 });
    expect(await f.forge.changeRequests.enableAutoMerge(PROJECT, 1, { sha: cr.headSha, squash: true })).toBe(
      'enabled',
    );
    expect(await f.forge.changeRequests.enableAutoMerge(PROJECT, 1, { sha: cr.headSha, squash: true })).toBe(
      'already-enabled',
    );
    expect((await f.forge.changeRequests.get(PROJECT, 1))!.autoMerge).toBe(true);
    await f.sim.advance(30 * MINUTE);
    const merged = (await f.forge.changeRequests.get(PROJECT, 1))!;
    expect(merged).toMatchObject({ state: 'merged', autoMerge: false });
    expect(merged.mergedAt).toMatch(/Z$/);
    expect((await f.forge.repo.getFile(PROJECT, 'VERSION', 'main'))!.content).toBe('1.1.0\n');
  });

  it('answers "unsupported" when the repository disallows auto-merge or the PR is already clean', async () => {
    const sha = await f.sim.push({
      forge: 'github',
      project: 'acme/no-auto',
      branch: 'x',
      files: { x: '1' },
      message: 'x',
      username: 'release-bot',
    });
    const cr = await f.forge.changeRequests.create('acme/no-auto', {
      sourceBranch: 'x',
      targetBranch: 'main',
      title: 'x',
      description: '',
    });
    expect(await f.forge.changeRequests.enableAutoMerge('acme/no-auto', cr.iid, { sha })).toBe('unsupported');
    expect((await f.forge.repo.getProject('acme/no-auto')).allowAutoMerge).toBe(false);

    const open = await f.sim.push({
      forge: 'github',
      project: 'acme/open',
      branch: 'y',
      files: { y: '1' },
      message: 'y',
      username: 'release-bot',
    });
    const clean = await f.forge.changeRequests.create('acme/open', {
      sourceBranch: 'y',
      targetBranch: 'main',
      title: 'y',
      description: '',
    });
    expect(await f.forge.changeRequests.enableAutoMerge('acme/open', clean.iid, { sha: open })).toBe(
      'unsupported',
    );
    // The fallback: merge directly with the sha guard, and delete the branch as asked.
    const merged = await f.forge.changeRequests.merge('acme/open', clean.iid, {
      sha: open,
      squash: true,
      removeSourceBranch: true,
    });
    expect(merged.state).toBe('merged');
    expect(await f.forge.repo.getBranch('acme/open', 'y')).toBeNull();
  });

  it('asks for auto-merge only where the base requires checks: before they exist it waits ("expected"); a review-only rule gets "unsupported"', async () => {
    // Required checks: GitHub holds the PR until they report and pass, so asking right after the
    // push (no check run yet) is safe.
    const head = await branch('early', { EARLY: '1' });
    const cr = await f.forge.changeRequests.create(PROJECT, {
      sourceBranch: 'early',
      targetBranch: 'main',
      title: 'Early',
      description: '',
    });
    expect(await f.forge.ci.commitChecks(PROJECT, head)).toEqual([]);
    expect(await f.forge.changeRequests.enableAutoMerge(PROJECT, cr.iid, { sha: head })).toBe('enabled');
    await f.forge.changeRequests.get(PROJECT, cr.iid);
    expect((await f.forge.changeRequests.get(PROJECT, cr.iid))!.state).toBe('opened');
    await f.sim.advance(30 * MINUTE);
    expect((await f.forge.changeRequests.get(PROJECT, cr.iid))!.state).toBe('merged');

    // Protection that requires a review but no check: GitHub's auto-merge would merge on the
    // approval, tested or not. The adapter does not ask; the approval merges nothing.
    await f.sim.createProject({
      forge: 'github',
      path: 'acme/reviews',
      members: ['release-bot', 'alice:30'],
      protectedBranches: ['main'],
      approvalsRequired: 1,
      ciEnabled: false,
    });
    const sha = await f.sim.push({
      forge: 'github',
      project: 'acme/reviews',
      branch: 'r',
      files: { r: '1' },
      message: 'r',
      username: 'release-bot',
    });
    const pr = await f.forge.changeRequests.create('acme/reviews', {
      sourceBranch: 'r',
      targetBranch: 'main',
      title: 'r',
      description: '',
    });
    const since = f.sim.mark();
    expect(await f.forge.changeRequests.enableAutoMerge('acme/reviews', pr.iid, { sha })).toBe('unsupported');
    expect(f.sim.requests({ since }).map((r) => r.route)).not.toContain('POST /graphql');
    await f.alice.changeRequests.approve('acme/reviews', pr.iid, { sha });
    await f.sim.advance(30 * MINUTE);
    expect((await f.forge.changeRequests.get('acme/reviews', pr.iid))!.state).toBe('opened');
  });

  it('opens a PR on a branch it just created although GitHub does not see the new head yet (422 head invalid, tried again)', async () => {
    await f.forge.repo.commitFiles(PROJECT, {
      branch: 'fresh',
      startFrom: 'main',
      message: 'Fresh',
      actions: [{ action: 'create', path: 'FRESH', content: '1\n' }],
    });
    const since = f.sim.mark();
    const cr = await f.forge.changeRequests.create(PROJECT, {
      sourceBranch: 'fresh',
      targetBranch: 'main',
      title: 'Fresh',
      description: '',
    });
    expect(cr.state).toBe('opened');
    expect(
      f.sim
        .requests({ since })
        .filter((r) => r.route === 'POST /repos/:owner/:repo/pulls')
        .map((r) => r.status),
    ).toEqual([422, 201]);
    // a head that really does not exist still fails, after the few tries
    await expect(
      f.forge.changeRequests.create(PROJECT, {
        sourceBranch: 'never-pushed',
        targetBranch: 'main',
        title: 'x',
        description: '',
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('merge refuses a stale sha with a ForgeError 409', async () => {
    await branch('stale', { 'stale.txt': '1' });
    const cr = await f.forge.changeRequests.create(PROJECT, {
      sourceBranch: 'stale',
      targetBranch: 'main',
      title: 'Stale',
      description: '',
    });
    const old = cr.headSha;
    await branch('stale', { 'stale.txt': '2' });
    const stale = f.forge.changeRequests.merge(PROJECT, cr.iid, { sha: old });
    await expect(stale).rejects.toBeInstanceOf(ForgeError);
    await expect(stale).rejects.toMatchObject({
      status: 409,
      route: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
    });
  });

  it('merges PRs into one base at the same time: a merge that raced another is tried again, not failed', async () => {
    const names = ['race-a', 'race-b', 'race-c', 'race-d', 'race-e'];
    const prs = [];
    for (const name of names) {
      const sha = await f.sim.push({
        forge: 'github',
        project: 'acme/open',
        branch: name,
        files: { [`${name}.txt`]: name },
        message: name,
        username: 'release-bot',
      });
      const pr = await f.forge.changeRequests.create('acme/open', {
        sourceBranch: name,
        targetBranch: 'main',
        title: name,
        description: '',
      });
      prs.push({ iid: pr.iid, sha });
    }
    const since = f.sim.mark();
    const merged = await Promise.all(
      prs.map((p) => f.forge.changeRequests.merge('acme/open', p.iid, { sha: p.sha })),
    );
    expect(merged.map((m) => m.state)).toEqual(names.map(() => 'merged'));
    // The simulator did answer GitHub's race (405 "Base branch was modified") at least once.
    const answers = f.sim
      .requests({ since })
      .filter((r) => r.route === 'PUT /repos/:owner/:repo/pulls/:number/merge')
      .map((r) => r.status);
    expect(answers.filter((s) => s === 405).length).toBeGreaterThan(0);
    expect(answers.filter((s) => s === 200)).toHaveLength(names.length);
  });
});
