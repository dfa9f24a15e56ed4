import { parseDuration } from '../kit/duration.js';
import { cronSchedule, latestSlot, nextSlots } from '../kit/slots.js';
import type { Freeze } from './freeze-schema.js';
import { instantOf, parseWallTime } from './wall-time.js';

/**
 * Which freeze holds a job at an instant. Date ranges are wall-clock in the freeze's zone;
 * recurring windows start at each slot of their schedule (kit/slots.ts: the scheduler's own DST
 * rules) and last `duration`.
 */

export interface ActiveFreeze {
  name: string;
  reason: string;
  /** ISO: when this window started and ends. */
  since: string;
  until: string;
}

const DAY = 86_400_000;

function appliesTo(freeze: Freeze, job: string): boolean {
  return !freeze.jobs || freeze.jobs.includes(job);
}

/** The window of `freeze` that contains `at`, if any. */
export function windowAt(freeze: Freeze, at: number, defaultZone: string): [number, number] | undefined {
  const tz = freeze.timezone ?? defaultZone;
  if (freeze.from && freeze.to) {
    const from = parseWallTime(freeze.from)!;
    const to = parseWallTime(freeze.to)!;
    const start = instantOf(from.wall, tz);
    const end = instantOf(to.wall + (to.dateOnly ? DAY : 0), tz);
    return at >= start && at < end ? [start, end] : undefined;
  }
  const length = parseDuration(freeze.duration!)!;
  const slot = latestSlot(cronSchedule(freeze.schedule!, tz), at, at - length);
  return slot === undefined ? undefined : [slot, slot + length];
}

/** The freeze holding `job` at `at`: the one that lasts longest when several do. */
export function activeFreeze(
  freezes: Freeze[] | undefined,
  job: string,
  at: Date,
  defaultZone: string,
): ActiveFreeze | null {
  let found: ActiveFreeze | null = null;
  for (const freeze of freezes ?? []) {
    if (!appliesTo(freeze, job)) continue;
    const window = windowAt(freeze, at.getTime(), defaultZone);
    if (!window) continue;
    if (!found || window[1] > Date.parse(found.until))
      found = {
        name: freeze.name,
        reason: freeze.reason,
        since: new Date(window[0]).toISOString(),
        until: new Date(window[1]).toISOString(),
      };
  }
  return found;
}

export interface FreezeView {
  name: string;
  reason: string;
  jobs: string[] | 'all';
  /** The window in force now, or the next one (within a year); null when none is left. */
  window: { since: string; until: string; active: boolean } | null;
}

/** Every configured freeze with its current or next window, for the status page and `controls`. */
export function freezeViews(freezes: Freeze[] | undefined, at: Date, defaultZone: string): FreezeView[] {
  const now = at.getTime();
  return (freezes ?? []).map((freeze) => {
    const view: FreezeView = {
      name: freeze.name,
      reason: freeze.reason,
      jobs: freeze.jobs ?? 'all',
      window: null,
    };
    const current = windowAt(freeze, now, defaultZone);
    const iso = (t: number) => new Date(t).toISOString();
    if (current) view.window = { since: iso(current[0]), until: iso(current[1]), active: true };
    else if (freeze.from && freeze.to) {
      const tz = freeze.timezone ?? defaultZone;
      const start = instantOf(parseWallTime(freeze.from)!.wall, tz);
      const to = parseWallTime(freeze.to)!;
      const end = instantOf(to.wall + (to.dateOnly ? DAY : 0), tz);
      if (start > now) view.window = { since: iso(start), until: iso(end), active: false };
    } else {
      const next = nextSlots(cronSchedule(freeze.schedule!, freeze.timezone ?? defaultZone), now, 1)[0];
      const length = parseDuration(freeze.duration!)!;
      if (next !== undefined && next - now < 366 * DAY)
        view.window = { since: iso(next), until: iso(next + length), active: false };
    }
    return view;
  });
}
