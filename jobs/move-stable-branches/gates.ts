import type { JobContext } from '../../src/runner/job.js';
import { ciGate } from './ci-gate.js';
import type { GateResult } from './gate.js';
import { healthGate } from './health-gate.js';
import type { Options } from './options.js';
import { sentryGate } from './sentry-gate.js';

/**
 * The stage gates: does stage work well enough to ship what it runs? Every configured gate is
 * evaluated (even after one fails) so the report shows all the evidence at once.
 */

export type { Evidence, GateResult } from './gate.js';

export async function runGates(ctx: JobContext, options: Options): Promise<GateResult[]> {
  const { ci, sentry, health } = options.validation;
  const gates: Promise<GateResult>[] = [];
  if (ci) gates.push(ciGate(ctx, ci, options.forge));
  if (sentry) gates.push(sentryGate(ctx, sentry));
  if (health.length > 0) gates.push(healthGate(ctx, health));
  return Promise.all(gates);
}

/** A stable identity of what fails, for "alert once per failure". */
export function failureSignature(gates: GateResult[]): string {
  return gates
    .filter((g) => !g.ok)
    .map(
      (g) =>
        `${g.gate}[${g.evidence
          .filter((e) => !e.ok)
          .map((e) => e.key)
          .join(',')}]`,
    )
    .join(';');
}
