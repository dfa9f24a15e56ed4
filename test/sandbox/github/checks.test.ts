import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

const MINUTE = 60_000;

describe('GitHub view: commit statuses and check runs', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture({ ciReports: 'checks' });
  });
  afterAll(() => f.sim.close());

  it('creates statuses (201), lists every update newest first, and combines the latest per context', async () => {
    const sha = (await f.bot.repos.getCommit({ ...repo, ref: 'main' })).data.sha;
    const s1 = await f.bot.repos.createCommitStatus({
      ...repo,
      sha,
      state: 'pending',
      context: 'stage/smoke',
      target_url: 'https://ci.example/1',
    });
    expect(s1.status).toBe(201);
    expect(s1.data).toMatchObject({
      state: 'pending',
      context: 'stage/smoke',
      target_url: 'https://ci.example/1',
      creator: { login: 'bot' },
    });
    await f.bot.repos.createCommitStatus({ ...repo, sha, state: 'success', context: 'stage/smoke' });
    await f.bot.repos.createCommitStatus({
      ...repo,
      sha,
      state: 'failure',
      context: 'stage/e2e',
      description: 'red',
    });
    const list = await f.bot.repos.listCommitStatusesForRef({ ...repo, ref: sha });
    expect(list.data.map((s) => `${s.context}:${s.state}`)).toEqual([
      'stage/e2e:failure',
      'stage/smoke:success',
      'stage/smoke:pending',
    ]);
    const combined = await f.bot.repos.getCombinedStatusForRef({ ...repo, ref: 'main' });
    expect(combined.data).toMatchObject({ state: 'failure', sha, total_count: 2 });
    expect(combined.data.statuses.map((s) => s.context).sort()).toEqual(['stage/e2e', 'stage/smoke']);
    const bad = await failure(f.bot.repos.createCommitStatus({ ...repo, sha, state: 'weird' as 'success' }));
    expect(bad.status).toBe(422);
    const unknown = await failure(
      f.bot.repos.createCommitStatus({ ...repo, sha: 'a'.repeat(40), state: 'success' }),
    );
    expect(unknown.status).toBe(422);
  });

  it('mirrors CI jobs as check runs; a re-run adds a new run with the same name (filter=latest vs all)', async () => {
    const sha = await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'flaky',
      files: { x: '1' },
      message: 'Flaky [ci:flaky=test]',
    });
    // GitHub creates the workflow run and its check runs after the push, not within it.
    expect((await f.bot.checks.listForRef({ ...repo, ref: sha })).data.total_count).toBe(0);
    await f.sim.advance(30_000);
    const queued = await f.bot.checks.listForRef({ ...repo, ref: sha });
    expect(queued.data.total_count).toBe(2);
    expect(queued.data.check_runs.map((c) => c.status)).toEqual(['queued', 'queued']);
    expect(queued.data.check_runs[0]!.app?.slug).toBe('github-actions');
    await f.sim.advance(30 * MINUTE);
    const failed = await f.bot.checks.listForRef({ ...repo, ref: sha, check_name: 'test' });
    expect(failed.data.check_runs).toEqual([
      expect.objectContaining({ name: 'test', status: 'completed', conclusion: 'failure' }),
    ]);
    const rerun = await f.bot.checks.rerequestRun({ ...repo, check_run_id: failed.data.check_runs[0]!.id });
    expect(rerun.status).toBe(201);
    await f.sim.advance(30 * MINUTE);
    const latest = await f.bot.checks.listForRef({ ...repo, ref: sha });
    expect(latest.data.check_runs.map((c) => `${c.name}:${c.conclusion}`).sort()).toEqual([
      'build:success',
      'test:success',
    ]);
    const all = await f.bot.checks.listForRef({ ...repo, ref: sha, filter: 'all' });
    expect(all.data.total_count).toBe(3);
    const tests = all.data.check_runs.filter((c) => c.name === 'test');
    expect(tests.map((c) => c.conclusion)).toEqual(['success', 'failure']);
    expect(Date.parse(tests[0]!.started_at!)).toBeGreaterThan(Date.parse(tests[1]!.started_at!));
    const paged = await f.bot.paginate(f.bot.checks.listForRef, {
      ...repo,
      ref: sha,
      filter: 'all',
      per_page: 1,
    });
    expect(paged).toHaveLength(3);
  });

  it('creates, updates and reads check runs through the API', async () => {
    const sha = (await f.bot.repos.getCommit({ ...repo, ref: 'main' })).data.sha;
    const created = await f.bot.checks.create({
      ...repo,
      name: 'stage-validation',
      head_sha: sha,
      status: 'in_progress',
      details_url: 'https://stage.example',
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      name: 'stage-validation',
      head_sha: sha,
      status: 'in_progress',
      conclusion: null,
    });
    const done = await f.bot.checks.update({
      ...repo,
      check_run_id: created.data.id,
      conclusion: 'success',
      output: { title: 'ok', summary: 'All good' },
    });
    expect(done.data).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      output: { title: 'ok', summary: 'All good' },
    });
    expect(done.data.completed_at).toMatch(/Z$/);
    const read = await f.bot.checks.get({ ...repo, check_run_id: created.data.id });
    expect(read.data.conclusion).toBe('success');
    const missingConclusion = await failure(
      f.bot.checks.create({ ...repo, name: 'x', head_sha: sha, status: 'completed' }),
    );
    expect(missingConclusion.status).toBe(422);
    expect((await failure(f.bot.checks.get({ ...repo, check_run_id: 1 }))).status).toBe(404);
    const onlyCompleted = await f.bot.checks.listForRef({ ...repo, ref: sha, status: 'completed' });
    expect(onlyCompleted.data.check_runs.map((c) => c.name)).toContain('stage-validation');
  });

  it('reports statuses instead of check runs when the project says so', async () => {
    await f.sim.createProject({
      forge: 'github',
      path: 'acme/legacy',
      members: ['bot'],
      ciReports: 'statuses',
    });
    const sha = await f.sim.push({
      forge: 'github',
      project: 'acme/legacy',
      files: { y: '1' },
      message: 'y',
    });
    await f.sim.advance(30 * MINUTE);
    const combined = await f.bot.repos.getCombinedStatusForRef({ owner: 'acme', repo: 'legacy', ref: sha });
    expect(combined.data.state).toBe('success');
    expect(combined.data.statuses.map((s) => s.context).sort()).toEqual(['ci/build', 'ci/test']);
    expect(
      (await f.bot.checks.listForRef({ owner: 'acme', repo: 'legacy', ref: sha })).data.total_count,
    ).toBe(0);
  });
});
