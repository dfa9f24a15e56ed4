import { offsetAt } from '../kit/slots.js';

/**
 * Wall-clock times people type (`2026-12-24`, `2026-12-24 18:00`) placed on the real time line in
 * a time zone. A wall time skipped by a DST jump lands just after the jump; a repeated one at
 * its first occurrence (the earlier instant), so a freeze never starts late.
 */

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

export interface WallTime {
  /** ms in a zone-less calendar. */
  wall: number;
  /** Only a date was given (no time of day). */
  dateOnly: boolean;
}

export function parseWallTime(text: string): WallTime | undefined {
  const m = WALL.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const wall = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
  );
  const check = new Date(wall);
  // Date.UTC rolls 2026-02-30 over to March: refuse instead.
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return undefined;
  if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 59) return undefined;
  return { wall, dateOnly: h === undefined };
}

/** The instant a wall-clock time stands for in `timezone`. */
export function instantOf(wall: number, timezone: string): number {
  const candidates = [
    wall - offsetAt(wall - 86_400_000, timezone),
    wall - offsetAt(wall + 86_400_000, timezone),
  ];
  const exact = candidates.filter((t) => t + offsetAt(t, timezone) === wall).sort((a, b) => a - b);
  if (exact.length > 0) return exact[0]!;
  // Skipped by a jump: the later offset's reading is the first instant after the gap.
  return Math.max(...candidates);
}
