import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedAnswer } from '../../../packages/forge-sandbox/src/core/answer-recorder.js';

/**
 * Where the simulator writes its answer samples during `npm test` (see docs/dev/conformance.md):
 * one directory per run, so runs side by side on one checkout neither clear nor read each
 * other's samples.
 */
const ROOT = fileURLToPath(new URL('../../../test-artifacts/conformance/', import.meta.url));

export function runDir(): string {
  return join(ROOT, 'answers', `run-${process.pid}-${Date.now()}`);
}

export function removeAnswers(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every sampled answer of one forge in a run's directory, from all its test processes. */
export function readAnswers(dir: string, forge: 'github' | 'gitlab'): RecordedAnswer[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${forge}-`) && f.endsWith('.jsonl'))
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as RecordedAnswer),
    );
}

/** test-artifacts/conformance/<name>.json */
export function writeReport(name: string, data: unknown): string {
  mkdirSync(ROOT, { recursive: true });
  const file = join(ROOT, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
