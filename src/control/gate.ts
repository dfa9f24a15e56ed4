import type { Config } from '../config/schema.js';
import type { JobResult } from '../runner/job.js';
import { timeIn } from '../kit/time.js';
import type { Store } from '../store/types.js';
import { activeFreeze, type ActiveFreeze } from './freezes.js';
import { activePause, describePause, type ActivePause } from './pauses.js';

/**
 * What the runner asks before a run: is the job paused (the run is recorded as skipped and the
 * job does not run) or frozen (the job runs without its writes, like a dry run, and is recorded
 * as `skipped (frozen: reason)` with the plan it would have carried out). A dry run is neither:
 * it writes nothing anyway.
 */

export interface ControlVerdict {
  pause: ActivePause | null;
  freeze: ActiveFreeze | null;
}

export async function controlVerdict(input: {
  store: Store;
  config: Config;
  job: string;
  now: Date;
  dryRun: boolean;
}): Promise<ControlVerdict> {
  if (input.dryRun) return { pause: null, freeze: null };
  const pause = await activePause(input.store, input.job, input.now);
  if (pause) return { pause, freeze: null };
  return {
    pause: null,
    freeze: activeFreeze(input.config.freezes, input.job, input.now, input.config.timezone),
  };
}

export function pausedSummary(pause: ActivePause, timezone: string): string {
  return `skipped (${describePause(pause, (iso) => timeIn(iso, timezone).slice(0, -3))})`;
}

export function frozenSummary(freeze: ActiveFreeze, timezone: string): string {
  return `skipped (frozen: ${freeze.reason}; freeze ${freeze.name} until ${timeIn(freeze.until, timezone).slice(0, -3)})`;
}

/** The result of a job that ran frozen: its plan, nothing done, marked skipped. */
export function frozenResult(result: JobResult, freeze: ActiveFreeze, timezone: string): JobResult {
  if (result.status === 'failed') return result;
  // The run wrote nothing, so it cannot say what waits for a human: the previous list stands.
  const { pending: _pending, ...details } = result.details ?? {};
  return {
    ...result,
    status: 'skipped',
    summary: `${frozenSummary(freeze, timezone)}; would have: ${result.summary}`,
    actions: result.actions.map((a) => ({ ...a, done: false })),
    details: { ...details, frozen: freeze },
  };
}
