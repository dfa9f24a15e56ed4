import { shortDigest } from '../../../src/registry/digest.js';
import type { RegistryClient } from '../../../src/registry/client.js';
import { isForeign, type Descriptor } from '../../../src/registry/manifest.js';
import type { Step } from '../../../src/runner/job.js';

/**
 * Images, reading: what copying `source:tag` (staging) to `target:tag` (public) takes. The
 * whole tree is read — the index, every child manifest, every blob — and each piece public
 * already holds is left out, so a dry run lists exactly what would be copied and a run killed
 * half-way resumes where it stopped. Public at the same digest: nothing to do; at another
 * digest: that image fails, unless forced with a reason.
 */

export interface ImageEndpoints {
  staging: RegistryClient;
  public: RegistryClient;
}

export interface BlobCopy {
  descriptor: Descriptor;
  action: 'copy' | 'mount' | 'present';
}

export interface ManifestCopy {
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
  /** `linux/arm64` for an index's child. */
  platform?: string;
  action: 'push' | 'present';
}

export interface ImagePlan {
  /** `repository:tag` as the report names it. */
  name: string;
  source: string;
  target: string;
  tag: string;
  decision: 'copy' | 'skip' | 'fail';
  reason: string;
  /** The staging manifest's digest (what public's tag will point at). */
  digest: string | null;
  /** What public's tag pointed at when planned. */
  publicDigest: string | null;
  /** `--force --reason`: the reason a different public tag is moved. */
  forced?: string;
  /** Both on one registry: blobs are mounted across repositories instead of streamed. */
  sameRegistry: boolean;
  blobs: BlobCopy[];
  /** An index's children, pushed by digest before the tag. */
  children: ManifestCopy[];
  /** The manifest the tag points at (an index or a single image). */
  top?: ManifestCopy;
}

export interface ImageTarget {
  name: string;
  source: string;
  target: string;
  tag: string;
}

/** What one image's manifests may weigh together (a real index and its children: kilobytes). */
export const MAX_IMAGE_MANIFEST_BYTES = 16 * 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function platformOf(descriptor: Descriptor): string | undefined {
  const p = descriptor.platform;
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : undefined;
}

export async function planImage(
  endpoints: ImageEndpoints,
  image: ImageTarget,
  force?: string,
): Promise<ImagePlan> {
  const { staging, public: pub } = endpoints;
  const sameRegistry = staging.name === pub.name;
  const base = {
    ...image,
    sameRegistry,
    digest: null,
    publicDigest: null,
    blobs: [],
    children: [],
  };
  const top = await staging.getManifest(image.source, image.tag);
  if (!top)
    return {
      ...base,
      decision: 'fail',
      reason: `${staging.name}/${image.source}:${image.tag} is not in staging`,
    };
  const current = await pub.resolve(image.target, image.tag);
  const known = { ...base, digest: top.digest, publicDigest: current?.digest ?? null };
  if (current?.digest === top.digest)
    return {
      ...known,
      decision: 'skip',
      reason: `already public (same digest ${shortDigest(top.digest)}…)`,
    };
  if (current && !force)
    return {
      ...known,
      decision: 'fail',
      reason: `public ${image.target}:${image.tag} is already ${shortDigest(current.digest)}…, staging is ${shortDigest(top.digest)}…; nothing overwritten (--force --reason to move the tag)`,
    };

  const children: ManifestCopy[] = [];
  const images: Descriptor[][] = [];
  if (top.parsed.kind === 'index') {
    // The plan holds every manifest until it is pushed: an index cannot make it hold more.
    let held = top.size;
    for (const child of top.parsed.manifests) {
      if (children.some((c) => c.digest === child.digest)) continue;
      const manifest = await staging.getManifest(image.source, child.digest);
      if (!manifest)
        throw new Error(
          `${image.source}@${shortDigest(child.digest)}…: listed in the index, missing in staging`,
        );
      held += manifest.size;
      if (held > MAX_IMAGE_MANIFEST_BYTES)
        throw new Error(
          `${image.source}:${image.tag}: more than ${formatBytes(MAX_IMAGE_MANIFEST_BYTES)} of manifests; refused`,
        );
      if (manifest.parsed.kind !== 'image')
        throw new Error(`${image.source}@${shortDigest(child.digest)}…: a nested index is not supported`);
      const present = (await pub.resolve(image.target, child.digest)) !== null;
      const platform = platformOf(child);
      children.push({
        digest: manifest.digest,
        mediaType: manifest.mediaType,
        bytes: manifest.bytes,
        ...(platform ? { platform } : {}),
        action: present ? 'present' : 'push',
      });
      // A manifest the registry accepted has all its blobs there: no need to look again.
      if (!present) images.push([manifest.parsed.config, ...manifest.parsed.layers]);
    }
  } else {
    images.push([top.parsed.config, ...top.parsed.layers]);
  }

  const blobs: BlobCopy[] = [];
  for (const descriptor of images.flat()) {
    if (isForeign(descriptor) || blobs.some((b) => b.descriptor.digest === descriptor.digest)) continue;
    const present = await pub.hasBlob(image.target, descriptor.digest);
    blobs.push({ descriptor, action: present ? 'present' : sameRegistry ? 'mount' : 'copy' });
  }
  return {
    ...known,
    decision: 'copy',
    reason: current
      ? `public tag was ${shortDigest(current.digest)}…; moved (forced: ${force})`
      : 'not public yet',
    ...(current ? { forced: force } : {}),
    blobs,
    children,
    top: { digest: top.digest, mediaType: top.mediaType, bytes: top.bytes, action: 'push' },
  };
}

/** Every blob and manifest a plan would copy, in the order it copies them (the tag last). */
export function imageSteps(plan: ImagePlan, endpoints: ImageEndpoints): Step[] {
  if (plan.decision !== 'copy' || !plan.top) return [];
  const from = `${endpoints.staging.name}/${plan.source}`;
  const to = `${endpoints.public.name}/${plan.target}`;
  const subject = plan.name;
  const steps: Step[] = [];
  for (const blob of plan.blobs) {
    if (blob.action === 'present') continue;
    const d = blob.descriptor;
    steps.push({
      kind: blob.action === 'mount' ? 'mount-blob' : 'copy-blob',
      description:
        blob.action === 'mount'
          ? `mount blob ${d.digest} (${formatBytes(d.size)}) ${plan.source} → ${plan.target} on ${endpoints.public.name}`
          : `copy blob ${d.digest} (${formatBytes(d.size)}, ${d.mediaType}) ${from} → ${to}`,
      subject,
    });
  }
  for (const child of plan.children)
    if (child.action === 'push')
      steps.push({
        kind: 'push-manifest',
        description: `push manifest ${child.digest}${child.platform ? ` (${child.platform})` : ''} to ${to}`,
        subject,
      });
  const kind = plan.children.length ? `index of ${plan.children.length} manifests` : 'manifest';
  steps.push({
    kind: 'tag-manifest',
    description: `push ${kind} ${plan.top.digest} as ${to}:${plan.tag}${plan.forced ? ` (replacing ${plan.publicDigest}; forced: ${plan.forced})` : ''}`,
    subject,
  });
  return steps;
}
