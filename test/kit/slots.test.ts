import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateConfig } from '../../src/config/load.js';
import { buildConfigSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { cronSchedule, latestSlot, nextSlots, slotsBetween } from '../../src/kit/slots.js';
import { defineJob } from '../../src/runner/job.js';
import { catchUpMs } from '../../src/runner/misfire.js';

/** The README's DST and misfire tables, row by row. */

const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString().slice(0, 16));
const at = (text: string) => Date.parse(text);

describe('slots on daylight-saving days (README table)', () => {
  it('a fixed time in a skipped hour runs right after the jump, once', () => {
    // Prague, 29 Mar 2026: 02:00 CET becomes 03:00 CEST (01:00 UTC).
    expect(iso(nextSlots(cronSchedule('30 2 * * *', 'Europe/Prague'), at('2026-03-28T12:00Z'), 2))).toEqual([
      '2026-03-29T01:00',
      '2026-03-30T00:30',
    ]);
    // Three fixed times in the gap still make one run.
    expect(
      iso(
        slotsBetween(
          cronSchedule('0,20,40 2 * * *', 'Europe/Prague'),
          at('2026-03-28T12:00Z'),
          at('2026-03-29T12:00Z'),
        ),
      ),
    ).toEqual(['2026-03-29T01:00']);
    // Lord Howe, 4 Oct 2026: 02:00 +10:30 becomes 02:30 +11 (15:30 UTC), a half-hour gap.
    expect(
      iso(nextSlots(cronSchedule('15 2 * * *', 'Australia/Lord_Howe'), at('2026-10-03T00:00Z'), 1)),
    ).toEqual(['2026-10-03T15:30']);
  });

  it('a fixed time in a repeated hour runs once, at its first occurrence', () => {
    expect(iso(nextSlots(cronSchedule('30 2 * * *', 'Europe/Prague'), at('2026-10-24T12:00Z'), 2))).toEqual([
      '2026-10-25T00:30', // 02:30 CEST; 02:30 CET (01:30 UTC) does not run again
      '2026-10-26T01:30',
    ]);
    expect(
      iso(nextSlots(cronSchedule('45 1 * * *', 'America/New_York'), at('2026-10-31T12:00Z'), 2)),
    ).toEqual([
      '2026-11-01T05:45', // 01:45 EDT
      '2026-11-02T06:45',
    ]);
  });

  it('a wildcard or step in the minute or hour field follows real time: every real hour once', () => {
    const hourly = cronSchedule('15 * * * *', 'Europe/Prague');
    expect(iso(slotsBetween(hourly, at('2026-10-24T22:00Z'), at('2026-10-25T03:00Z')))).toEqual([
      '2026-10-24T22:15',
      '2026-10-24T23:15',
      '2026-10-25T00:15',
      '2026-10-25T01:15',
      '2026-10-25T02:15',
    ]);
    expect(iso(slotsBetween(hourly, at('2026-03-28T23:00Z'), at('2026-03-29T03:00Z')))).toEqual([
      '2026-03-28T23:15',
      '2026-03-29T00:15',
      '2026-03-29T01:15', // 03:15 CEST; 02:15 never happened
      '2026-03-29T02:15',
    ]);
    // A step in the minute field makes it a real-time job too (cronie): nothing in the gap, both passes of the fold.
    const thirds = cronSchedule('*/20 2 * * *', 'Europe/Prague');
    expect(slotsBetween(thirds, at('2026-03-28T12:00Z'), at('2026-03-29T12:00Z'))).toEqual([]);
    expect(slotsBetween(thirds, at('2026-10-24T12:00Z'), at('2026-10-25T12:00Z'))).toHaveLength(6);
    // Lord Howe's fold is half an hour: :00 and :30 every real half hour.
    expect(
      iso(
        slotsBetween(
          cronSchedule('*/30 * * * *', 'Australia/Lord_Howe'),
          at('2026-04-04T14:00Z'),
          at('2026-04-04T16:00Z'),
        ),
      ),
    ).toEqual(['2026-04-04T14:30', '2026-04-04T15:00', '2026-04-04T15:30', '2026-04-04T16:00']);
  });

  it('schedules with seconds, and the newest slot before a time', () => {
    const everySecond = cronSchedule('* * * * * *', 'UTC');
    expect(nextSlots(everySecond, at('2026-01-01T00:00:00Z'), 3)).toEqual([
      1767225601000, 1767225602000, 1767225603000,
    ]);
    const weekly = cronSchedule('0 9 * * 5', 'Europe/Prague');
    expect(iso([latestSlot(weekly, at('2026-11-06T08:42Z'), at('2026-11-05T08:42Z'))!])).toEqual([
      '2026-11-06T08:00',
    ]);
    expect(latestSlot(weekly, at('2026-11-06T07:59Z'), at('2026-11-05T08:42Z'))).toBeUndefined();
  });
});

describe('catch-up window (README table)', () => {
  it('defaults by how often the job runs; a configured value wins', () => {
    const H = 3_600_000;
    expect(catchUpMs(undefined, '* * * * *', 'UTC')).toBe(0);
    expect(catchUpMs(undefined, '*/30 * * * *', 'UTC')).toBe(0);
    expect(catchUpMs(undefined, '0 * * * *', 'UTC')).toBe(H / 2);
    expect(catchUpMs(undefined, '0 */6 * * *', 'UTC')).toBe(2 * H);
    // A daily job stays daily across a 23-hour DST day.
    expect(catchUpMs(undefined, '30 2 * * *', 'Europe/Prague', at('2026-03-27T12:00Z'))).toBe(6 * H);
    expect(catchUpMs(undefined, '0 9 * * 5', 'Europe/Prague')).toBe(24 * H);
    expect(catchUpMs('2h', '* * * * *', 'UTC')).toBe(2 * H);
    expect(catchUpMs('none', '0 9 * * 5', 'UTC')).toBe(0);
    expect(catchUpMs(undefined, 'manual', 'UTC')).toBe(0);
  });

  it('a bad catchUp is a config error naming the path', () => {
    const job = defineJob({
      name: 'weekly',
      description: 'weekly',
      schedule: '0 9 * * 5',
      options: z.object({}),
      run: async () => ({ status: 'noop', summary: '', actions: [], links: [] }),
    });
    const schema = buildConfigSchema([job]);
    for (const [value, why] of [
      ['soon', 'invalid duration "soon"'],
      ['8d', 'longer than 7d'],
    ]) {
      try {
        validateConfig({ jobs: { weekly: { catchUp: value } } }, schema, 'test');
        expect.unreachable(`catchUp ${value} accepted`);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems.join('\n')).toMatch(/jobs\.weekly\.catchUp/);
        expect((error as ConfigError).problems.join('\n')).toContain(why);
      }
    }
    expect(validateConfig({ jobs: { weekly: { catchUp: '2h' } } }, schema, 'test').jobs.weekly?.catchUp).toBe(
      '2h',
    );
  });
});
