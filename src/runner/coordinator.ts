import type { RunCoordinator } from 'node-cron';
import type { Store } from '../store/types.js';

/**
 * node-cron asks the coordinator before each scheduled slot; the key is `<job>:<slot ISO>`. The
 * slot comes from the cron expression, not the wall clock, so replicas whose clocks differ by
 * a few seconds compute the same key and the store lets exactly one of them claim it.
 *
 * `active` is asked first: a replica that is shutting down must not claim a slot it will not
 * run, or a rolling restart would lose that slot instead of leaving it to another replica.
 */
export function createStoreCoordinator(
  store: Store,
  holder: string,
  active: () => boolean = () => true,
): RunCoordinator {
  return {
    shouldRun: async (key) => active() && store.claimSlot(key, holder),
  };
}

/** The store key of a job's slot: the scheduled time in UTC, the same on every replica. */
export function slotKey(job: string, slotIso: string): string {
  return `${job}:${slotIso}`;
}
