import { ConfigError, errorMessage, LeaseHeldError } from '../../src/errors.js';
import type { JobResult } from '../../src/runner/job.js';
import { foundProblem } from '../../src/runner/verdicts.js';
import { mask } from '../../src/secrets/masker.js';
import type { RunRecord } from '../../src/store/types.js';

/**
 * Exit codes (documented in README):
 *   0  ok / noop / skipped
 *   1  the job failed (or was aborted)
 *   2  usage or configuration error — nothing was written
 *   3  refused: the job is already running elsewhere (lease held) — nothing was written
 *   4  the run completed and found a problem: at least one `alert` verdict (a failed deploy, a
 *      broken ref) — the bot did its job, the world needs a human
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3, alert: 4 } as const;

/** The exit code of a run that ended (no exception): failed, found a problem (an alert verdict), or fine. */
export function exitCodeOfRun(run: RunRecord, result: JobResult | null): number {
  if (run.status === 'failed' || run.status === 'aborted') return EXIT.failed;
  return !run.dryRun && foundProblem(result?.verdicts) ? EXIT.alert : EXIT.ok;
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigError) return EXIT.usage;
  if (error instanceof LeaseHeldError) return EXIT.refused;
  return EXIT.failed;
}

/** Print an error for a human (or as JSON) and return the exit code. */
export function reportError(error: unknown, json = false): number {
  const code = exitCodeFor(error);
  const problems = error instanceof ConfigError ? error.problems.map(mask) : [];
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ error: mask(errorMessage(error)), problems, exitCode: code }, null, 2)}\n`,
    );
    return code;
  }
  const label = error instanceof LeaseHeldError ? 'refused' : 'error';
  process.stderr.write(`${label}: ${mask(errorMessage(error))}\n`);
  const shown = problems.filter((p) => p !== mask(errorMessage(error)));
  for (const p of shown) process.stderr.write(`  - ${p}\n`);
  if (
    code === EXIT.failed &&
    !(error instanceof ConfigError) &&
    process.env.RELEASE_BOT_DEBUG &&
    error instanceof Error
  )
    process.stderr.write(`${mask(error.stack ?? '')}\n`);
  return code;
}
