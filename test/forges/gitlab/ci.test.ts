import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksVerdict } from '../../../src/kit/checks.js';
import { setup, type AdapterFixture } from './helpers.js';

const TEN_MINUTES = 10 * 60_000;

describe('GitLab adapter: CI', () => {
  let fx: AdapterFixture;
  const shas: Record<string, string> = {};
  beforeAll(async () => {
    fx = await setup();
    await fx.sim.createProject({
      forge: 'gitlab',
      path: 'org/deployer',
      members: ['bot'],
      ciJobs: [
        { name: 'build', stage: 'build', durationMs: 60_000 },
        { name: 'deploy', stage: 'deploy', when: 'manual' },
      ],
    });
    for (const [name, message] of [
      ['green', 'all good'],
      ['red', 'broken [ci:fail=test]'],
      ['flaky', 'flaky [ci:flaky=test]'],
      ['green2', 'all good again'],
    ] as const)
      shas[name] = await fx.sim.push({
        forge: 'gitlab',
        project: 'org/app',
        files: { [name]: name },
        message,
        username: 'bot',
      });
    await fx.sim.advance(TEN_MINUTES);
  });
  afterAll(() => fx.close());

  it('listPipelines: one request with status, order and page size from the query', async () => {
    const since = fx.sim.mark();
    const green = await fx.forge.ci.listPipelines('org/app', { ref: 'main', status: 'success', limit: 2 });
    expect(green.map((p) => p.sha)).toEqual([shas.green2, shas.green]);
    expect(green[0]).toMatchObject({ ref: 'main', status: 'success', source: 'push' });
    const log = fx.sim.requests({ since });
    expect(log).toHaveLength(1);
    expect(log[0]!.path).toBe('/api/v4/projects/org%2Fapp/pipelines');
    const oldestFirst = await fx.forge.ci.listPipelines('org/app', { ref: 'main', sort: 'asc', limit: 1 });
    expect(oldestFirst[0]!.sha).toBe(shas.green);
    const bySha = await fx.forge.ci.listPipelines('org/app', { sha: shas.red });
    expect(bySha.map((p) => p.status)).toEqual(['failed']);
    const full = await fx.forge.ci.getPipeline('org/app', bySha[0]!.id);
    expect(full!.finishedAt).not.toBeNull();
    expect(full!.duration).toBeGreaterThan(0);
    expect(await fx.forge.ci.getPipeline('org/app', 1)).toBeNull();
  });

  it('listJobs, retryJob and the retried flag; commitChecks newest per name', async () => {
    const [pipeline] = await fx.forge.ci.listPipelines('org/app', { sha: shas.flaky });
    const jobs = await fx.forge.ci.listJobs('org/app', pipeline!.id);
    const failed = jobs.find((j) => j.status === 'failed')!;
    expect(failed).toMatchObject({
      name: 'test',
      failureReason: 'script_failure',
      retried: false,
      manual: false,
    });
    expect(checksVerdict(await fx.forge.ci.commitChecks('org/app', shas.flaky!))).toBe('red');
    const retry = await fx.forge.ci.retryJob('org/app', failed.id);
    expect(retry).toMatchObject({ name: 'test', status: 'pending' });
    await fx.sim.advance(TEN_MINUTES);
    const all = await fx.forge.ci.listJobs('org/app', pipeline!.id, { includeRetried: true });
    expect(all.filter((j) => j.name === 'test').map((j) => [j.status, j.retried])).toEqual([
      ['success', false],
      ['failed', true],
    ]);
    const since = fx.sim.mark();
    const checks = await fx.forge.ci.commitChecks('org/app', shas.flaky!);
    expect(fx.sim.requests({ since })).toHaveLength(2);
    expect(checks.filter((c) => c.kind === 'pipeline').map((c) => c.status)).toEqual(['success']);
    expect(
      checks
        .filter((c) => c.name === 'test')
        .map((c) => c.status)
        .sort(),
    ).toEqual(['failed', 'success']);
    expect(checksVerdict(checks)).toBe('green');
    expect(checksVerdict(checks, ['test'])).toBe('green');
  });

  it('retryPipeline reruns failed jobs; playJob plays a manual job once, then null', async () => {
    const [red] = await fx.forge.ci.listPipelines('org/app', { sha: shas.red });
    const retried = await fx.forge.ci.retryPipeline('org/app', red!.id);
    expect(retried.id).toBe(red!.id);
    expect(retried.status).not.toBe('failed');

    const sha = await fx.sim.push({
      forge: 'gitlab',
      project: 'org/deployer',
      files: { v: '1' },
      message: 'release',
    });
    await fx.sim.advance(TEN_MINUTES);
    const [p] = await fx.forge.ci.listPipelines('org/deployer', { sha });
    const manual = (await fx.forge.ci.listJobs('org/deployer', p!.id)).find((j) => j.manual)!;
    expect(manual).toMatchObject({ name: 'deploy', status: 'manual', allowFailure: true });
    expect(await fx.forge.ci.playJob('org/deployer', manual.id)).toMatchObject({
      id: manual.id,
      status: 'pending',
    });
    expect(await fx.forge.ci.playJob('org/deployer', manual.id)).toBeNull();
  });

  it('external statuses count as checks; tag pipelines', async () => {
    await fetch(`${fx.sim.gitlab.url}/api/v4/projects/org%2Fapp/statuses/${shas.green2}`, {
      method: 'POST',
      headers: { 'private-token': fx.token, 'content-type': 'application/json' },
      body: JSON.stringify({
        state: 'failed',
        name: 'stage-check',
        target_url: 'https://checks.example.com/1',
      }),
    });
    const checks = await fx.forge.ci.commitChecks('org/app', shas.green2!);
    expect(checks.find((c) => c.name === 'stage-check')).toMatchObject({
      kind: 'status',
      status: 'failed',
      webUrl: 'https://checks.example.com/1',
    });
    expect(checksVerdict(checks)).toBe('red');
    await fx.sim.world.createTag(
      fx.sim.project('gitlab', 'org/app'),
      'v1.2.3',
      'main',
      fx.sim.world.userByName('bot')!.id,
    );
    await fx.sim.ci.createScheduled(); // the tag pipeline is created after the tag push
    const tagPipelines = await fx.forge.ci.listTagPipelines('org/app', 'v1.2.3');
    expect(tagPipelines).toHaveLength(1);
    expect(tagPipelines[0]!.ref).toBe('v1.2.3');
  });
});
