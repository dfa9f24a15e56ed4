import { parseDuration } from '../kit/duration.js';
import { cronSchedule, nextSlots } from '../kit/slots.js';

/**
 * How late a missed slot may still run (the misfire policy). A job's `catchUp` setting wins;
 * otherwise the window follows how often the job runs: a poll every few minutes has nothing to
 * catch up (the next one is near), an hourly job may start up to half an hour late, a daily one
 * six hours, a weekly move a day (a Friday move run at 09:42 beats one run next Friday).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** By the usual gap between slots (README has the same table). */
const CATCH_UP_DEFAULTS: { under: number; window: (interval: number) => number }[] = [
  { under: HOUR, window: () => 0 },
  { under: DAY, window: (interval) => Math.min(interval / 2, 2 * HOUR) },
  { under: 7 * DAY, window: () => 6 * HOUR },
  { under: Infinity, window: () => DAY },
];

/** The median gap between a schedule's next slots: a 23- or 25-hour DST day does not make a daily job hourly. */
function interval(schedule: string, timezone: string, from: number): number {
  const slots = nextSlots(cronSchedule(schedule, timezone), from, 7);
  const gaps = slots.slice(1).map((t, i) => t - slots[i]!);
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? Infinity;
}

export function catchUpMs(
  setting: string | undefined,
  schedule: string,
  timezone: string,
  now = Date.now(),
): number {
  if (schedule === 'manual') return 0;
  if (setting !== undefined) return setting === 'none' ? 0 : (parseDuration(setting) ?? 0);
  const gap = interval(schedule, timezone, now);
  const row = CATCH_UP_DEFAULTS.find((r) => gap < r.under)!;
  return row.window(gap);
}
