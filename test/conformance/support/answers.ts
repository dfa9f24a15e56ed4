import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedAnswer } from '../../../src/sandbox/core/answer-recorder.js';

/** Where the simulator writes its answer samples during `npm test` (see docs/dev/conformance.md). */
export const ANSWERS_DIR = fileURLToPath(
  new URL('../../../test-artifacts/conformance/answers/', import.meta.url),
);
export const REPORT = fileURLToPath(
  new URL('../../../test-artifacts/conformance/violations.json', import.meta.url),
);

export function clearAnswers(): void {
  rmSync(ANSWERS_DIR, { recursive: true, force: true });
}

/** Every sampled answer of one forge, from all test processes. */
export function readAnswers(forge: 'github' | 'gitlab'): RecordedAnswer[] {
  if (!existsSync(ANSWERS_DIR)) return [];
  return readdirSync(ANSWERS_DIR)
    .filter((f) => f.startsWith(`${forge}-`) && f.endsWith('.jsonl'))
    .flatMap((f) =>
      readFileSync(join(ANSWERS_DIR, f), 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as RecordedAnswer),
    );
}
