import { createHash, randomBytes } from 'node:crypto';
import type { BlobSource, RegistryClient } from '../../src/registry/client.js';
import { MEDIA_TYPES, type Descriptor } from '../../src/registry/manifest.js';

/**
 * Small OCI images built by the tests: a config and a few layers of random bytes, one image per
 * platform, and an index over them. Pushed with the project's own client.
 */

export interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export interface BuiltManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface BuiltImage {
  manifest: BuiltManifest;
  blobs: Blob[];
  /** An index's children (empty for a single image). */
  children: BuiltImage[];
}

function blob(mediaType: string, bytes: Buffer): Blob {
  return {
    descriptor: {
      mediaType,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      size: bytes.length,
    },
    bytes,
  };
}

function manifestOf(mediaType: string, json: unknown): BuiltManifest {
  const bytes = Buffer.from(JSON.stringify(json));
  return { mediaType, bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

/** Docker's v2 media types instead of OCI's (Docker Hub and older build tools push these). */
const DOCKER = {
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  manifest: MEDIA_TYPES.dockerManifest,
  index: MEDIA_TYPES.dockerList,
};
const OCI = {
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  manifest: MEDIA_TYPES.ociManifest,
  index: MEDIA_TYPES.ociIndex,
};

export function ociImage(arch = 'amd64', layerSizes = [1024, 4096], docker = false): BuiltImage {
  const types = docker ? DOCKER : OCI;
  const config = blob(
    types.config,
    Buffer.from(
      JSON.stringify({
        architecture: arch,
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [] },
        nonce: randomBytes(8).toString('hex'),
      }),
    ),
  );
  const layers = layerSizes.map((size) => blob(types.layer, randomBytes(size)));
  const manifest = manifestOf(types.manifest, {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
  });
  return { manifest, blobs: [config, ...layers], children: [] };
}

export function ociIndex(children: { image: BuiltImage; arch: string }[], docker = false): BuiltImage {
  const type = docker ? DOCKER.index : OCI.index;
  const manifest = manifestOf(type, {
    schemaVersion: 2,
    mediaType: type,
    manifests: children.map(({ image, arch }) => ({
      mediaType: image.manifest.mediaType,
      digest: image.manifest.digest,
      size: image.manifest.bytes.length,
      platform: { architecture: arch, os: 'linux' },
    })),
  });
  return { manifest, blobs: [], children: children.map((c) => c.image) };
}

export function bufferSource(bytes: Buffer): BlobSource {
  return { body: new Blob([bytes]).stream(), failure: () => undefined };
}

export async function pushImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  image: BuiltImage,
): Promise<void> {
  for (const child of image.children) await pushImage(client, repository, child.manifest.digest, child);
  for (const b of image.blobs)
    if (!(await client.hasBlob(repository, b.descriptor.digest)))
      await client.pushBlob(repository, b.descriptor, async () => bufferSource(b.bytes));
  await client.putManifest(repository, tag, image.manifest.mediaType, image.manifest.bytes);
}
