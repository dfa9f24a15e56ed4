import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForgeError } from '../../../src/errors.js';
import { createGitlabForge } from '../../../src/forges/gitlab/index.js';
import { startSimulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { setup, type AdapterFixture } from './helpers.js';

const TEN_MINUTES = 10 * 60_000;

describe('GitLab adapter: merge requests', () => {
  let fx: AdapterFixture;
  beforeAll(async () => {
    fx = await setup();
    fx.sim.project('gitlab', 'org/app').protectedBranches.clear();
    await fx.sim.createUser('reviewer');
    fx.sim.project('gitlab', 'org/app').members.set(fx.sim.world.userByName('reviewer')!.id, 30);
  });
  afterAll(() => fx.close());

  async function bumpBranch(branch: string, version: string): Promise<string> {
    const c = await fx.forge.repo.commitFiles('org/app', {
      branch,
      message: `Bump to ${version}`,
      actions: [{ action: 'update', path: 'VERSION', content: `${version}\n` }],
      startFrom: 'main',
      force: true,
    });
    return c.sha;
  }

  it('create, get, list by source branch, update labels and description, close', async () => {
    const head = await bumpBranch('release-bot/update-a', '1.1.0');
    const { id: milestoneId } = await fetch(`${fx.sim.gitlab.url}/api/v4/projects/org%2Fapp/milestones`, {
      method: 'POST',
      headers: { 'private-token': fx.token, 'content-type': 'application/json' },
      body: JSON.stringify({ title: '17.6' }),
    }).then((r) => r.json() as Promise<{ id: number }>);
    expect(milestoneId).toBeGreaterThan(0);
    const mr = await fx.forge.changeRequests.create('org/app', {
      sourceBranch: 'release-bot/update-a',
      targetBranch: 'main',
      title: 'Bump to 1.1.0',
      description: '<!-- release-bot:update-a -->',
      labels: ['release-bot'],
      assignees: ['dev'],
      reviewers: ['reviewer'],
      milestone: '17.6',
      removeSourceBranch: true,
    });
    expect(mr).toMatchObject({
      iid: 1,
      state: 'opened',
      sourceBranch: 'release-bot/update-a',
      targetBranch: 'main',
      headSha: head,
      labels: ['release-bot'],
      author: 'bot',
      autoMerge: false,
      // GitLab checks mergeability asynchronously: the create answer says `checking`
      mergeable: null,
      mergedAt: null,
      webUrl: `${fx.sim.gitlab.url}/org/app/-/merge_requests/1`,
    });
    const mrRecord = fx.sim.world.mergeRequests.find((m) => m.iid === 1)!;
    expect(mrRecord.assigneeIds).toEqual([fx.sim.world.userByName('dev')!.id]);
    expect(mrRecord.milestoneId).toBe(milestoneId);
    expect(await fx.forge.changeRequests.get('org/app', 1)).toMatchObject({ iid: 1, headSha: head });
    expect(await fx.forge.changeRequests.get('org/app', 404)).toBeNull();
    const listed = await fx.forge.changeRequests.list('org/app', {
      sourceBranch: 'release-bot/update-a',
      state: 'opened',
    });
    expect(listed.map((m) => m.iid)).toEqual([1]);
    expect(await fx.forge.changeRequests.list('org/app', { sourceBranch: 'nope' })).toEqual([]);
    const updated = await fx.forge.changeRequests.update('org/app', 1, {
      description: 'new body',
      addLabels: ['deps'],
      removeLabels: ['release-bot'],
    });
    expect(updated).toMatchObject({ description: 'new body', labels: ['deps'] });
    const closed = await fx.forge.changeRequests.update('org/app', 1, { state: 'close' });
    expect(closed.state).toBe('closed');
    const reopened = await fx.forge.changeRequests.update('org/app', 1, { state: 'reopen', labels: [] });
    expect(reopened).toMatchObject({ state: 'opened', labels: [] });
    const dup = await fx.forge.changeRequests
      .create('org/app', {
        sourceBranch: 'release-bot/update-a',
        targetBranch: 'main',
        title: 'x',
        description: '',
      })
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ForgeError);
    expect(dup).toMatchObject({ status: 409, forge: 'gitlab-sim' });
    expect((dup as ForgeError).message).toContain('Another open merge request already exists');
  });

  it('enableAutoMerge: pending until the head pipeline exists, then enabled, then already-enabled; merges when the pipeline passes', async () => {
    const head = (await fx.forge.changeRequests.get('org/app', 1))!.headSha;
    const since = fx.sim.mark();
    expect(await fx.forge.changeRequests.enableAutoMerge('org/app', 1, { sha: head })).toBe('pending');
    expect(fx.sim.requests({ since, method: 'PUT' })).toEqual([]);
    await fx.sim.advance(30_000);
    expect(
      await fx.forge.changeRequests.enableAutoMerge('org/app', 1, { sha: head, removeSourceBranch: true }),
    ).toBe('enabled');
    expect(await fx.forge.changeRequests.enableAutoMerge('org/app', 1, { sha: head })).toBe(
      'already-enabled',
    );
    expect((await fx.forge.changeRequests.get('org/app', 1))!.autoMerge).toBe(true);
    await fx.sim.advance(TEN_MINUTES);
    const merged = await fx.forge.changeRequests.get('org/app', 1);
    expect(merged).toMatchObject({ state: 'merged', autoMerge: false });
    expect(merged!.mergedAt).not.toBeNull();
    expect(await fx.forge.repo.getBranch('org/app', 'release-bot/update-a')).toBeNull();
  });

  it('a stale sha is refused (409) by merge and by enableAutoMerge', async () => {
    await bumpBranch('release-bot/update-b', '1.2.0');
    const mr = await fx.forge.changeRequests.create('org/app', {
      sourceBranch: 'release-bot/update-b',
      targetBranch: 'main',
      title: 'Bump to 1.2.0',
      description: '',
    });
    const stale = 'a'.repeat(40);
    await expect(
      fx.forge.changeRequests.enableAutoMerge('org/app', mr.iid, { sha: stale }),
    ).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('SHA does not match HEAD of source branch'),
    });
    await fx.sim.advance(TEN_MINUTES);
    await expect(fx.forge.changeRequests.merge('org/app', mr.iid, { sha: stale })).rejects.toMatchObject({
      status: 409,
    });
    const merged = await fx.forge.changeRequests.merge('org/app', mr.iid, { sha: mr.headSha, squash: true });
    expect(merged.state).toBe('merged');
    expect((await fx.forge.repo.getFile('org/app', 'VERSION', 'main'))!.content).toBe('1.2.0\n');
  });

  it('approve: the author may not approve (401); another user approves, twice is fine', async () => {
    fx.sim.project('gitlab', 'org/app').approvalsRequired = 1;
    const head = await bumpBranch('release-bot/update-c', '1.3.0');
    const mr = await fx.forge.changeRequests.create('org/app', {
      sourceBranch: 'release-bot/update-c',
      targetBranch: 'main',
      title: 'Bump to 1.3.0',
      description: '',
    });
    await expect(fx.forge.changeRequests.approve('org/app', mr.iid, { sha: head })).rejects.toMatchObject({
      status: 401,
    });
    const approver = fx.make({ token: fx.devToken });
    await approver.changeRequests.approve('org/app', mr.iid, { sha: head });
    await approver.changeRequests.approve('org/app', mr.iid, { sha: head });
    // the second approval answered 304 Not Modified (GitLab 18)
    const approvals = fx.sim.requests({ method: 'POST' }).filter((r) => r.route.endsWith('/approve'));
    expect(approvals.map((r) => r.status).slice(-2)).toEqual([201, 304]);
    await expect(
      approver.changeRequests.approve('org/app', mr.iid, { sha: 'b'.repeat(40) }),
    ).rejects.toMatchObject({
      status: 409,
    });
    await fx.sim.advance(30_000);
    expect(await fx.forge.changeRequests.enableAutoMerge('org/app', mr.iid, { sha: head })).toBe('enabled');
    await fx.sim.advance(TEN_MINUTES);
    expect((await fx.forge.changeRequests.get('org/app', mr.iid))!.state).toBe('merged');
  });

  it('enableAutoMerge is `unsupported` where pipelines need not succeed (auto-merge could merge untested)', async () => {
    fx.sim.project('gitlab', 'org/app').approvalsRequired = 0;
    fx.sim.project('gitlab', 'org/app').pipelineMustSucceed = false;
    const forge = fx.make(); // a fresh adapter: the project setting is read once per adapter
    const head = await bumpBranch('release-bot/update-d', '1.4.0');
    const mr = await forge.changeRequests.create('org/app', {
      sourceBranch: 'release-bot/update-d',
      targetBranch: 'main',
      title: 'Bump to 1.4.0',
      description: '',
    });
    await fx.sim.advance(30_000);
    const since = fx.sim.mark();
    expect(await forge.changeRequests.enableAutoMerge('org/app', mr.iid, { sha: head })).toBe('unsupported');
    expect(fx.sim.requests({ since, method: 'PUT' })).toEqual([]);
    fx.sim.project('gitlab', 'org/app').pipelineMustSucceed = true;
  });
});

describe('GitLab adapter on GitLab 17: a repeated approval answers 401', () => {
  it('is tolerated when the approval state lists us; refused otherwise', async () => {
    const sim = await startSimulator({ gitlabVersion: 17 });
    try {
      const bot = sim.createUser('bot', { bot: true });
      const dev = sim.createUser('dev');
      await sim.createProject({ forge: 'gitlab', path: 'org/app', members: ['bot', 'dev:30'] });
      const make = (token: string) =>
        createGitlabForge({ name: 'gl', url: sim.gitlab.url, token, dryRun: false, http: { backoffMs: 1 } });
      const head = await sim.push({
        forge: 'gitlab',
        project: 'org/app',
        branch: 'b',
        files: { a: '1' },
        message: 'a',
        username: 'bot',
      });
      const mr = await make(bot.token).changeRequests.create('org/app', {
        sourceBranch: 'b',
        targetBranch: 'main',
        title: 't',
        description: '',
      });
      const approver = make(dev.token);
      await approver.changeRequests.approve('org/app', mr.iid, { sha: head });
      await approver.changeRequests.approve('org/app', mr.iid, { sha: head });
      const answers = sim.requests({ method: 'POST' }).filter((r) => r.route.endsWith('/approve'));
      expect(answers.map((r) => r.status)).toEqual([201, 401]);
      await expect(
        make(bot.token).changeRequests.approve('org/app', mr.iid, { sha: head }),
      ).rejects.toMatchObject({
        status: 401,
      });
    } finally {
      await sim.close();
    }
  });
});
