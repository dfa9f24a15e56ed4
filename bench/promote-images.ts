import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promoteImages } from '../jobs/promote-packages/images/promote.js';
import { createRegistryClient, type RegistryClient } from '../src/registry/client.js';
import { MEDIA_TYPES, type Descriptor } from '../src/registry/manifest.js';
import { tempDir } from '../test/helpers/tmp.js';
import { ociImage, pushImage } from '../test/registry/fixtures.js';
import {
  registryAvailable,
  REGISTRY_COMMAND,
  startRegistry,
  type RunningRegistry,
} from '../packages/forge-sandbox/src/services/registry.js';
import { imagesContext, imagesOptions } from '../test/registry/world.js';
import { writeResult } from './lib/report.js';

/**
 * Image promotion memory: one image with a 200 MiB layer promoted between two real Distribution
 * registries (Debian's docker-registry, separate processes: staging behind token auth, public
 * behind htpasswd), so every byte goes staging → this process → public. RSS of this process is
 * sampled every 5 ms; its growth over the RSS just before the promotion must stay ≤ 50 MiB,
 * which holds only if the layer is streamed (download → digest check → upload), never held.
 * A small image is promoted first to load the code and settle the auth.
 *
 *   npx tsx bench/promote-images.ts          (PROMOTE_IMAGES_BENCH_MB=50 for a quicker run)
 */

const SIZE_MB = Number(process.env.PROMOTE_IMAGES_BENCH_MB ?? 200);
const SIZE = SIZE_MB * 2 ** 20;
const CHUNK = 2 ** 20;
const TARGET_MIB = 50;
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

async function writeRandomFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < SIZE; written += CHUNK) {
    const chunk = randomBytes(Math.min(CHUNK, SIZE - written));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return `sha256:${hash.digest('hex')}`;
}

/** Stage the big image as a build would: the layer streamed from disk, then config and manifest. */
async function stageBigImage(client: RegistryClient, path: string, digest: string): Promise<string> {
  const layer: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: SIZE };
  await client.pushBlob('staging/big', layer, async () => ({
    body: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
    failure: () => undefined,
  }));
  const small = ociImage('amd64', []);
  const config = small.blobs[0]!;
  await client.pushBlob('staging/big', config.descriptor, async () => ({
    body: new Blob([config.bytes]).stream(),
    failure: () => undefined,
  }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: config.descriptor,
      layers: [layer],
    }),
  );
  return client.putManifest('staging/big', '1.0.0', MEDIA_TYPES.ociManifest, manifest);
}

async function main(): Promise<void> {
  if (!registryAvailable) {
    console.log(`promote-images: ${REGISTRY_COMMAND} is missing (apt-get install docker-registry); skipped`);
    return;
  }
  const { dir, cleanup } = tempDir('release-bot-bench-images-');
  const registries: RunningRegistry[] = [];
  try {
    const staging = await startRegistry('token');
    registries.push(staging);
    const pub = await startRegistry('htpasswd');
    registries.push(pub);
    const client = (r: RunningRegistry) =>
      createRegistryClient({ url: r.url, username: r.username, password: r.password });
    const layerPath = join(dir, 'layer');
    const layerDigest = await writeRandomFile(layerPath);
    const manifestDigest = await stageBigImage(client(staging), layerPath, layerDigest);

    // Warm-up: load the code and settle both registries' auth on a small image.
    await pushImage(client(staging), 'staging/warm', '1.0.0', ociImage('amd64', [4096]));
    const warm = await promoteImages(
      imagesContext(),
      imagesOptions(staging, pub, [{ name: 'warm', tags: ['{version}'] }]),
      '1.0.0',
    );
    if (warm.items[0]?.status !== 'ok') throw new Error(`warm-up: ${warm.items[0]?.summary}`);

    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    const run = await promoteImages(
      imagesContext(),
      imagesOptions(staging, pub, [{ name: 'big', tags: ['{version}'] }]),
      '1.0.0',
    );
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    const target = client(pub);
    const tagged = await target.resolve('public/big', '1.0.0');
    if (
      run.items[0]?.status !== 'ok' ||
      tagged?.digest !== manifestDigest ||
      !(await target.hasBlob('public/big', layerDigest))
    )
      throw new Error(`promotion did not copy the image intact: ${run.items[0]?.summary}`);

    const growth = peak - baseline;
    writeResult('promote-images', [
      { group: 'Image promotion', name: 'layer size', value: SIZE_MB, unit: 'MiB' },
      {
        group: 'Image promotion',
        name: 'peak RSS growth while promoting the image',
        value: mib(growth),
        unit: 'MiB',
        target: { max: TARGET_MIB },
        note: 'two real docker-registry processes (token auth → htpasswd); layer streamed staging → digest check → public',
      },
      { group: 'Image promotion', name: 'wall time', value: Math.round(wallMs), unit: 'ms' },
      {
        group: 'Image promotion',
        name: 'throughput',
        value: Math.round((SIZE_MB / (wallMs / 1000)) * 10) / 10,
        unit: 'MiB/s',
      },
    ]);
    if (growth > TARGET_MIB * 2 ** 20) process.exitCode = 1;
  } finally {
    for (const r of registries) await r.stop();
    cleanup();
  }
}

await main();
