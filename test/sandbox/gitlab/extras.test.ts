import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, push, setup, type Fixture } from './helpers.js';

/** The smaller endpoints: commit refs and MRs, latest pipeline, job cancel, label/milestone/package/environment extras. */
describe('GitLab extra endpoints', () => {
  let fx: Fixture;
  let head: string;
  beforeAll(async () => {
    fx = await setup();
    fx.sim.project('gitlab', 'org/app').protectedBranches.clear();
    head = await push(fx, 'topic', { 'a.txt': 'a\n' }, 'topic [ci:stuck]');
    await fx.api.MergeRequests.create('org/app', 'topic', 'main', 'Topic');
  });
  afterAll(() => fx.close());

  it('GET /users/:id and /repository/commits/:sha/refs and /merge_requests', async () => {
    const [dev] = await fx.api.Users.all({ username: 'dev' });
    expect(await fx.api.Users.show(dev!.id)).toMatchObject({ username: 'dev', state: 'active' });
    const refs = await fx.api.Commits.allReferences('org/app', head);
    expect(refs).toEqual([{ type: 'branch', name: 'topic' }]);
    const mrs = await fx.api.Commits.allMergeRequests('org/app', head);
    expect(mrs.map((m) => m.title)).toEqual(['Topic']);
  });

  it('GET /pipelines/latest; POST /jobs/:id/cancel (201) cancels a stuck job and its pipeline', async () => {
    await fx.sim.advance(60_000);
    const latest = await fx.api.Pipelines.showLatest('org/app', { ref: 'topic' });
    expect(latest).toMatchObject({ sha: head, ref: 'topic', status: 'running' });
    const jobs = await fx.api.Jobs.all('org/app', { pipelineId: latest.id });
    for (const job of jobs) {
      const res = await fx.raw(`/api/v4/projects/org%2Fapp/jobs/${job.id}/cancel`, { method: 'POST' });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { status: string }).status).toBe('canceled');
    }
    expect((await fx.api.Pipelines.show('org/app', latest.id)).status).toBe('canceled');
    await expectError(fx.api.Pipelines.showLatest('org/app', { ref: 'nope' }), 404);
  });

  it('POST /merge_requests/:iid/unapprove', async () => {
    const dev = fx.dev;
    await dev.MergeRequestApprovals.approve('org/app', 1);
    const res = await fetch(`${fx.sim.gitlab.url}/api/v4/projects/org%2Fapp/merge_requests/1/unapprove`, {
      method: 'POST',
      headers: { 'private-token': fx.devToken },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { approved_by: unknown[] }).approved_by).toEqual([]);
    await expectError(dev.MergeRequestApprovals.unapprove('org/app', 1), 404);
  });

  it('labels: show by name, update, delete (204)', async () => {
    await fx.api.ProjectLabels.create('org/app', 'temp', '#123456');
    expect((await fx.api.ProjectLabels.show('org/app', 'temp')).color).toBe('#123456');
    const edited = await fx.api.ProjectLabels.edit('org/app', 'temp', {
      newName: 'kept',
      color: '#654321',
    } as never);
    expect(edited).toMatchObject({ name: 'kept', color: '#654321' });
    const del = await fx.raw('/api/v4/projects/org%2Fapp/labels/kept', { method: 'DELETE' });
    expect(del.status).toBe(204);
    await expectError(fx.api.ProjectLabels.show('org/app', 'kept'), 404, '404 Label Not Found');
  });

  it('milestones: show; environments: create (201), duplicate 400; packages: show and delete (204)', async () => {
    const m = await fx.api.ProjectMilestones.create('org/app', '18.0', { dueDate: '2027-01-15' });
    expect(await fx.api.ProjectMilestones.show('org/app', m.id)).toMatchObject({
      title: '18.0',
      due_date: '2027-01-15',
    });
    const env = await fx.api.Environments.create('org/app', 'review/x', {
      externalUrl: 'https://x.example.com',
    });
    expect(env).toMatchObject({
      name: 'review/x',
      external_url: 'https://x.example.com',
      state: 'available',
    });
    await expectError(
      fx.api.Environments.create('org/app', 'review/x'),
      400,
      '{"name":["has already been taken"]}',
    );
    await fx.raw('/api/v4/projects/org%2Fapp/packages/generic/tool/1.0.0/tool.bin', {
      method: 'PUT',
      body: 'bin',
    });
    const [pkg] = await fx.api.Packages.all({ projectId: 'org/app' });
    expect(await fx.api.Packages.show('org/app', pkg!.id)).toMatchObject({ name: 'tool', version: '1.0.0' });
    const del = await fx.raw(`/api/v4/projects/org%2Fapp/packages/${pkg!.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await fx.api.Packages.all({ projectId: 'org/app' })).toEqual([]);
  });
});
