import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateConfig } from '../../src/config/load.js';
import { buildConfigSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { freezesSchema, type Freeze } from '../../src/control/freeze-schema.js';
import { activeFreeze, freezeViews } from '../../src/control/freezes.js';
import { parseUntil } from '../../src/control/until.js';
import { defineJob } from '../../src/runner/job.js';

/** Freeze windows: date ranges and recurring windows, in the freeze's time zone, DST included. */

const f = (freeze: Partial<Freeze> & { name: string }): Freeze =>
  freezesSchema.parse([{ reason: 'r', ...freeze }])[0]!;
const at = (iso: string) => new Date(iso);

describe('freeze windows', () => {
  it('a date range is wall-clock in its zone; a bare end date covers that whole day', () => {
    const yearEnd = f({ name: 'year-end', from: '2026-12-21', to: '2027-01-03', timezone: 'Europe/Berlin' });
    // Midnight in Berlin is 23:00 UTC the day before.
    expect(activeFreeze([yearEnd], 'any', at('2026-12-20T22:59:59Z'), 'UTC')).toBeNull();
    expect(activeFreeze([yearEnd], 'any', at('2026-12-20T23:00:00Z'), 'UTC')).toMatchObject({
      name: 'year-end',
      since: '2026-12-20T23:00:00.000Z',
      until: '2027-01-03T23:00:00.000Z',
    });
    expect(activeFreeze([yearEnd], 'any', at('2027-01-03T22:59:59Z'), 'UTC')).not.toBeNull();
    expect(activeFreeze([yearEnd], 'any', at('2027-01-03T23:00:00Z'), 'UTC')).toBeNull();
  });

  it('an end with a time is exclusive; the default zone is the config one', () => {
    const evening = f({ name: 'evening', from: '2026-12-04 18:00', to: '2026-12-04 20:30' });
    expect(activeFreeze([evening], 'x', at('2026-12-04T16:59:00Z'), 'Europe/Berlin')).toBeNull();
    expect(activeFreeze([evening], 'x', at('2026-12-04T17:00:00Z'), 'Europe/Berlin')).not.toBeNull();
    expect(activeFreeze([evening], 'x', at('2026-12-04T19:30:00Z'), 'Europe/Berlin')).toBeNull();
  });

  it('a recurring window starts at each slot of its schedule and lasts its duration, across a DST change', () => {
    // Friday 15:00 to Monday 06:00 in New York; DST ends Sunday 2026-11-01 (an hour longer).
    const weekend = f({
      name: 'weekend',
      schedule: '0 15 * * 5',
      duration: '63h',
      timezone: 'America/New_York',
    });
    expect(activeFreeze([weekend], 'x', at('2026-10-30T18:59:00Z'), 'UTC')).toBeNull();
    expect(activeFreeze([weekend], 'x', at('2026-10-30T19:00:00Z'), 'UTC')).toMatchObject({
      since: '2026-10-30T19:00:00.000Z',
      until: '2026-11-02T10:00:00.000Z',
    });
    // 63 real hours: Monday 05:00 local after the fall-back, 06:00 local on ordinary weekends.
    expect(activeFreeze([weekend], 'x', at('2026-11-02T10:00:00Z'), 'UTC')).toBeNull();
    expect(activeFreeze([weekend], 'x', at('2026-11-06T20:00:00Z'), 'UTC')).toMatchObject({
      since: '2026-11-06T20:00:00.000Z',
    });
  });

  it('applies per job, and the longest-lasting freeze names the window', () => {
    const short = f({ name: 'short', from: '2026-12-04', to: '2026-12-04', jobs: ['update-component'] });
    const long = f({
      name: 'long',
      from: '2026-12-01',
      to: '2026-12-31',
      jobs: ['update-component', 'promote-packages'],
    });
    const now = at('2026-12-04T12:00:00Z');
    expect(activeFreeze([short, long], 'update-component', now, 'UTC')?.name).toBe('long');
    expect(activeFreeze([short], 'heartbeat', now, 'UTC')).toBeNull();
    const views = freezeViews(
      [short, long, f({ name: 'later', from: '2027-01-01', to: '2027-01-02' })],
      now,
      'UTC',
    );
    expect(views.map((v) => [v.name, v.window?.active])).toEqual([
      ['short', true],
      ['long', true],
      ['later', false],
    ]);
  });

  it('config errors name their path: both kinds at once, a bad date, an unknown job', () => {
    const job = defineJob({
      name: 'heartbeat',
      description: 'd',
      schedule: 'manual',
      options: z.object({}),
      run: async () => ({ status: 'noop', summary: '', actions: [], links: [] }),
    });
    const schema = buildConfigSchema([job]);
    const bad = {
      freezes: [
        {
          name: 'a',
          reason: 'r',
          from: '2026-12-01',
          to: '2026-12-02',
          schedule: '0 9 * * *',
          duration: '1h',
        },
        { name: 'b', reason: 'r', from: '2026-02-30', to: '2026-03-02' },
        { name: 'c', reason: 'r', schedule: '0 9 * * *', duration: '1h', jobs: ['hartbeat'] },
        { name: 'd', reason: 'r', from: '2026-12-05', to: '2026-12-04 10:00' },
      ],
    };
    let error: ConfigError | undefined;
    try {
      validateConfig(bad, schema, 'test');
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    expect(text).toMatch(/freezes\[0\].*either from\/to or schedule\/duration/);
    expect(text).toMatch(/freezes\[1\]\.from.*invalid date "2026-02-30"/);
    expect(text).toMatch(/freezes\[2\]\.jobs\[0\].*unknown job "hartbeat"/);
    expect(text).toMatch(/freezes\[3\]\.to.*must be after from/);
  });
});

describe('--until', () => {
  const now = at('2026-12-04T10:00:00Z');
  it('reads a duration, a wall-clock time in the zone, or an ISO time with an offset', () => {
    expect(parseUntil('2h', now, 'UTC').toISOString()).toBe('2026-12-04T12:00:00.000Z');
    expect(parseUntil('2026-12-07 09:00', now, 'Europe/Berlin').toISOString()).toBe(
      '2026-12-07T08:00:00.000Z',
    );
    expect(parseUntil('2026-12-07', now, 'America/New_York').toISOString()).toBe('2026-12-07T05:00:00.000Z');
    expect(parseUntil('2026-12-05T00:00:00+02:00', now, 'UTC').toISOString()).toBe(
      '2026-12-04T22:00:00.000Z',
    );
  });
  it('refuses the past and what is not a time', () => {
    expect(() => parseUntil('2026-12-01', now, 'UTC')).toThrow(/not in the future/);
    expect(() => parseUntil('next friday', now, 'UTC')).toThrow(/not a time/);
  });
});
