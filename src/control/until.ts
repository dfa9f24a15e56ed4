import { UsageError } from '../errors.js';
import { parseDuration } from '../kit/duration.js';
import { instantOf, parseWallTime } from './wall-time.js';

/**
 * `--until`: a duration from now (`2h`, `3d`), a wall-clock time in the bot's time zone
 * (`2026-12-07 09:00`, a bare date meaning its start), or an ISO time with an offset
 * (`2026-12-07T08:00:00Z`).
 */
export function parseUntil(text: string, now: Date, timezone: string): Date {
  const trimmed = text.trim();
  const ms = parseDuration(trimmed);
  if (ms !== undefined) return new Date(now.getTime() + ms);
  let at: number | undefined;
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) && /^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    const parsed = Date.parse(trimmed);
    if (!Number.isNaN(parsed)) at = parsed;
  } else {
    const wall = parseWallTime(trimmed);
    if (wall) at = instantOf(wall.wall, timezone);
  }
  if (at === undefined)
    throw new UsageError(
      `--until ${text}: not a time (use a duration like 2h or 3d, "2026-12-07 09:00" in ${timezone}, or an ISO time with an offset)`,
    );
  if (at <= now.getTime()) throw new UsageError(`--until ${text}: that is not in the future`);
  return new Date(at);
}
