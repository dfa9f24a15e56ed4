import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteImages } from '../../jobs/promote-packages/images/promote.js';
import { planImage } from '../../jobs/promote-packages/images/plan.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { ociImage, ociIndex, pushImage } from './fixtures.js';
import {
  registryAvailable,
  REGISTRY_COMMAND,
  startRegistry,
  type RunningRegistry,
} from '../../packages/forge-sandbox/src/services/registry.js';
import { createRegistryClient } from '../../src/registry/client.js';
import {
  clientOf,
  endpointsOf,
  imagesContext,
  imagesOptions,
  recordingFetch,
  writes,
  type SeenRequest,
} from './world.js';

if (!registryAvailable)
  console.warn(
    `test/registry: ${REGISTRY_COMMAND} is missing (apt-get install docker-registry): registry tests skipped`,
  );

const SKOPEO = '/usr/bin/skopeo';

/** An independent reader: skopeo copies the public image out and checks every digest itself. */
function skopeoPull(reg: RunningRegistry, ref: string, all: boolean): void {
  if (!existsSync(SKOPEO)) return;
  const { dir, cleanup } = tempDir('release-bot-skopeo-');
  try {
    execFileSync(
      SKOPEO,
      [
        '--insecure-policy',
        'copy',
        ...(all ? ['--all'] : []),
        '--src-tls-verify=false',
        '--src-creds',
        `${reg.username}:${reg.password}`,
        `docker://${new URL(reg.url).host}/${ref}`,
        `oci:${join(dir, 'layout')}:pulled`,
      ],
      { stdio: 'pipe', timeout: 60_000 },
    );
  } finally {
    cleanup();
  }
}

describe.runIf(registryAvailable)('image promotion against a real registry', () => {
  // Staging behind token auth (the Bearer challenge), public behind htpasswd (basic auth).
  let staging: RunningRegistry;
  let pub: RunningRegistry;
  beforeAll(async () => {
    [staging, pub] = await Promise.all([startRegistry('token'), startRegistry('htpasswd')]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([staging?.stop(), pub?.stop()]);
  });

  it('promotes a single-arch image by digest; the re-run is a no-op that writes nothing', async () => {
    const image = ociImage('amd64', [2048, 300_000]);
    await pushImage(clientOf(staging), 'staging/single', '1.0.0', image);
    const options = imagesOptions(staging, pub, [{ name: 'single', tags: ['{version}'] }]);

    const first = await promoteImages(imagesContext(), options, '1.0.0');
    expect(first.items).toEqual([expect.objectContaining({ name: 'image single:1.0.0', status: 'ok' })]);
    expect(first.actions.filter((a) => a.kind === 'copy-blob')).toHaveLength(3);
    expect(first.actions.every((a) => a.done)).toBe(true);
    expect((await clientOf(pub).resolve('public/single', '1.0.0'))?.digest).toBe(image.manifest.digest);
    skopeoPull(pub, 'public/single:1.0.0', false);

    const seen: SeenRequest[] = [];
    const again = await promoteImages(
      imagesContext(),
      options,
      '1.0.0',
      undefined,
      endpointsOf(staging, pub, seen),
    );
    expect(again.items).toEqual([expect.objectContaining({ status: 'skipped' })]);
    expect(again.items[0]!.summary).toContain('already public');
    expect(again.actions).toEqual([]);
    expect(writes(seen)).toEqual([]);
  });

  it('promotes a multi-arch index with every child manifest, children before the tag', async () => {
    const amd64 = ociImage('amd64', [1000, 2000]);
    const arm64 = ociImage('arm64', [1500]);
    const index = ociIndex([
      { image: amd64, arch: 'amd64' },
      { image: arm64, arch: 'arm64' },
    ]);
    await pushImage(clientOf(staging), 'staging/multi', '2.0.0-ee.0', index);
    const options = imagesOptions(staging, pub, [{ name: 'multi', tags: ['{version}-ee.0'] }]);

    const seen: SeenRequest[] = [];
    const run = await promoteImages(
      imagesContext(),
      options,
      '2.0.0',
      undefined,
      endpointsOf(staging, pub, seen),
    );
    expect(run.items[0]).toMatchObject({ status: 'ok' });
    expect(run.actions.map((a) => a.kind)).toEqual([
      ...Array(5).fill('copy-blob'),
      'push-manifest',
      'push-manifest',
      'tag-manifest',
    ]);
    const target = clientOf(pub);
    expect((await target.resolve('public/multi', '2.0.0-ee.0'))?.digest).toBe(index.manifest.digest);
    for (const child of [amd64, arm64])
      expect((await target.resolve('public/multi', child.manifest.digest))?.digest).toBe(
        child.manifest.digest,
      );
    // Every child manifest went up by digest before the index under its tag.
    const manifestPuts = writes(seen).filter((r) => r.method === 'PUT' && r.url.includes('/manifests/'));
    expect(manifestPuts.map((r) => r.url.split('/manifests/')[1])).toEqual([
      amd64.manifest.digest,
      arm64.manifest.digest,
      '2.0.0-ee.0',
    ]);
    skopeoPull(pub, 'public/multi:2.0.0-ee.0', true);
  });

  it('copies a Docker v2 manifest list the same way, media types kept', async () => {
    const index = ociIndex(
      [
        { image: ociImage('amd64', [900], true), arch: 'amd64' },
        { image: ociImage('arm64', [950], true), arch: 'arm64' },
      ],
      true,
    );
    await pushImage(clientOf(staging), 'staging/docker', '2.1.0', index);
    const run = await promoteImages(
      imagesContext(),
      imagesOptions(staging, pub, [{ name: 'docker', tags: ['{version}'] }]),
      '2.1.0',
    );
    expect(run.items[0]).toMatchObject({ status: 'ok' });
    const copied = await clientOf(pub).getManifest('public/docker', '2.1.0');
    expect(copied).toMatchObject({
      digest: index.manifest.digest,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
    });
    skopeoPull(pub, 'public/docker:2.1.0', true);
  });

  it('dry run lists every blob and manifest it would copy and writes nothing', async () => {
    const index = ociIndex([
      { image: ociImage('amd64', [100, 200]), arch: 'amd64' },
      { image: ociImage('arm64', [300]), arch: 'arm64' },
    ]);
    await pushImage(clientOf(staging), 'staging/dry', '3.0.0', index);
    const seen: SeenRequest[] = [];
    const run = await promoteImages(
      imagesContext(true),
      imagesOptions(staging, pub, [{ name: 'dry', tags: ['{version}'] }]),
      '3.0.0',
      undefined,
      endpointsOf(staging, pub, seen),
    );
    const blobs = [...index.children.flatMap((c) => c.blobs.map((b) => b.descriptor.digest))];
    expect(run.actions.filter((a) => a.kind === 'copy-blob').map((a) => a.description.split(' ')[2])).toEqual(
      blobs,
    );
    expect(
      run.actions.filter((a) => a.kind === 'push-manifest').map((a) => a.description.split(' ')[2]),
    ).toEqual(index.children.map((c) => c.manifest.digest));
    expect(run.actions.at(-1)!.description).toContain(`${index.manifest.digest} as`);
    expect(run.actions.every((a) => !a.done)).toBe(true);
    expect(run.items[0]!.summary).toMatch(/^would copy 5 blob\(s\) and 3 manifest\(s\)/);
    expect(writes(seen)).toEqual([]);
    expect(await clientOf(pub).resolve('public/dry', '3.0.0')).toBeNull();
    // The plan phase's clients cannot write at all: refused before any request leaves.
    const before = seen.length;
    const readOnly = createRegistryClient({ url: pub.url, readOnly: true, fetch: recordingFetch(seen) });
    await expect(
      readOnly.putManifest('public/dry', '3.0.0', index.manifest.mediaType, index.manifest.bytes),
    ).rejects.toThrow(/dry-run: refused to perform a write/);
    expect(seen).toHaveLength(before);
    expect(writes(seen)).toEqual([]);
  });

  it('a conflicting public tag fails that image only; --force with a reason moves it, recorded', async () => {
    const wanted = ociImage('amd64', [512]);
    const other = ociImage('amd64', [640]);
    const fine = ociImage('amd64', [700]);
    await pushImage(clientOf(staging), 'staging/clash', '4.0.0', wanted);
    await pushImage(clientOf(staging), 'staging/fine', '4.0.0', fine);
    await pushImage(clientOf(pub), 'public/clash', '4.0.0', other);
    const options = imagesOptions(staging, pub, [
      { name: 'clash', tags: ['{version}'] },
      { name: 'fine', tags: ['{version}'] },
    ]);

    const run = await promoteImages(imagesContext(), options, '4.0.0');
    expect(run.items.map((i) => [i.name, i.status])).toEqual([
      ['image clash:4.0.0', 'failed'],
      ['image fine:4.0.0', 'ok'],
    ]);
    expect(run.items[0]!.summary).toContain('nothing overwritten');
    expect((await clientOf(pub).resolve('public/clash', '4.0.0'))?.digest).toBe(other.manifest.digest);

    const forced = await promoteImages(imagesContext(), options, '4.0.0', 'staging rebuilt after CVE fix');
    expect(forced.items.map((i) => i.status)).toEqual(['ok', 'skipped']);
    expect(forced.items[0]!.summary).toContain('forced: staging rebuilt after CVE fix');
    expect(forced.details[0]).toMatchObject({
      forced: 'staging rebuilt after CVE fix',
      publicDigest: other.manifest.digest,
    });
    expect((await clientOf(pub).resolve('public/clash', '4.0.0'))?.digest).toBe(wanted.manifest.digest);
  });

  it('refuses a blob whose bytes do not match its digest before any manifest is pushed', async () => {
    const image = ociImage('amd64', [4096, 8192]);
    await pushImage(clientOf(staging), 'staging/corrupt', '5.0.0', image);
    const bad = image.blobs[2]!;
    // The staging disk now serves other bytes of the same length under the blob's digest.
    const path = staging.blobPath(bad.descriptor.digest);
    const bytes = readFileSync(path);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(path, bytes);

    const seen: SeenRequest[] = [];
    const run = await promoteImages(
      imagesContext(),
      imagesOptions(staging, pub, [{ name: 'corrupt', tags: ['{version}'] }]),
      '5.0.0',
      undefined,
      endpointsOf(staging, pub, seen),
    );
    expect(run.items[0]).toMatchObject({ status: 'failed' });
    expect(run.items[0]!.summary).toMatch(/hashes to sha256:\w+…, expected sha256:\w+…; refused/);
    expect(writes(seen).filter((r) => r.url.includes('/manifests/'))).toEqual([]);
    const target = clientOf(pub);
    expect(await target.resolve('public/corrupt', '5.0.0')).toBeNull();
    expect(await target.hasBlob('public/corrupt', bad.descriptor.digest)).toBe(false);
  });

  it('answers the Bearer challenge with scoped tokens and basic auth; a wrong password fails clearly, masked', async () => {
    const image = ociImage('amd64', [256]);
    await pushImage(clientOf(staging), 'staging/auth', '6.0.0', image);
    staging.tokenRequests.length = 0;
    await promoteImages(
      imagesContext(),
      imagesOptions(staging, pub, [{ name: 'auth', tags: ['{version}'] }]),
      '6.0.0',
    );
    expect(staging.tokenRequests.length).toBeGreaterThan(0);
    expect(
      staging.tokenRequests.every((r) => r.authorized && r.service === 'release-bot-test-registry'),
    ).toBe(true);
    expect(staging.tokenRequests.flatMap((r) => r.scopes)).toContain('repository:staging/auth:pull');
    expect((await clientOf(pub).resolve('public/auth', '6.0.0'))?.digest).toBe(image.manifest.digest);

    const wrong = 'not-the-password-123';
    for (const reg of [staging, pub]) {
      const error = await clientOf(reg, undefined, wrong)
        .resolve('staging/auth', '6.0.0')
        .then(
          () => null,
          (e: unknown) => e as Error,
        );
      expect(error?.message).toMatch(/401/);
      expect(error?.message).not.toContain(wrong);
    }
  });

  it('mounts blobs across repositories when staging and public share one registry', async () => {
    const image = ociImage('amd64', [1111, 2222]);
    await pushImage(clientOf(staging), 'build/mounted', '7.0.0', image);
    staging.tokenRequests.length = 0;
    const seen: SeenRequest[] = [];
    const run = await promoteImages(
      imagesContext(),
      imagesOptions(staging, staging, [{ name: 'mounted', tags: ['{version}'] }], {
        staging: 'build',
        public: 'release',
      }),
      '7.0.0',
      undefined,
      endpointsOf(staging, staging, seen),
    );
    expect(run.actions.map((a) => a.kind)).toEqual([
      'mount-blob',
      'mount-blob',
      'mount-blob',
      'tag-manifest',
    ]);
    expect(run.actions.every((a) => a.done && !a.description.includes('streamed instead'))).toBe(true);
    // No blob was read: the registry linked them.
    expect(seen.filter((r) => r.method === 'GET' && r.url.includes('/blobs/'))).toEqual([]);
    expect(
      staging.tokenRequests.some(
        (r) =>
          r.scopes.includes('repository:build/mounted:pull') &&
          r.scopes.includes('repository:release/mounted:pull,push'),
      ),
    ).toBe(true);
    expect((await clientOf(staging).resolve('release/mounted', '7.0.0'))?.digest).toBe(image.manifest.digest);
  });

  it('plans from what public already holds: pieces of an interrupted copy are not copied again', async () => {
    const image = ociImage('amd64', [10_000, 20_000, 30_000]);
    await pushImage(clientOf(staging), 'staging/partial', '8.0.0', image);
    // An earlier run got the config and the first layer up, then stopped.
    const target = clientOf(pub);
    for (const b of image.blobs.slice(0, 2))
      await target.pushBlob('public/partial', b.descriptor, async () => ({
        body: new Blob([b.bytes]).stream(),
        failure: () => undefined,
      }));
    const plan = await planImage(endpointsOf(staging, pub), {
      name: 'partial:8.0.0',
      source: 'staging/partial',
      target: 'public/partial',
      tag: '8.0.0',
    });
    expect(plan.blobs.map((b) => b.action)).toEqual(['present', 'present', 'copy', 'copy']);
  });

  it('a promotion killed (SIGKILL) in the middle of its blobs converges on the next run', async () => {
    const image = ociImage('amd64', [4 << 20, 4 << 20, 4 << 20, 4 << 20]);
    await pushImage(clientOf(staging), 'staging/killed', '9.0.0', image);
    const creds = (reg: RunningRegistry) => ({
      url: reg.url,
      username: reg.username,
      password: reg.password,
    });
    const input = {
      staging: creds(staging),
      public: creds(pub),
      image: { name: 'killed:9.0.0', source: 'staging/killed', target: 'public/killed', tag: '9.0.0' },
    };
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/registry/support/promote-child.ts'), JSON.stringify(input)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // The third blob is on its way: two are in public, the image is not.
      if ((out.match(/: blob /g) ?? []).length >= 3 && child.exitCode === null) child.kill('SIGKILL');
    });
    expect(await exited).toBe('SIGKILL');
    expect(out).not.toContain('done:');
    const target = clientOf(pub);
    expect(await target.resolve('public/killed', '9.0.0')).toBeNull();

    const run = await promoteImages(
      imagesContext(),
      imagesOptions(staging, pub, [{ name: 'killed', tags: ['{version}'] }]),
      '9.0.0',
    );
    expect(run.items[0]).toMatchObject({ status: 'ok' });
    const blobs = (run.details[0] as { blobs: { action: string }[] }).blobs.map((b) => b.action);
    expect(blobs.filter((a) => a === 'present').length).toBeGreaterThanOrEqual(2);
    expect(blobs.filter((a) => a === 'copy').length).toBeGreaterThanOrEqual(1);
    expect((await target.resolve('public/killed', '9.0.0'))?.digest).toBe(image.manifest.digest);
    skopeoPull(pub, 'public/killed:9.0.0', false);
  }, 60_000);
});
