import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForgeError } from '../../../src/errors.js';
import { setup, type AdapterFixture } from './helpers.js';

function streamOf(data: Buffer, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.length) return controller.close();
      controller.enqueue(data.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

describe('GitLab adapter: deployments and generic packages', () => {
  let fx: AdapterFixture;
  beforeAll(async () => {
    fx = await setup();
    await fx.sim.deploy({ forge: 'gitlab', project: 'org/app', environment: 'gprd', ref: 'main' });
    await fx.sim.advance(60_000);
    await fx.sim.deploy({
      forge: 'gitlab',
      project: 'org/app',
      environment: 'gprd',
      ref: 'main',
      status: 'failed',
    });
    await fx.sim.deploy({ forge: 'gitlab', project: 'org/app', environment: 'gstg', ref: 'main' });
  });
  afterAll(() => fx.close());

  it('lists deployments newest first with their job; filters by status and updatedAfter', async () => {
    const all = await fx.forge.deployments.list('org/app', { environment: 'gprd' });
    expect(all.map((d) => d.status)).toEqual(['failed', 'success']);
    expect(all[1]).toMatchObject({ environment: 'gprd', ref: 'main', version: null });
    expect(all[1]!.jobId).toBeGreaterThan(0);
    expect(all[1]!.webUrl).toMatch(/\/org\/app\/-\/environments\/\d+\/deployments\/1$/);
    const ok = await fx.forge.deployments.list('org/app', { environment: 'gprd', status: 'success' });
    expect(ok).toHaveLength(1);
    const recent = await fx.forge.deployments.list('org/app', {
      environment: 'gprd',
      updatedAfter: new Date(Date.parse('2026-11-20T08:00:30Z')).toISOString(),
    });
    expect(recent.map((d) => d.status)).toEqual(['failed']);
    expect(await fx.forge.deployments.get('org/app', all[0]!.id)).toMatchObject({ id: all[0]!.id });
    expect(await fx.forge.deployments.get('org/app', 1)).toBeNull();
    const sha = (await fx.forge.repo.getBranch('org/app', 'main'))!.sha;
    const created = await fx.forge.deployments.create('org/app', { environment: 'canary', ref: 'main', sha });
    expect(created).toMatchObject({ environment: 'canary', status: 'success', sha, jobId: null });
  });

  it('uploads and downloads a package file as streams; lists files; refuses a duplicate (400)', async () => {
    const data = Buffer.alloc(2 * 1024 * 1024 + 3, 1);
    const file = await fx.forge.packages.upload(
      'org/app',
      'gitlab',
      '17.6.1',
      'gitlab.deb',
      streamOf(data),
      data.length,
    );
    expect(file).toMatchObject({
      fileName: 'gitlab.deb',
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
    await fx.forge.packages.upload(
      'org/app',
      'gitlab-ee',
      '17.6.1',
      'ee.deb',
      streamOf(Buffer.from('ee')),
      2,
    );
    const files = await fx.forge.packages.listFiles('org/app', 'gitlab', '17.6.1');
    expect(files.map((f) => f.fileName)).toEqual(['gitlab.deb']);
    expect(await fx.forge.packages.listFiles('org/app', 'gitlab', '0.0.0')).toEqual([]);
    const back = await readAll(await fx.forge.packages.download('org/app', 'gitlab', '17.6.1', 'gitlab.deb'));
    expect(back.equals(data)).toBe(true);
    const dup = await fx.forge.packages
      .upload('org/app', 'gitlab', '17.6.1', 'gitlab.deb', streamOf(Buffer.from('x')), 1)
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ForgeError);
    expect(dup).toMatchObject({
      status: 400,
      message: expect.stringContaining('Duplicate package is not allowed'),
    });
    await expect(fx.forge.packages.download('org/app', 'gitlab', '9.9.9', 'none')).rejects.toMatchObject({
      status: 404,
    });
  });
});
