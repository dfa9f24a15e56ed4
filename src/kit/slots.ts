import { CronExpressionParser } from 'cron-parser';
import { zonedFormatter } from './zoned-formatter.js';

/**
 * When a cron schedule fires, as instants (UTC), with cronie's daylight-saving rules. This is
 * the one computation behind the scheduler, `list`, the status page and its JSON API.
 *
 * A slot is first a wall-clock time in the job's zone (cron-parser matches the fields in a
 * zone-less calendar, so its own DST handling never applies); each wall time is then placed on
 * the real time line:
 * - it exists once: that instant;
 * - it is skipped (spring forward): a fixed-time job runs at the jump, once however many of its
 *   times fall in the gap; a job that follows real time (see below) does not run;
 * - it is repeated (fall back): a fixed-time job runs at the first occurrence only; a job that
 *   follows real time runs at both.
 * Like cronie, a job "follows real time" when its second, minute or hour field starts with `*`
 * (`15 * * * *`, `*\/20 2 * * *`): it means "every so often", so every real hour counts once.
 * Neither croner 10 nor cron-parser 5 does this on their own (tested: croner drops the second
 * 02:15 of a repeated hour, cron-parser runs a skipped 02:30 at 03:30 and loses Lord Howe's
 * skipped half hour), hence this module.
 */

export interface CronSchedule {
  expression: string;
  timezone: string;
  followsRealTime: boolean;
  /** The matching values of each field, from cron-parser (ascending). */
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Cron's rule: when both day fields are restricted, a day matching either one counts. */
  dayOr: boolean;
  domAny: boolean;
  dowAny: boolean;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const schedules = new Map<string, CronSchedule>();

function numbers(values: readonly (number | string)[], field: string): number[] {
  return values.map((v) => {
    if (typeof v !== 'number') throw new Error(`${field}: "${v}" is not supported`);
    return v;
  });
}

/** A parsed schedule (throws on an expression cron-parser rejects or that uses L or #). */
export function cronSchedule(expression: string, timezone: string): CronSchedule {
  const key = `${timezone} ${expression}`;
  let s = schedules.get(key);
  if (!s) {
    const { fields } = CronExpressionParser.parse(expression, { tz: 'UTC' });
    const text = expression.trim().split(/\s+/);
    const timeFields = text.length === 6 ? text.slice(0, 3) : text.slice(0, 2);
    const domAny = fields.dayOfMonth.isWildcard;
    const dowAny = fields.dayOfWeek.isWildcard;
    s = {
      expression,
      timezone,
      followsRealTime: timeFields.some((f) => f.startsWith('*')),
      seconds: numbers(fields.second.values, 'second'),
      minutes: numbers(fields.minute.values, 'minute'),
      hours: numbers(fields.hour.values, 'hour'),
      daysOfMonth: new Set(numbers(fields.dayOfMonth.values, 'day of month')),
      months: new Set(numbers(fields.month.values, 'month')),
      daysOfWeek: new Set(numbers(fields.dayOfWeek.values, 'day of week').map((d) => d % 7)),
      dayOr: !domAny && !dowAny,
      domAny,
      dowAny,
    };
    schedules.set(key, s);
  }
  return s;
}

function dayMatches(s: CronSchedule, day: Date): boolean {
  if (!s.months.has(day.getUTCMonth() + 1)) return false;
  const dom = s.daysOfMonth.has(day.getUTCDate());
  const dow = s.daysOfWeek.has(day.getUTCDay());
  if (s.dayOr) return dom || dow;
  return (s.domAny || dom) && (s.dowAny || dow);
}

/** Wall-clock matches (ms in a zone-less calendar) from `from` on, ascending. */
function* wallTimes(s: CronSchedule, from: number): Generator<number> {
  for (let day = Math.floor(from / DAY) * DAY; ; day += DAY) {
    if (!dayMatches(s, new Date(day))) {
      yield -day; // a marker: nothing on this day, but the walk got this far
      continue;
    }
    for (const h of s.hours) {
      const hour = day + h * HOUR;
      if (hour + HOUR <= from) continue;
      for (const m of s.minutes) {
        const minute = hour + m * 60_000;
        if (minute + 60_000 <= from) continue;
        for (const sec of s.seconds) {
          const t = minute + sec * 1000;
          if (t >= from) yield t;
        }
      }
    }
  }
}

function rawOffset(instant: number, timezone: string): number {
  const p: Record<string, number> = {};
  for (const part of zonedFormatter(timezone).formatToParts(new Date(instant)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

// An offset that is the same at both ends of a six-hour span held all through it (zones change
// offset months apart), so Intl is asked twice per span instead of on every call; a span with a
// change in it asks Intl for each instant.
const SPAN = 6 * 3_600_000;
const spans = new Map<string, number | null>();

/** The zone's offset from UTC at an instant, in ms (wall clock minus UTC). */
export function offsetAt(instant: number, timezone: string): number {
  const start = Math.floor(instant / SPAN) * SPAN;
  const key = `${timezone} ${start}`;
  let steady = spans.get(key);
  if (steady === undefined) {
    const first = rawOffset(start, timezone);
    steady = rawOffset(start + SPAN - 1000, timezone) === first ? first : null;
    if (spans.size > 100_000) spans.clear();
    spans.set(key, steady);
  }
  return steady ?? rawOffset(instant, timezone);
}

type Placement = { kind: 'once' | 'repeated'; at: number[] } | { kind: 'skipped'; jump: number };

// Wall times are placed again on every tick; the answer never changes, so keep recent ones.
const placements = new Map<string, Placement>();

/** Where a wall-clock time (ms in a zone-less calendar) falls on the real time line. */
function place(wall: number, timezone: string): Placement {
  const key = `${timezone} ${wall}`;
  const known = placements.get(key);
  if (known) return known;
  const before = offsetAt(wall - DAY, timezone);
  const after = offsetAt(wall + DAY, timezone);
  const at = [...new Set([wall - before, wall - after])]
    .filter((t) => offsetAt(t, timezone) === wall - t)
    .sort((a, b) => a - b);
  let placement: Placement;
  if (at.length > 0) placement = { kind: at.length > 1 ? 'repeated' : 'once', at };
  else {
    // Skipped: the jump lies between the two readings; find its second.
    let lo = wall - after;
    let hi = wall - before;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetAt(mid, timezone) === after) hi = mid;
      else lo = mid;
    }
    placement = { kind: 'skipped', jump: hi };
  }
  if (placements.size > 100_000) placements.clear();
  placements.set(key, placement);
  return placement;
}

/** The instants a wall-clock match stands for under the job's DST rules. */
function instantsOf(s: CronSchedule, wall: number): number[] {
  const p = place(wall, s.timezone);
  if (p.kind === 'skipped') return s.followsRealTime ? [] : [p.jump];
  if (p.kind === 'repeated' && !s.followsRealTime) return [p.at[0]!];
  return p.at;
}

/**
 * Slots after `from`, oldest first, until `enough` says stop (asked after each wall-clock match
 * with the slots so far, sorted, and how far the walk is). An instant's wall time is the instant
 * plus the offset around it (a skipped one lies between the offsets before and after the jump),
 * so the walk starts at the smallest offset near `from` (one change at most within 3 hours).
 */
function walk(s: CronSchedule, from: number, enough: (found: number[], wall: number) => boolean): number[] {
  const found: number[] = [];
  const limit = from + 5 * 366 * DAY;
  const start = from + Math.min(offsetAt(from, s.timezone), offsetAt(from + 3 * HOUR, s.timezone));
  for (const yielded of wallTimes(s, start)) {
    const wall = Math.abs(yielded);
    if (yielded >= 0)
      for (const t of instantsOf(s, wall)) {
        if (t <= from || found.includes(t)) continue;
        found.push(t);
        // Nearly always appended in order; a repeated hour can put one back.
        for (let i = found.length - 1; i > 0 && found[i - 1]! > found[i]!; i--)
          [found[i - 1], found[i]] = [found[i]!, found[i - 1]!];
      }
    if (enough(found, wall) || wall > limit) return found;
  }
  return found;
}

/** Past this wall time, a walk finds no more instants up to `t` (largest offset near `t`). */
function settled(s: CronSchedule, t: number): number {
  return t + Math.max(offsetAt(t, s.timezone), offsetAt(t - 3 * HOUR, s.timezone));
}

/** The slots in (from, to], oldest first. */
export function slotsBetween(s: CronSchedule, from: number, to: number): number[] {
  if (to <= from) return [];
  const end = settled(s, to);
  return walk(s, from, (_, wall) => wall > end).filter((t) => t <= to);
}

/** The next `count` slots after an instant (fewer only if the schedule is that rare). */
export function nextSlots(s: CronSchedule, after: number, count: number): number[] {
  // A repeated hour may still slip a slot in before the count-th one: ask again each step.
  return walk(s, after, (found, wall) => found.length >= count && wall > settled(s, found[count - 1]!)).slice(
    0,
    count,
  );
}

/** The newest slot in (after, atOrBefore], if any. */
export function latestSlot(s: CronSchedule, atOrBefore: number, after: number): number | undefined {
  for (let span = 60_000; ; span *= 4) {
    const from = Math.max(after, atOrBefore - span);
    const found = slotsBetween(s, from, atOrBefore);
    if (found.length > 0) return found[found.length - 1];
    if (from <= after) return undefined;
  }
}
