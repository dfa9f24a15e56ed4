import type { RunCoordinator } from 'node-cron';
import type { Store } from '../store/types.js';

/**
 * node-cron asks the coordinator before each scheduled slot; the key is `<job>:<slot ISO>`. The
 * slot comes from the cron expression, not the wall clock, so replicas whose clocks differ by
 * a few seconds compute the same key and the store lets exactly one of them claim it.
 */
export function createStoreCoordinator(store: Store, holder: string): RunCoordinator {
  return {
    shouldRun: (key) => store.claimSlot(key, holder),
  };
}
