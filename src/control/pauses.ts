import type { Store } from '../store/types.js';

/**
 * Pauses: `release-bot pause <job> --until … --reason …` (CLI or Slack) stops a job's real runs,
 * scheduled or by hand, until it is resumed or the time passes; each is recorded as skipped with
 * the reason. Dry runs still run: looking changes nothing. Kept in the store, so every replica
 * and every one-shot process sees the same pause, and it survives restarts.
 */

export const PAUSE = 'pause';

export interface Pause {
  /** ISO; null: until resumed. */
  until: string | null;
  reason: string;
  by: string;
  via: 'cli' | 'slack';
  /** ISO time it was set. */
  at: string;
}

export interface ActivePause extends Pause {
  job: string;
}

export async function pauseJob(store: Store, job: string, pause: Pause): Promise<void> {
  await store.putControl(PAUSE, job, pause);
}

/** False when the job was not paused (or its pause had run out). */
export async function resumeJob(store: Store, job: string, now: Date): Promise<boolean> {
  const active = await activePause(store, job, now);
  const removed = await store.deleteControl(PAUSE, job);
  return removed && active !== null;
}

function current(pause: Pause, now: Date): boolean {
  return pause.until === null || Date.parse(pause.until) > now.getTime();
}

export async function activePause(store: Store, job: string, now: Date): Promise<ActivePause | null> {
  const entry = await store.getControl<Pause>(PAUSE, job);
  if (!entry || !current(entry.value, now)) return null;
  return { ...entry.value, job };
}

export async function activePauses(store: Store, now: Date): Promise<ActivePause[]> {
  const entries = await store.listControls<Pause>(PAUSE);
  return entries.filter((e) => current(e.value, now)).map((e) => ({ ...e.value, job: e.subject }));
}

/** `paused until Mon 2026-12-07 09:00 by alice: deploy freeze`. */
export function describePause(pause: Pause, readable: (iso: string) => string): string {
  return `paused ${pause.until ? `until ${readable(pause.until)}` : 'until resumed'} by ${pause.by}: ${pause.reason}`;
}
