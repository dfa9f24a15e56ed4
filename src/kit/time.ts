import { cronSchedule, nextSlots } from './slots.js';
import { zonedFormatter } from './zoned-formatter.js';

/** Times as people read them, in a job's time zone; a schedule's next runs. */

// The page shows the same 50 runs per job on every request, and formatToParts is the costliest
// step of rendering them: remember recent results (a pure function of its arguments).
const formatted = new Map<string, string>();
const FORMATTED_MAX = 20_000;

/** `Mon 2025-01-06 14:00:05` in the zone; the ISO text if it does not parse. */
export function timeIn(iso: string, timezone: string): string {
  const key = `${timezone} ${iso}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts: Record<string, string> = {};
  for (const p of zonedFormatter(timezone).formatToParts(date)) parts[p.type] = p.value;
  const text = `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  if (formatted.size >= FORMATTED_MAX) formatted.clear();
  formatted.set(key, text);
  return text;
}

/**
 * The next `count` times a cron schedule fires in its time zone after `from` (none for
 * `manual`): kit/slots.ts, the computation the scheduler fires by, DST rules included.
 */
export function nextRuns(schedule: string, timezone: string, count = 3, from: Date = new Date()): Date[] {
  if (schedule === 'manual') return [];
  return nextSlots(cronSchedule(schedule, timezone), from.getTime(), count).map((t) => new Date(t));
}
