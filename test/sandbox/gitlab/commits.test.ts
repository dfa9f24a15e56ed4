import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, importCommits, ISO, push, setup, SHA, type Fixture } from './helpers.js';

describe('GitLab commits and commit statuses', () => {
  let fx: Fixture;
  const shas: string[] = [];
  beforeAll(async () => {
    fx = await setup();
    const t0 = fx.sim.clock.nowMs();
    const imported = Array.from({ length: 24 }, (_, i) => ({
      files: { [`f${i % 3}.txt`]: `v${i}\n` },
      message: `commit ${i}`,
      at: t0 + (i < 10 ? 0 : 24 * 3600_000),
    }));
    shas.push(...importCommits(fx, 'main', imported));
    await fx.sim.advance(24 * 3600_000);
    shas.push(await push(fx, 'main', { 'f0.txt': 'v24\n' }, 'commit 24'));
    // GitLab creates the push's pipeline in a background worker; let it catch up.
    await fx.sim.ci.createScheduled();
  });
  afterAll(() => fx.close());

  it('lists by ref_name newest first and pages across 20-item default pages', async () => {
    const page1 = await fx.raw('/api/v4/projects/org%2Fapp/repository/commits?ref_name=main');
    expect(page1.headers.get('x-per-page')).toBe('20');
    expect(page1.headers.get('x-total')).toBe('26');
    expect(page1.headers.get('x-next-page')).toBe('2');
    const body = (await page1.json()) as { id: string; title: string }[];
    expect(body).toHaveLength(20);
    expect(body[0]!.id).toBe(shas[24]);
    const all = await fx.api.Commits.all('org/app', { refName: 'main', perPage: 10 });
    expect(all).toHaveLength(26);
    expect(all.map((c) => c.id)).toEqual([...shas].reverse().concat(all[25]!.id));
    expect(all[25]!.title).toBe('Initial commit');
    const limited = await fx.api.Commits.all('org/app', { refName: 'main', perPage: 5, maxPages: 1 });
    expect(limited).toHaveLength(5);
  });

  it('filters by path and since', async () => {
    const byPath = await fx.api.Commits.all('org/app', { refName: 'main', path: 'f1.txt' });
    expect(byPath.map((c) => c.title)).toEqual(
      [1, 4, 7, 10, 13, 16, 19, 22].reverse().map((i) => `commit ${i}`),
    );
    const since = new Date(Date.parse('2026-11-20T08:00:00Z') + 12 * 3600_000).toISOString();
    const recent = await fx.api.Commits.all('org/app', { refName: 'main', since });
    expect(recent).toHaveLength(15);
    expect(await fx.api.Commits.all('org/app', { refName: 'no-such-branch' })).toEqual([]);
  });

  it('GET a single commit by sha or ref with stats, status and last_pipeline', async () => {
    const c = await fx.api.Commits.show('org/app', 'main');
    expect(c).toMatchObject({
      id: shas[24],
      short_id: shas[24]!.slice(0, 8),
      title: 'commit 24',
      message: 'commit 24\n',
      author_name: 'Release Bot',
      author_email: 'bot@example.com',
      parent_ids: [shas[23]],
      web_url: `${fx.sim.gitlab.url}/org/app/-/commit/${shas[24]}`,
      stats: { additions: 1, deletions: 1, total: 2 },
      status: 'created',
    });
    expect(c.committed_date).toMatch(ISO);
    expect(c.last_pipeline).toMatchObject({ sha: shas[24], ref: 'main', status: 'created' });
    await expectError(fx.api.Commits.show('org/app', 'f'.repeat(40)), 404, '404 Commit Not Found');
  });

  it('creates a multi-file commit (201) with create|update|delete|move', async () => {
    const res = await fx.raw('/api/v4/projects/org%2Fapp/repository/commits', {
      method: 'POST',
      body: JSON.stringify({
        branch: 'work',
        start_branch: 'main',
        commit_message: 'multi\n\nbody',
        actions: [
          { action: 'create', file_path: 'dir/new.txt', content: 'new\n' },
          { action: 'update', file_path: 'VERSION', content: '2.0.0\n' },
          { action: 'delete', file_path: 'f0.txt' },
          { action: 'move', file_path: 'moved.txt', previous_path: 'f2.txt' },
          {
            action: 'create',
            file_path: 'bin.dat',
            content: Buffer.from([0, 1, 2]).toString('base64'),
            encoding: 'base64',
          },
        ],
      }),
    });
    expect(res.status).toBe(201);
    const commit = (await res.json()) as Record<string, unknown>;
    expect(commit).toMatchObject({ title: 'multi', message: 'multi\n\nbody\n', parent_ids: [shas[24]] });
    expect(commit.id).toMatch(SHA);
    const repo = fx.sim.project('gitlab', 'org/app').repo;
    expect((await repo.readFile('work', 'dir/new.txt'))?.toString()).toBe('new\n');
    expect((await repo.readFile('work', 'VERSION'))?.toString()).toBe('2.0.0\n');
    expect(await repo.readFile('work', 'f0.txt')).toBeNull();
    expect((await repo.readFile('work', 'moved.txt'))?.toString()).toBe('v23\n');
    expect([...(await repo.readFile('work', 'bin.dat'))!]).toEqual([0, 1, 2]);
  });

  it('refuses bad actions with 400 and the GitLab message', async () => {
    await expectError(
      fx.api.Commits.create('org/app', 'main', 'x', [
        { action: 'create', filePath: 'VERSION', content: 'x' },
      ]),
      400,
      'A file with this name already exists',
    );
    await expectError(
      fx.api.Commits.create('org/app', 'main', 'x', [
        { action: 'update', filePath: 'nope.txt', content: 'x' },
      ]),
      400,
      "A file with this name doesn't exist",
    );
    await expectError(
      fx.api.Commits.create('org/app', 'main', 'x', [{ action: 'delete', filePath: 'nope.txt' }]),
      400,
      "A file with this name doesn't exist",
    );
    const res = await fx.raw('/api/v4/projects/org%2Fapp/repository/commits', {
      method: 'POST',
      body: JSON.stringify({ branch: 'main', actions: [{ action: 'explode', file_path: 'a' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'commit_message is missing' });
    const bad = await fx.raw('/api/v4/projects/org%2Fapp/repository/commits', {
      method: 'POST',
      body: JSON.stringify({
        branch: 'main',
        commit_message: 'm',
        actions: [{ action: 'explode', file_path: 'a' }],
      }),
    });
    expect(await bad.json()).toEqual({ error: 'actions[0][action] does not have a valid value' });
    await expectError(
      fx.api.Commits.create('org/app', 'nobranch', 'x', [{ action: 'create', filePath: 'a', content: 'a' }]),
      400,
      'You can only create or edit files when you are on a branch',
    );
  });

  it('start_branch on an existing branch needs force; force resets the branch to start + commit', async () => {
    await fx.api.Commits.create(
      'org/app',
      'bot-branch',
      'one',
      [{ action: 'create', filePath: 'a', content: '1' }],
      {
        startBranch: 'main',
      },
    );
    await fx.api.Commits.create('org/app', 'bot-branch', 'two', [
      { action: 'create', filePath: 'b', content: '2' },
    ]);
    await expectError(
      fx.api.Commits.create(
        'org/app',
        'bot-branch',
        'three',
        [{ action: 'create', filePath: 'c', content: '3' }],
        {
          startBranch: 'main',
        },
      ),
      400,
      "A branch called 'bot-branch' already exists. Switch to that branch in order to make changes",
    );
    const forced = await fx.api.Commits.create(
      'org/app',
      'bot-branch',
      'three',
      [{ action: 'create', filePath: 'c', content: '3' }],
      { startBranch: 'main', force: true },
    );
    expect(forced.parent_ids).toEqual([shas[24]]);
    const repo = fx.sim.project('gitlab', 'org/app').repo;
    expect(await repo.readFile('bot-branch', 'a')).toBeNull();
    const fromSha = await fx.api.Commits.create(
      'org/app',
      'from-sha',
      'x',
      [{ action: 'create', filePath: 'z', content: 'z' }],
      { startSha: shas[0] },
    );
    expect(fromSha.parent_ids).toEqual([shas[0]]);
  });

  it('commit statuses: CI jobs and external statuses; POST /statuses/:sha is 201', async () => {
    const sha = shas[24]!;
    const status = await fx.api.Commits.editStatus('org/app', sha, 'running', {
      name: 'stage-check',
      targetUrl: 'https://ci.example.com/1',
      description: 'checking',
    });
    expect(status).toMatchObject({
      name: 'stage-check',
      status: 'running',
      sha,
      ref: 'main',
      target_url: 'https://ci.example.com/1',
      description: 'checking',
      allow_failure: false,
    });
    expect((status.author as { username: string }).username).toBe('bot');
    await expectError(
      fx.api.Commits.editStatus('org/app', sha, 'running', { name: 'stage-check' }),
      400,
      /Cannot transition status via :run from :running/,
    );
    await fx.api.Commits.editStatus('org/app', sha, 'success', { name: 'stage-check' });
    const statuses = await fx.api.Commits.allStatuses('org/app', sha);
    const names = statuses.map((s) => s.name).sort();
    expect(names).toEqual(['build', 'stage-check', 'test']);
    expect(statuses.find((s) => s.name === 'stage-check')!.status).toBe('success');
    expect(statuses.find((s) => s.name === 'test')!.pipeline_id).toBeGreaterThan(0);
    await expectError(fx.api.Commits.editStatus('org/app', 'f'.repeat(40), 'success'), 404);
    const res = await fx.raw(`/api/v4/projects/org%2Fapp/statuses/${sha}`, {
      method: 'POST',
      body: JSON.stringify({ state: 'bogus' }),
    });
    expect(await res.json()).toEqual({ error: 'state does not have a valid value' });
  });
});
