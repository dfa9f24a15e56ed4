import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ISO, setup, SHA, type Fixture } from './helpers.js';

describe('GitLab deployments, environments and generic packages', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await setup();
    await fx.sim.deploy({
      forge: 'gitlab',
      project: 'org/app',
      environment: 'gstg',
      ref: 'main',
      variables: { DEPLOY_VERSION: '17.6.1' },
    });
    await fx.sim.advance(60_000);
    await fx.sim.deploy({ forge: 'gitlab', project: 'org/app', environment: 'gprd', ref: 'main' });
    await fx.sim.advance(60_000);
    await fx.sim.deploy({
      forge: 'gitlab',
      project: 'org/app',
      environment: 'gstg',
      ref: 'main',
      status: 'failed',
    });
  });
  afterAll(() => fx.close());

  it('lists deployments by environment and status with deployable (job + pipeline) and environment', async () => {
    const gstg = await fx.api.Deployments.all('org/app', { environment: 'gstg' });
    expect(gstg.map((d) => d.status)).toEqual(['success', 'failed']);
    const d = gstg[0]!;
    expect(d).toMatchObject({ iid: 1, ref: 'main' });
    expect(d.sha).toMatch(SHA);
    expect(d.created_at).toMatch(ISO);
    // A deployment nests GitLab's EnvironmentBasic: no state or tier (those are in the environments API).
    expect(d.environment).toMatchObject({ name: 'gstg', slug: 'gstg' });
    expect(d.environment).not.toHaveProperty('state');
    const deployable = d.deployable as Record<string, unknown>;
    expect(deployable).toMatchObject({ name: 'deploy:gstg', stage: 'deploy', status: 'success' });
    expect((deployable.pipeline as { sha: string }).sha).toBe(d.sha);
    expect((deployable.commit as { id: string }).id).toBe(d.sha);
    const ok = await fx.api.Deployments.all('org/app', { environment: 'gstg', status: 'success' });
    expect(ok).toHaveLength(1);
    const desc = await fx.api.Deployments.all('org/app', { orderBy: 'id', sort: 'desc' });
    expect(desc.map((x) => x.id)).toEqual([...desc.map((x) => x.id)].sort((a, b) => b - a));
    expect(desc).toHaveLength(3);
  });

  it('updated_after must be paired with order_by=updated_at (400 otherwise)', async () => {
    const since = new Date(Date.parse('2026-11-20T08:00:30Z')).toISOString();
    await expectError(
      fx.api.Deployments.all('org/app', { updatedAfter: since }),
      400,
      '400 Bad request - `updated_at` filter and `updated_at` sorting must be paired',
    );
    const later = await fx.api.Deployments.all('org/app', {
      updatedAfter: since,
      orderBy: 'updated_at',
      sort: 'asc',
    });
    expect(later.map((d) => (d.environment as { name: string }).name)).toEqual(['gprd', 'gstg']);
  });

  it('get, create (201), update status; environments list and get with last_deployment', async () => {
    const [first] = await fx.api.Deployments.all('org/app', { environment: 'gprd' });
    expect((await fx.api.Deployments.show('org/app', first!.id)).id).toBe(first!.id);
    await expectError(fx.api.Deployments.show('org/app', 1), 404, '404 Not found');
    const sha = (await fx.api.Commits.show('org/app', 'main')).id as string;
    const res = await fx.raw('/api/v4/projects/org%2Fapp/deployments', {
      method: 'POST',
      body: JSON.stringify({ environment: 'canary', sha, ref: 'main', tag: false, status: 'running' }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: number; status: string; deployable: unknown };
    expect(created).toMatchObject({ status: 'running', deployable: null });
    const updated = await fx.api.Deployments.edit('org/app', created.id, 'success');
    expect(updated.status).toBe('success');
    const envs = await fx.api.Environments.all('org/app');
    expect(envs.map((e) => e.name)).toEqual(['gstg', 'gprd', 'canary']);
    const env = await fx.api.Environments.show('org/app', envs[1]!.id);
    expect((env.last_deployment as { id: number }).id).toBe(first!.id);
    const missing = await fx.raw('/api/v4/projects/org%2Fapp/deployments', {
      method: 'POST',
      body: JSON.stringify({ environment: 'x' }),
    });
    expect(await missing.json()).toEqual({
      error: 'sha is missing, ref is missing, tag is missing, status is missing',
    });
  });

  it('generic packages: streaming upload (201), download, list, files with sha256; duplicates are 400', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const url = '/api/v4/projects/org%2Fapp/packages/generic/gitlab/17.6.1/gitlab_17.6.1_amd64.deb';
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < data.length; i += 65536) controller.enqueue(data.subarray(i, i + 65536));
        controller.close();
      },
    });
    const put = await fx.raw(url, { method: 'PUT', body, duplex: 'half' } as RequestInit);
    expect(put.status).toBe(201);
    expect(await put.json()).toEqual({ message: '201 Created' });

    const dup = await fx.raw(url, { method: 'PUT', body: 'again' });
    expect(dup.status).toBe(400);
    expect(await dup.json()).toEqual({ message: '400 Bad request - Duplicate package is not allowed' });

    const second = await fx.raw(
      '/api/v4/projects/org%2Fapp/packages/generic/gitlab/17.6.1/checksums.txt?select=package_file',
      { method: 'PUT', body: 'sums\n' },
    );
    expect(second.status).toBe(201);
    expect(await second.json()).toMatchObject({
      file_name: 'checksums.txt',
      size: 5,
      file_sha256: createHash('sha256').update('sums\n').digest('hex'),
    });

    const download = await fx.raw(url);
    expect(download.status).toBe(200);
    expect(download.headers.get('x-checksum-sha256')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
    const viaClient = (await fx.api.PackageRegistry.download(
      'org/app',
      'gitlab',
      '17.6.1',
      'checksums.txt',
    )) as unknown as Blob;
    expect(await viaClient.text()).toBe('sums\n');

    await fx.raw('/api/v4/projects/org%2Fapp/packages/generic/gitlab-ee/17.6.1/x.deb', {
      method: 'PUT',
      body: 'ee',
    });
    const fuzzy = await fx.api.Packages.all({
      projectId: 'org/app',
      packageType: 'generic' as never,
      packageName: 'gitlab',
    });
    expect(fuzzy.map((p) => p.name).sort()).toEqual(['gitlab', 'gitlab-ee']);
    const query = {
      projectId: 'org/app',
      packageType: 'generic',
      packageName: 'gitlab',
      packageVersion: '17.6.1',
    };
    const exact = await fx.api.Packages.all(query as never);
    const pkg = exact.find((p) => p.name === 'gitlab')!;
    expect(pkg).toMatchObject({ version: '17.6.1', package_type: 'generic', status: 'default' });
    const files = await fx.api.Packages.allFiles('org/app', pkg.id);
    expect(files.map((f) => [f.file_name, f.size])).toEqual([
      ['gitlab_17.6.1_amd64.deb', data.length],
      ['checksums.txt', 5],
    ]);
    expect(files[0]!.file_sha256).toBe(createHash('sha256').update(data).digest('hex'));
    const missing = await fx.raw('/api/v4/projects/org%2Fapp/packages/generic/gitlab/9.9.9/none.deb');
    expect(missing.status).toBe(404);
    const devPut = await fetch(`${fx.sim.gitlab.url}${url.replace('17.6.1', '17.6.2')}`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`dev:${fx.devToken}`).toString('base64')}` },
      body: 'basic auth works for packages',
    });
    expect(devPut.status).toBe(201);
  });

  it('duplicates are accepted when the project allows them', async () => {
    fx.sim.project('gitlab', 'org/app').packageDuplicatesAllowed = true;
    const url = '/api/v4/projects/org%2Fapp/packages/generic/dups/1.0.0/a.txt';
    expect((await fx.raw(url, { method: 'PUT', body: 'one' })).status).toBe(201);
    expect((await fx.raw(url, { method: 'PUT', body: 'two' })).status).toBe(201);
    expect(await (await fx.raw(url)).text()).toBe('two');
  });
});
