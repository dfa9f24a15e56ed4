import type { Store } from '../store/types.js';

/**
 * Holds: "not this version" for a component of update-component. A hold keeps the component at
 * the version its consuming repo has until a green commit newer than the held one appears; then
 * it ends by itself. Set by hand (`release-bot hold <component> [--sha] --reason`, CLI or Slack)
 * or by the job when a person closes the bot's own bump MR without merging it (`onClose: hold`).
 * Kept in the store, so it survives restarts; `release-bot release <component>` ends it early.
 */

export const HOLD = 'hold';
/** A closed MR a person released: it no longer holds (the job opens a fresh MR at the same commit). */
export const HOLD_RELEASED = 'hold-released';

export interface Hold {
  /** The commit not to move to (and nothing older); null: whatever is the latest green when the job next looks. */
  sha: string | null;
  reason: string;
  by: string;
  via: 'cli' | 'slack' | 'job';
  at: string;
  /** Set when the hold came from a closed bump MR. */
  mr?: { iid: number; url: string };
}

export interface ActiveHold extends Hold {
  component: string;
}

export async function holdComponent(store: Store, component: string, hold: Hold): Promise<void> {
  await store.putControl(HOLD, component, hold);
}

export async function getHold(store: Store, component: string): Promise<ActiveHold | null> {
  const entry = await store.getControl<Hold>(HOLD, component);
  return entry ? { ...entry.value, component } : null;
}

/**
 * Ends a hold. A hold from a closed MR is remembered as released, so the job does not take the
 * same closed MR for a new hold on its next run.
 */
export async function releaseComponent(store: Store, component: string): Promise<ActiveHold | null> {
  const hold = await getHold(store, component);
  if (!hold) return null;
  if (hold.mr) await store.putControl(HOLD_RELEASED, component, { iid: hold.mr.iid, sha: hold.sha });
  await store.deleteControl(HOLD, component);
  return hold;
}

/** Whether a person released the hold the closed MR `iid` made. */
export async function releasedMr(store: Store, component: string, iid: number): Promise<boolean> {
  const entry = await store.getControl<{ iid: number }>(HOLD_RELEASED, component);
  return entry?.value.iid === iid;
}

/** The job saw a newer green commit: the hold is over. */
export async function endHold(store: Store, component: string): Promise<void> {
  await store.deleteControl(HOLD, component);
}

export async function listHolds(store: Store): Promise<ActiveHold[]> {
  const entries = await store.listControls<Hold>(HOLD);
  return entries.map((e) => ({ ...e.value, component: e.subject }));
}

export function describeHold(hold: Hold): string {
  const at = hold.sha ? ` at ${hold.sha.slice(0, 11)}` : '';
  const origin = hold.mr ? `MR !${hold.mr.iid} was closed without merging` : `held by ${hold.by}`;
  return `held${at} (${origin}: ${hold.reason}) until a newer green commit appears`;
}
