import { createHash, type Hash } from 'node:crypto';

/**
 * Content digests (`sha256:<hex>`, `sha512:<hex>`): every blob and manifest the client reads
 * is hashed as it passes and compared with the digest it was asked for, so a registry (or a
 * disk under it) that serves other bytes is caught before anything is written elsewhere.
 */

const DIGEST = /^(sha256|sha512):([a-f0-9]+)$/;
const HEX_LENGTH = { sha256: 64, sha512: 128 } as const;

export type DigestAlgorithm = keyof typeof HEX_LENGTH;

/** Bytes that do not hash to the digest they were asked for. */
export class DigestMismatchError extends Error {
  override name = 'DigestMismatchError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(`${what}: content hashes to ${shortDigest(actual)}…, expected ${shortDigest(expected)}…; refused`);
  }
}

export function isDigest(value: string): boolean {
  const m = DIGEST.exec(value);
  return !!m && m[2]!.length === HEX_LENGTH[m[1] as DigestAlgorithm];
}

export function digestAlgorithm(digest: string): DigestAlgorithm {
  const m = DIGEST.exec(digest);
  if (!m || !isDigest(digest)) throw new Error(`not a supported digest: ${digest.slice(0, 80)}`);
  return m[1] as DigestAlgorithm;
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** `sha256:0123456789ab` — enough to tell digests apart in a message. */
export function shortDigest(digest: string): string {
  return digest.slice(0, digest.indexOf(':') + 13);
}

/**
 * A pass-through stream that hashes what flows and fails at the end when the content is not
 * `expected` (or not `size` bytes): the failure reaches whatever consumes the stream (an
 * upload) before that consumer can finish, so the bytes are never committed. Nothing is buffered.
 */
export function verifyingStream(
  expected: string,
  size: number | undefined,
  what: string,
  onFailure: (error: Error) => void = () => undefined,
): TransformStream<Uint8Array, Uint8Array> {
  const hash: Hash = createHash(digestAlgorithm(expected));
  let seen = 0;
  const fail = (controller: TransformStreamDefaultController<Uint8Array>, error: Error) => {
    onFailure(error);
    controller.error(error);
  };
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (size !== undefined && seen > size) {
        fail(controller, new Error(`${what}: more than the ${size} bytes its descriptor says; refused`));
        return;
      }
      hash.update(chunk);
      controller.enqueue(chunk);
    },
    flush(controller) {
      const actual = `${digestAlgorithm(expected)}:${hash.digest('hex')}`;
      if (actual !== expected) fail(controller, new DigestMismatchError(expected, actual, what));
      else if (size !== undefined && seen !== size)
        fail(controller, new Error(`${what}: ${seen} bytes, its descriptor says ${size}; refused`));
    },
  });
}
