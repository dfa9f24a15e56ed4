import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFixture, MINUTE, PROJECT, type AdapterFixture } from './helpers.js';

describe('GitHub adapter: CI (workflow runs, jobs, check runs, statuses)', () => {
  let f: AdapterFixture;
  let good: string;
  let flaky: string;
  beforeAll(async () => {
    f = await adapterFixture({
      ciJobs: [
        { name: 'build', stage: 'build', durationMs: 2 * MINUTE },
        { name: 'test', stage: 'test', durationMs: 5 * MINUTE },
        { name: 'deploy:staging', stage: 'deploy', when: 'manual', durationMs: MINUTE },
      ],
    });
    good = await f.sim.push({ forge: 'github', project: PROJECT, files: { a: '1' }, message: 'Good' });
    await f.sim.advance(2 * MINUTE);
    flaky = await f.sim.push({
      forge: 'github',
      project: PROJECT,
      branch: 'flaky',
      files: { b: '1' },
      message: 'Flaky [ci:flaky=test]',
    });
    await f.sim.advance(30 * MINUTE);
  });
  afterAll(() => f.sim.close());

  it('lists pipelines by ref, sha and status, newest first or oldest first', async () => {
    const all = await f.forge.ci.listPipelines(PROJECT, {});
    expect(all.map((p) => p.sha)).toEqual([flaky, good]);
    expect(all[1]).toMatchObject({ ref: 'main', status: 'manual', source: 'push' });
    expect(all[0]).toMatchObject({ ref: 'flaky', status: 'failed' });
    expect((await f.forge.ci.listPipelines(PROJECT, { ref: 'flaky' })).map((p) => p.sha)).toEqual([flaky]);
    expect((await f.forge.ci.listPipelines(PROJECT, { sha: good })).map((p) => p.ref)).toEqual(['main']);
    expect((await f.forge.ci.listPipelines(PROJECT, { sort: 'asc', limit: 1 })).map((p) => p.sha)).toEqual([
      good,
    ]);
    expect(await f.forge.ci.listPipelines(PROJECT, { status: 'success' })).toEqual([]);
    expect(await f.forge.ci.getPipeline(PROJECT, 1)).toBeNull();
    expect((await f.forge.ci.getPipeline(PROJECT, all[0]!.id))?.sha).toBe(flaky);
  });

  it('lists jobs, retries a failed one, and shows retried attempts on request', async () => {
    const [pipeline] = await f.forge.ci.listPipelines(PROJECT, { sha: flaky });
    const jobs = await f.forge.ci.listJobs(PROJECT, pipeline!.id);
    expect(jobs.map((j) => `${j.name}:${j.status}`)).toEqual([
      'build:success',
      'test:failed',
      'deploy:staging:manual',
    ]);
    const failed = jobs.find((j) => j.status === 'failed')!;
    expect(failed).toMatchObject({ failureReason: 'failure', retried: false, manual: false });
    const retry = await f.forge.ci.retryJob(PROJECT, failed.id);
    expect(retry).toMatchObject({ name: 'test', status: 'pending', retried: false });
    expect(retry.id).not.toBe(failed.id);
    await f.sim.advance(30 * MINUTE);
    const withRetried = await f.forge.ci.listJobs(PROJECT, pipeline!.id, { includeRetried: true });
    expect(withRetried.filter((j) => j.name === 'test').map((j) => `${j.status}:${j.retried}`)).toEqual([
      'failed:true',
      'success:false',
    ]);
  });

  it('commitChecks returns every check-run attempt and every status, in the fewest requests', async () => {
    f.sim.setStatus('github', PROJECT, flaky, {
      context: 'stage/smoke',
      state: 'success',
      targetUrl: 'https://stage.example',
    });
    const since = f.sim.mark();
    const checks = await f.forge.ci.commitChecks(PROJECT, flaky);
    expect(f.sim.requests({ since })).toHaveLength(2);
    const tests = checks
      .filter((c) => c.name === 'test')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    expect(tests.map((c) => c.status)).toEqual(['failed', 'success']);
    expect(tests.every((c) => c.kind === 'check_run')).toBe(true);
    expect(checks.find((c) => c.kind === 'status')).toMatchObject({
      name: 'stage/smoke',
      status: 'success',
      webUrl: 'https://stage.example',
    });
  });

  it('retries the failed jobs of a pipeline', async () => {
    const sha = await f.sim.push({
      forge: 'github',
      project: PROJECT,
      branch: 'red',
      files: { c: '1' },
      message: 'Red [ci:jobs=build,test] [ci:flaky=build]',
    });
    await f.sim.advance(30 * MINUTE);
    const [pipeline] = await f.forge.ci.listPipelines(PROJECT, { sha });
    expect((await f.forge.ci.listJobs(PROJECT, pipeline!.id)).find((j) => j.name === 'build')?.status).toBe(
      'failed',
    );
    const retried = await f.forge.ci.retryPipeline(PROJECT, pipeline!.id);
    expect(retried.status).toBe('pending');
    await f.sim.advance(30 * MINUTE);
    expect((await f.forge.ci.listJobs(PROJECT, pipeline!.id)).find((j) => j.name === 'build')?.status).toBe(
      'success',
    );
  });

  it('plays a manual job by approving its pending deployment; null once played', async () => {
    const [pipeline] = await f.forge.ci.listPipelines(PROJECT, { sha: good });
    const manual = (await f.forge.ci.listJobs(PROJECT, pipeline!.id)).find((j) => j.manual)!;
    const played = await f.forge.ci.playJob(PROJECT, manual.id);
    expect(played).toMatchObject({ name: 'deploy:staging', manual: false });
    expect(await f.forge.ci.playJob(PROJECT, manual.id)).toBeNull();
    await f.sim.advance(30 * MINUTE);
    expect((await f.forge.ci.getPipeline(PROJECT, pipeline!.id))?.status).toBe('success');
  });

  it('lists the pipelines of a tag', async () => {
    await f.sim.world.createTag(
      f.sim.project('github', PROJECT),
      'v1.0.0',
      'main',
      f.sim.world.userByName('release-bot')!.id,
    );
    // the tag's workflow run starts after the push
    expect(await f.forge.ci.listTagPipelines(PROJECT, 'v1.0.0')).toEqual([]);
    await f.sim.advance(30_000);
    const tagged = await f.forge.ci.listTagPipelines(PROJECT, 'v1.0.0');
    expect(tagged.map((p) => p.ref)).toEqual(['v1.0.0']);
  });
});
