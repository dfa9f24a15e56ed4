import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ISO, push, setup, type Fixture } from './helpers.js';

const TEN_MINUTES = 10 * 60_000;

describe('GitLab pipelines and jobs on simulated CI', () => {
  let fx: Fixture;
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
  });
  afterAll(() => fx.close());

  it('success: created → pending → running → success, with GitLab pipeline shapes', async () => {
    const sha = await push(fx, 'ok', { 'a.txt': 'a\n' }, 'fine');
    expect(await fx.api.Pipelines.all('org/app', { sha })).toEqual([]);
    await fx.sim.ci.createScheduled();
    const [listed] = await fx.api.Pipelines.all('org/app', { sha });
    expect(listed).toMatchObject({ sha, ref: 'ok', status: 'created', source: 'push' });
    expect(listed!.web_url).toBe(`${fx.sim.gitlab.url}/org/app/-/pipelines/${listed!.id}`);
    await fx.sim.advance(1000);
    expect((await fx.api.Pipelines.show('org/app', listed!.id)).status).toBe('pending');
    await fx.sim.advance(30_000);
    expect((await fx.api.Pipelines.show('org/app', listed!.id)).status).toBe('running');
    await fx.sim.advance(TEN_MINUTES);
    const p = await fx.api.Pipelines.show('org/app', listed!.id);
    expect(p).toMatchObject({ status: 'success', tag: false, before_sha: '0'.repeat(40), coverage: null });
    expect(p.started_at).toMatch(ISO);
    expect(p.finished_at).toMatch(ISO);
    expect(p.duration).toBeGreaterThan(0);
    expect((p.user as { username: string }).username).toBe('bot');
    expect((p.detailed_status as { group: string }).group).toBe('success');
    const jobs = await fx.api.Jobs.all('org/app', { pipelineId: p.id });
    expect(jobs.map((j) => [j.name, j.stage, j.status])).toEqual([
      ['test', 'test', 'success'],
      ['build', 'build', 'success'],
    ]);
    expect(jobs[0]).toMatchObject({ ref: 'ok', allow_failure: false, tag: false });
    expect((jobs[0]!.pipeline as { id: number }).id).toBe(p.id);
    expect((jobs[0]!.commit as { id: string }).id).toBe(sha);
    expect(jobs[0]).not.toHaveProperty('failure_reason');
  });

  it('failure: failed job names and failure_reason', async () => {
    fx.sim.setCi(
      'gitlab',
      'org/app',
      { branch: 'infra' },
      {
        result: 'failed',
        failJobs: ['build'],
        failureReason: 'runner_system_failure',
      },
    );
    const sha = await push(fx, 'infra', { 'b.txt': 'b\n' }, 'runner trouble');
    const sha2 = await push(fx, 'bad', { 'b.txt': 'c\n' }, 'broken [ci:fail]');
    await fx.sim.advance(TEN_MINUTES);
    const [p1] = await fx.api.Pipelines.all('org/app', { sha });
    const infra = await fx.api.Jobs.all('org/app', { pipelineId: p1!.id });
    expect(infra.map((j) => [j.name, j.status, j.failure_reason])).toEqual([
      ['test', 'success', undefined],
      ['build', 'failed', 'runner_system_failure'],
    ]);
    const [p2] = await fx.api.Pipelines.all('org/app', { sha: sha2 });
    expect(p2!.status).toBe('failed');
    const failed = await fx.api.Jobs.all('org/app', { pipelineId: p2!.id, scope: 'failed' });
    expect(failed.map((j) => [j.name, j.failure_reason])).toEqual([['test', 'script_failure']]);
    const trace = await fx.api.Jobs.showLog('org/app', failed[0]!.id);
    expect(String(trace)).toContain('Job failed');
    const res = await fx.raw(`/api/v4/projects/org%2Fapp/pipelines/${p2!.id}/jobs?scope[]=nope`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'scope[0] does not have a valid value' });
  });

  it('flaky: fails, passes on retry (201); include_retried shows both attempts', async () => {
    const sha = await push(fx, 'flaky', { 'f.txt': 'f\n' }, 'flaky [ci:flaky=test]');
    await fx.sim.advance(TEN_MINUTES);
    const [p] = await fx.api.Pipelines.all('org/app', { sha });
    expect(p!.status).toBe('failed');
    const [failed] = await fx.api.Jobs.all('org/app', { pipelineId: p!.id, scope: 'failed' });
    const res = await fx.raw(`/api/v4/projects/org%2Fapp/jobs/${failed!.id}/retry`, { method: 'POST' });
    expect(res.status).toBe(201);
    const retry = (await res.json()) as { id: number; name: string; status: string };
    expect(retry).toMatchObject({ name: 'test', status: 'pending' });
    expect(retry.id).toBeGreaterThan(failed!.id);
    expect((await fx.api.Pipelines.show('org/app', p!.id)).status).not.toBe('failed');
    await fx.sim.advance(TEN_MINUTES);
    expect((await fx.api.Pipelines.show('org/app', p!.id)).status).toBe('success');
    const latest = await fx.api.Jobs.all('org/app', { pipelineId: p!.id });
    expect(latest.map((j) => j.status)).toEqual(['success', 'success']);
    const all = await fx.api.Jobs.all('org/app', { pipelineId: p!.id, includeRetried: true });
    expect(all.filter((j) => j.name === 'test').map((j) => j.status)).toEqual(['success', 'failed']);
    await expectError(fx.api.Jobs.retry('org/app', failed!.id), 403, '403 Forbidden - Job is not retryable');
  });

  it('pipeline retry (201) reruns failed jobs; stuck pipelines keep running; cancel answers 200', async () => {
    const sha = await push(fx, 'flaky2', { 'g.txt': 'g\n' }, 'flaky [ci:flaky]');
    await fx.sim.advance(TEN_MINUTES);
    const [p] = await fx.api.Pipelines.all('org/app', { sha });
    const res = await fx.raw(`/api/v4/projects/org%2Fapp/pipelines/${p!.id}/retry`, { method: 'POST' });
    expect(res.status).toBe(201);
    await fx.sim.advance(TEN_MINUTES);
    expect((await fx.api.Pipelines.show('org/app', p!.id)).status).toBe('success');

    const stuckSha = await push(fx, 'stuck', { 's.txt': 's\n' }, 'stuck [ci:stuck]');
    await fx.sim.advance(6 * 3600_000);
    const [stuck] = await fx.api.Pipelines.all('org/app', { sha: stuckSha });
    expect(stuck!.status).toBe('running');
    const cancel = await fx.raw(`/api/v4/projects/org%2Fapp/pipelines/${stuck!.id}/cancel`, {
      method: 'POST',
    });
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as { status: string }).status).toBe('canceled');
  });

  it('play a manual job (200); 400 "Unplayable Job" when it is not manual', async () => {
    const sha = await fx.sim.push({
      forge: 'gitlab',
      project: 'org/deployer',
      files: { x: '1' },
      message: 'release',
    });
    await fx.sim.advance(TEN_MINUTES);
    const [p] = await fx.api.Pipelines.all('org/deployer', { sha });
    expect(p!.status).toBe('success');
    const [manual] = await fx.api.Jobs.all('org/deployer', { pipelineId: p!.id, scope: 'manual' });
    expect(manual).toMatchObject({ name: 'deploy', status: 'manual', allow_failure: true });
    const res = await fx.raw(`/api/v4/projects/org%2Fdeployer/jobs/${manual!.id}/play`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('pending');
    await expectError(fx.api.Jobs.play('org/deployer', manual!.id), 400, '400 Bad request - Unplayable Job');
    await fx.sim.advance(TEN_MINUTES);
    expect((await fx.api.Jobs.show('org/deployer', manual!.id)).status).toBe('success');
    await expectError(fx.api.Jobs.show('org/deployer', 1), 404, '404 Not found');
  });

  it('create a pipeline (201) with variables; 400 for an unknown ref', async () => {
    const res = await fx.raw('/api/v4/projects/org%2Fapp/pipeline', {
      method: 'POST',
      body: JSON.stringify({ ref: 'main', variables: [{ key: 'DEPLOY_VERSION', value: '1.2.3' }] }),
    });
    expect(res.status).toBe(201);
    const p = (await res.json()) as { id: number; source: string; ref: string; status: string };
    expect(p).toMatchObject({ source: 'api', ref: 'main', status: 'created' });
    expect(await fx.api.Pipelines.allVariables('org/app', p.id)).toEqual([
      { key: 'DEPLOY_VERSION', value: '1.2.3', variable_type: 'env_var' },
    ]);
    await expectError(fx.api.Pipelines.create('org/app', 'nope'), 400, '{"base":["Reference not found"]}');
    const missing = await fx.raw('/api/v4/projects/org%2Fapp/pipeline', { method: 'POST', body: '{}' });
    expect(await missing.json()).toEqual({ error: 'ref is missing' });
  });

  it('lists with ref, status, source, updated_after, order_by and sort; pages', async () => {
    const byRef = await fx.api.Pipelines.all('org/app', { ref: 'flaky' });
    expect(byRef).toHaveLength(1);
    const failed = await fx.api.Pipelines.all('org/app', { status: 'failed' });
    expect(failed.every((p) => p.status === 'failed')).toBe(true);
    expect(failed.length).toBeGreaterThanOrEqual(2);
    const api = await fx.api.Pipelines.all('org/app', { source: 'api' });
    expect(api).toHaveLength(1);
    const desc = await fx.api.Pipelines.all('org/app');
    expect(desc.map((p) => p.id)).toEqual([...desc.map((p) => p.id)].sort((a, b) => b - a));
    const asc = await fx.api.Pipelines.all('org/app', { sort: 'asc', orderBy: 'id' });
    expect(asc.map((p) => p.id)).toEqual([...desc.map((p) => p.id)].reverse());
    const byUpdate = await fx.api.Pipelines.all('org/app', {
      orderBy: 'updated_at',
      sort: 'desc',
      perPage: 1,
      maxPages: 1,
    });
    expect(byUpdate).toHaveLength(1);
    const newest = desc.reduce((a, p) => (p.updated_at > a.updated_at ? p : a));
    expect(byUpdate[0]!.updated_at).toBe(newest.updated_at);
    const later = await fx.api.Pipelines.all('org/app', { updatedAfter: newest.updated_at as string });
    expect(later.every((p) => p.updated_at >= newest.updated_at)).toBe(true);
    const page = await fx.raw('/api/v4/projects/org%2Fapp/pipelines?per_page=2&page=1&status=success');
    expect(page.headers.get('x-per-page')).toBe('2');
    expect(Number(page.headers.get('x-total'))).toBeGreaterThanOrEqual(2);
    const bad = await fx.raw('/api/v4/projects/org%2Fapp/pipelines?order_by=nonsense');
    expect(await bad.json()).toEqual({ error: 'order_by does not have a valid value' });
  });
});
