import { createHash } from 'node:crypto';
import type { Forge, PackageFile } from '../../src/forges/types.js';
import { shortDigest } from './checksum.js';
import { RefusalError } from './refusal.js';

/**
 * One file from staging to public in a single pass: the download stream is hashed as it is
 * piped into the upload, so memory stays at a few chunks whatever the file size.
 *
 * The last chunk is held back until the whole file has been hashed. When the digest (or the
 * size) is not what staging promised, the upload body errors instead of delivering that last
 * chunk, so the public registry never receives `Content-Length` bytes and cannot store the file:
 * a corrupt file is refused without ever being published, and without a temporary copy.
 */

export interface Endpoint {
  forge: Forge;
  project: string;
}

export interface TransferInput {
  from: Endpoint;
  to: Endpoint;
  name: string;
  version: string;
  fileName: string;
  /** Size staging reports; the upload announces it as Content-Length. */
  size: number;
  /** What the bytes must hash to (staging's checksum); null: hashed in transit only. */
  expectedSha256: string | null;
}

export interface TransferResult {
  sha256: string;
  size: number;
  uploaded: PackageFile;
}

export async function transferFile(input: TransferInput): Promise<TransferResult> {
  const { from, to, name, version, fileName, size, expectedSha256 } = input;
  const source = await from.forge.packages.download(from.project, name, version, fileName);
  const reader = source.getReader();
  const hash = createHash('sha256');
  let seen = 0;
  let held: Uint8Array | undefined;
  let digest: string | undefined;
  let refusal: RefusalError | undefined;

  const refuse = (controller: ReadableStreamDefaultController<Uint8Array>, message: string) => {
    refusal = new RefusalError(message);
    controller.error(refusal);
    void reader.cancel(refusal).catch(() => undefined);
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            const actual = hash.digest('hex');
            if (seen !== size)
              return refuse(
                controller,
                `${fileName}: staging sent ${seen} bytes, its registry lists ${size}; not publishing`,
              );
            if (expectedSha256 && actual !== expectedSha256)
              return refuse(
                controller,
                `${fileName}: checksum mismatch in staging (sha256 of the bytes ${shortDigest(actual)}…, staging says ${shortDigest(expectedSha256)}…); not publishing`,
              );
            digest = actual;
            if (held) controller.enqueue(held);
            controller.close();
            return;
          }
          hash.update(value);
          seen += value.byteLength;
          if (seen > size)
            return refuse(
              controller,
              `${fileName}: staging sent more than the ${size} bytes its registry lists; not publishing`,
            );
          const previous = held;
          held = value;
          if (previous) {
            controller.enqueue(previous);
            return;
          }
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    // Pull only when the upload asks for more: backpressure all the way to the download socket.
    { highWaterMark: 0 },
  );

  try {
    const uploaded = await to.forge.packages.upload(to.project, name, version, fileName, body, size);
    if (refusal) throw refusal;
    if (!digest) throw new Error(`${fileName}: the upload finished before the whole file was read`);
    return { sha256: digest, size: seen, uploaded };
  } catch (error) {
    // The refusal surfaces from fetch as a network error wrapping it; report the refusal itself.
    throw refusal ?? error;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
