import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The reliability and security suite's figures. Each test file writes its part
 * (test-artifacts/reliability/<part>.json); at the end of `npm test` the global teardown
 * (test/reliability/summary.ts) gathers them into test-artifacts/reliability.json and prints them.
 */

export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const PARTS = join(ARTIFACTS, 'reliability');

export interface Part {
  /** One line for the printed summary. */
  summary: string;
  /** Invariants (or cases) checked and how many held. */
  checked: number;
  held: number;
  [figure: string]: unknown;
}

export function writePart(name: string, part: Part): void {
  mkdirSync(PARTS, { recursive: true });
  writeFileSync(join(PARTS, `${name}.json`), `${JSON.stringify(part, null, 2)}\n`);
}

export function writeArtifact(file: string, data: unknown): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, file), `${JSON.stringify(data, null, 2)}\n`);
}

export function clearParts(): void {
  rmSync(PARTS, { recursive: true, force: true });
}

export function readParts(): Record<string, Part> {
  let files: string[] = [];
  try {
    files = readdirSync(PARTS).filter((f) => f.endsWith('.json'));
  } catch {
    return {};
  }
  return Object.fromEntries(
    files
      .sort()
      .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(PARTS, f), 'utf8')) as Part]),
  );
}
