/**
 * How a gate's samples over the window become a verdict. Health and metrics flap: one bad
 * sample out of twenty is noise, three in a row or a quarter of the window is not.
 *
 * - A sample is `pass`, `fail`, or `unknown` (the monitoring system itself did not answer:
 *   Sentry or Prometheus down says nothing about the deploy).
 * - The gate fails as soon as `failAfterConsecutive` samples in a row failed, or once more than
 *   `maxFailureRatio` of the window's planned samples have failed (it cannot recover from there),
 *   so a broken deploy is caught early instead of after the whole window.
 * - At the end, a gate with more unknown than conclusive samples is `unknown` (not enough
 *   evidence either way); otherwise it passes.
 */

export type SampleOutcome = 'pass' | 'fail' | 'unknown';
export type GateVerdict = 'pass' | 'fail' | 'unknown';

export interface Tolerance {
  failAfterConsecutive: number;
  maxFailureRatio: number;
}

export interface Tally {
  samples: number;
  failures: number;
  unknown: number;
  /** Current run of consecutive failures (unknown samples neither break nor extend it). */
  consecutive: number;
  maxConsecutive: number;
}

export function emptyTally(): Tally {
  return { samples: 0, failures: 0, unknown: 0, consecutive: 0, maxConsecutive: 0 };
}

export function addSample(tally: Tally, outcome: SampleOutcome): Tally {
  const next = { ...tally, samples: tally.samples + 1 };
  if (outcome === 'fail') {
    next.failures++;
    next.consecutive++;
    next.maxConsecutive = Math.max(next.maxConsecutive, next.consecutive);
  } else if (outcome === 'unknown') next.unknown++;
  else next.consecutive = 0;
  return next;
}

/** Failures allowed in a window of `planned` samples before the ratio rule trips. */
export function allowedFailures(tolerance: Tolerance, planned: number): number {
  return Math.floor(tolerance.maxFailureRatio * planned + 1e-9);
}

/** Why the gate has already failed, or null while it still can pass. */
export function failure(tally: Tally, tolerance: Tolerance, planned: number): string | null {
  if (tally.consecutive >= tolerance.failAfterConsecutive)
    return tolerance.failAfterConsecutive === 1
      ? 'failed'
      : `${tally.consecutive} consecutive failures (limit ${tolerance.failAfterConsecutive})`;
  const allowed = allowedFailures(tolerance, planned);
  if (tally.failures > allowed)
    return `${tally.failures} of ${planned} samples failed (at most ${allowed} allowed)`;
  return null;
}

export function verdict(
  tally: Tally,
  tolerance: Tolerance,
  planned: number,
): { verdict: GateVerdict; reason: string } {
  const failed = failure(tally, tolerance, planned);
  if (failed) return { verdict: 'fail', reason: failed };
  const conclusive = tally.samples - tally.unknown;
  if (tally.samples === 0 || tally.unknown > conclusive)
    return {
      verdict: 'unknown',
      reason: `${tally.unknown} of ${tally.samples} samples could not be taken`,
    };
  const passed = conclusive - tally.failures;
  const tolerated = tally.failures ? `, ${tally.failures} failed (tolerated)` : '';
  const skipped = tally.unknown ? `, ${tally.unknown} could not be taken` : '';
  return { verdict: 'pass', reason: `${passed} of ${tally.samples} samples passed${tolerated}${skipped}` };
}

/** The deployment's verdict from its gates: any fail fails; any unknown leaves it inconclusive. */
export function overall(verdicts: GateVerdict[]): GateVerdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('unknown')) return 'unknown';
  return 'pass';
}
