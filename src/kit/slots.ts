import { CronExpressionParser } from 'cron-parser';

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
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const schedules = new Map<string, CronSchedule>();

/** A parsed schedule (throws on an expression cron-parser rejects). */
export function cronSchedule(expression: string, timezone: string): CronSchedule {
  const key = `${timezone} ${expression}`;
  let s = schedules.get(key);
  if (!s) {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
    const fields = expression.trim().split(/\s+/);
    const timeFields = fields.length === 6 ? fields.slice(0, 3) : fields.slice(0, 2);
    s = { expression, timezone, followsRealTime: timeFields.some((f) => f.startsWith('*')) };
    schedules.set(key, s);
  }
  return s;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms (wall clock minus UTC). */
export function offsetAt(instant: number, timezone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timezone).formatToParts(new Date(instant)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
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

/** Wall-clock matches of the expression in [from, to] (zone-less ms). */
function wallMatches(expression: string, from: number, to: number): number[] {
  const it = CronExpressionParser.parse(expression, {
    tz: 'UTC',
    currentDate: new Date(from - 1),
    endDate: new Date(to),
  });
  const out: number[] = [];
  while (it.hasNext()) out.push(it.next().getTime());
  return out;
}

/** The slots in (from, to], oldest first. */
export function slotsBetween(s: CronSchedule, from: number, to: number): number[] {
  if (to <= from) return [];
  const oFrom = offsetAt(from, s.timezone);
  const oTo = offsetAt(to, s.timezone);
  // A short range holds at most one offset change, so its ends bound the wall times; a long
  // one may hold a whole summer, so take every offset there is (UTC-12 to UTC+14).
  const short = to - from <= 6 * HOUR;
  const wallFrom = short ? from + Math.min(oFrom, oTo) : from - 14 * HOUR;
  const wallTo = short ? to + Math.max(oFrom, oTo) : to + 14 * HOUR;
  const out = new Set<number>();
  for (const wall of wallMatches(s.expression, wallFrom, wallTo)) {
    const p = place(wall, s.timezone);
    if (p.kind === 'skipped') {
      if (!s.followsRealTime) out.add(p.jump);
    } else if (p.kind === 'repeated' && !s.followsRealTime) out.add(p.at[0]!);
    else for (const t of p.at) out.add(t);
  }
  return [...out].filter((t) => t > from && t <= to).sort((a, b) => a - b);
}

/** The next `count` slots after an instant (fewer only if the schedule is that rare). */
export function nextSlots(s: CronSchedule, after: number, count: number): number[] {
  for (let span = 60_000; ; span *= 4) {
    const found = slotsBetween(s, after, after + span);
    if (found.length >= count || span > 5 * 365 * DAY) return found.slice(0, count);
  }
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
