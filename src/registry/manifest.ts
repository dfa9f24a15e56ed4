import { z } from 'zod';
import { isDigest } from './digest.js';

/**
 * The manifests the client copies: OCI image index / image manifest and their Docker v2
 * equivalents (manifest list / schema 2). Parsed with zod before anything is followed: a
 * registry's answer is trusted for nothing but bytes that match their digest.
 */

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const INDEX_TYPES: string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList];
const IMAGE_TYPES: string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];

/** What `Accept` lists: every manifest kind the client can copy. */
export const MANIFEST_ACCEPT = [...INDEX_TYPES, ...IMAGE_TYPES].join(', ');

/** Distribution refuses manifests over 4 MiB; a bigger answer is not a manifest. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** More platforms than any real image index lists (buildx adds one attestation per platform). */
export const MAX_INDEX_CHILDREN = 256;
/** More layers than any real image has (overlayfs stops at 128). */
export const MAX_LAYERS = 1000;

/** RFC 6838 type/subtype: a descriptor's media type is printed in plans, so no other text. */
const MEDIA_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}$/;
/** `linux`, `arm64`, `v8`: printed in plans as `linux/arm64/v8`. */
const PLATFORM_WORD = z.string().regex(/^[\w.-]{1,64}$/, 'not a platform name');

export const descriptorSchema = z.object({
  mediaType: z.string().regex(MEDIA_TYPE, 'not a media type'),
  digest: z.string().refine(isDigest, 'not a sha256/sha512 digest'),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  platform: z
    .object({
      architecture: PLATFORM_WORD,
      os: PLATFORM_WORD,
      variant: PLATFORM_WORD.optional(),
    })
    .passthrough()
    .optional(),
});

export type Descriptor = z.infer<typeof descriptorSchema>;

const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema).max(MAX_INDEX_CHILDREN),
});

const imageSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).max(MAX_LAYERS),
});

export type ParsedManifest =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] };

export function isIndexType(mediaType: string): boolean {
  return INDEX_TYPES.includes(mediaType);
}

/**
 * Layers a registry must not be asked to hold (Windows foreign layers): they are fetched from
 * their `urls`, so they are not copied.
 */
export function isForeign(descriptor: Descriptor): boolean {
  return /foreign|nondistributable/.test(descriptor.mediaType);
}

/** The manifest's own media type: the `mediaType` field when present, else the Content-Type. */
export function parseManifest(bytes: Uint8Array, contentType: string | null, what: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new Error(`${what}: the manifest is not JSON`);
  }
  const declared =
    json && typeof json === 'object' && typeof (json as { mediaType?: unknown }).mediaType === 'string'
      ? (json as { mediaType: string }).mediaType
      : contentType?.split(';')[0]?.trim();
  if (!declared || (!INDEX_TYPES.includes(declared) && !IMAGE_TYPES.includes(declared)))
    throw new Error(
      `${what}: unsupported manifest type ${declared ?? '(none)'} (expected an OCI or Docker v2 manifest or index)`,
    );
  if (INDEX_TYPES.includes(declared)) {
    const parsed = indexSchema.safeParse(json);
    if (!parsed.success)
      throw new Error(`${what}: not a valid image index (${parsed.error.issues[0]?.message})`);
    return { kind: 'index', mediaType: declared, manifests: parsed.data.manifests };
  }
  const parsed = imageSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${what}: not a valid image manifest (${parsed.error.issues[0]?.message})`);
  return { kind: 'image', mediaType: declared, config: parsed.data.config, layers: parsed.data.layers };
}

/** Repository names as the distribution spec allows them (`a/b-c/d_e`). */
export const REPOSITORY_NAME =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** Tags as the distribution spec allows them. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
