import { createHash } from 'node:crypto';
import type { PackageFile } from '../../src/forges/types.js';

/** sha256 helpers over web streams: nothing is held whole in memory. */

export const CHECKSUM_SUFFIX = '.sha256';
const MAX_CHECKSUM_FILE = 64 * 1024;

export async function hashStream(
  stream: ReadableStream<Uint8Array>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      size += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return { sha256: hash.digest('hex'), size };
}

/** A small text file (a `.sha256` next to a package), refusing anything suspiciously large. */
export async function readSmallText(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_CHECKSUM_FILE) {
        await reader.cancel();
        throw new Error(`checksum file larger than ${MAX_CHECKSUM_FILE} bytes`);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The digest in a `sha256sum`-style file: `<hex>  <name>` lines or a bare digest. With several
 * lines, the one naming `fileName` wins.
 */
export function parseChecksumFile(text: string, fileName: string): string | null {
  const entries = text
    .split(/\r?\n/)
    .map((line) => /^([0-9a-f]{64})(?:\s+\*?(.+?))?\s*$/i.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ digest: m[1]!.toLowerCase(), name: m[2] }));
  const named = entries.find((e) => e.name === fileName);
  return named?.digest ?? entries[0]?.digest ?? null;
}

/** One file per name: the newest upload (a registry allowing duplicates serves the newest). */
export function filesByName(files: PackageFile[]): Map<string, PackageFile> {
  const byName = new Map<string, PackageFile>();
  for (const f of [...files].sort((a, b) => a.id - b.id)) byName.set(f.fileName, f);
  return byName;
}

export function shortDigest(sha256: string | null): string {
  return sha256 ? sha256.slice(0, 12) : 'unknown';
}
