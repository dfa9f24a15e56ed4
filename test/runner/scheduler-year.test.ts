import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateConfig } from '../../src/config/load.js';
import { buildConfigSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log/logger.js';
import { defineJob } from '../../src/runner/job.js';
import type { Runner } from '../../src/runner/runner.js';
import { startScheduler, type Scheduler, type SlotEvent } from '../../src/runner/scheduler.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { RunRecord, Store } from '../../src/store/types.js';

/**
 * "A year in a minute": the real scheduler, runner and SQLite store over all of 2026 on a fake
 * clock, in four zones, with two replicas (clocks a few seconds apart, one set back an hour for
 * half a day), three restarts (one replica mid-slot; both down over a Friday 09:00; both down
 * over Prague's repeated hour) and a host suspended for 50 minutes. Every slot is checked against a list computed here, minute by
 * minute over the real time line with Intl, with cronie's rules written out independently of
 * src/kit/slots.ts; the misfire outcome of each downtime is derived from the catch-up table.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const YEAR_START = Date.parse('2026-01-01T00:00:00Z');
const YEAR_END = Date.parse(process.env.YEAR_END ?? '2027-01-01T00:00:00Z');

const ZONES: Record<string, string> = {
  prague: 'Europe/Prague',
  ny: 'America/New_York',
  howe: 'Australia/Lord_Howe',
  utc: 'UTC',
};

interface Wall {
  weekday: number;
  hour: number;
  minute: number;
}

interface Kind {
  schedule: string;
  /** cronie's "wildcard" job: `*` in the minute or hour field. */
  realTime: boolean;
  /** The README's catch-up table (or the configured value). */
  catchUpMs: number;
  catchUp?: string;
  match(w: Wall): boolean;
}

const KINDS: Record<string, Kind> = {
  hourly: { schedule: '15 * * * *', realTime: true, catchUpMs: 30 * MIN, match: (w) => w.minute === 15 },
  night: {
    schedule: '30 2 * * *',
    realTime: false,
    catchUpMs: 6 * HOUR,
    match: (w) => w.hour === 2 && w.minute === 30,
  },
  gap: {
    schedule: '15 2 * * *',
    realTime: false,
    catchUpMs: 6 * HOUR,
    match: (w) => w.hour === 2 && w.minute === 15,
  },
  fold: {
    schedule: '45 1 * * *',
    realTime: false,
    catchUpMs: 6 * HOUR,
    match: (w) => w.hour === 1 && w.minute === 45,
  },
  thirds: {
    schedule: '*/20 2 * * *',
    realTime: true,
    catchUpMs: 2 * HOUR,
    catchUp: '2h',
    match: (w) => w.hour === 2 && w.minute % 20 === 0,
  },
  weekly: {
    schedule: '0 9 * * 5',
    realTime: false,
    catchUpMs: DAY,
    match: (w) => w.weekday === 5 && w.hour === 9 && w.minute === 0,
  },
};

/** The zone's offset at an instant, read from Intl's `longOffset` name ("GMT+10:30"). */
function offsetOf(zone: string): (t: number) => number {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  return (t) => {
    const name = f.formatToParts(new Date(t)).find((p) => p.type === 'timeZoneName')!.value;
    const m = /GMT(?:([+-])(\d\d):(\d\d))?/.exec(name)!;
    return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * HOUR + Number(m[3]) * MIN) : 0;
  };
}

/**
 * Brute force over every real minute: a wildcard job fires when the wall clock matches; a
 * fixed-time job fires on the first time the wall clock shows a match (not again when an hour
 * repeats), and at the first minute after a jump if a skipped wall minute matched.
 */
function expectedSlots(zone: string, from: number, to: number): Record<string, number[]> {
  const offset = offsetOf(zone);
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(KINDS).map((k) => [k, []]));
  // Wall-clock fields by arithmetic on the zone-less time (1 Jan 1970 was a Thursday).
  const wallOf = (w: number): Wall => ({
    weekday: (Math.floor(w / DAY) + 4) % 7,
    hour: Math.floor(w / HOUR) % 24,
    minute: Math.floor(w / MIN) % 60,
  });
  const kinds = Object.entries(KINDS);
  let prevWall: number | undefined;
  let maxWall = -Infinity;
  let quarterOffset = 0;
  for (let t = from; t < to; t += MIN) {
    // Every transition in these zones falls on a quarter hour.
    if (t % (15 * MIN) === 0) quarterOffset = offset(t);
    const w = t + quarterOffset;
    const wall = wallOf(w);
    for (const [name, kind] of kinds) {
      let fires = kind.match(wall) && (kind.realTime || w > maxWall);
      if (!kind.realTime && prevWall !== undefined)
        for (let skipped = prevWall + MIN; skipped < w && !fires; skipped += MIN)
          fires = kind.match(wallOf(skipped));
      if (fires) out[name]!.push(t);
    }
    maxWall = Math.max(maxWall, w);
    prevWall = w;
  }
  return out;
}

interface RanSlot {
  job: string;
  slot: string;
  holder: string;
  summary: string;
}

/**
 * The runner's part of a scheduled run that matters here: which slot ran, where, and what the
 * scheduler said about it. (The full runner costs about a millisecond a run, too much for
 * 44 000 runs; test/runner/scheduler-dst.test.ts and next-runs.test.ts drive it with the
 * scheduler.) Slot claims, which decide who runs, go to the real store.
 */
function recordingRunner(ran: RanSlot[], holder: string): Runner {
  return {
    holder,
    job: () => {
      throw new Error('not used by the scheduler');
    },
    async run(job, request) {
      const summary = request.note ? `${request.note}: done` : 'done';
      ran.push({ job, slot: request.slot!, holder, summary });
      const at = new Date().toISOString();
      const run: RunRecord = {
        id: `${holder}-${ran.length}`,
        job,
        trigger: request.trigger,
        dryRun: false,
        status: 'ok',
        startedAt: at,
        finishedAt: at,
        durationMs: 0,
        summary,
        error: null,
        attempts: 1,
        slot: request.slot ?? null,
        holder,
        result: null,
        logs: [],
      };
      return { run, result: null };
    },
  };
}

interface Replica {
  name: string;
  offset: number;
  store: Store;
  scheduler?: Scheduler;
  tick?: () => void;
}

describe('a year in a minute', () => {
  it('runs every slot of 2026 exactly once in four zones across two replicas, three restarts and a stall', async () => {
    const jobs = Object.keys(ZONES).flatMap((zone) =>
      Object.keys(KINDS).map((kind) =>
        defineJob({
          name: `${zone}-${kind}`,
          description: `${kind} in ${ZONES[zone]}`,
          schedule: KINDS[kind]!.schedule,
          options: z.object({}),
          run: async () => ({ status: 'ok', summary: 'done', actions: [], links: [] }),
        }),
      ),
    );
    const config = validateConfig(
      {
        jobs: Object.fromEntries(
          Object.entries(ZONES).flatMap(([zone, timezone]) =>
            Object.entries(KINDS).map(([kind, k]) => [
              `${zone}-${kind}`,
              { timezone, ...(k.catchUp ? { catchUp: k.catchUp } : {}) },
            ]),
          ),
        ),
      },
      buildConfigSchema(jobs),
      'test',
    );
    // One database for both replicas, as a PostgreSQL server would be; in memory, because the
    // year writes 90 000 rows and only their outcome matters here.
    const store = openSqliteStore(':memory:');
    await store.migrate();
    let now = YEAR_START;
    let suspended = false;
    const events: SlotEvent[] = [];
    const ran: RanSlot[] = [];
    const replicas: Replica[] = [
      { name: 'replica-a', offset: 0, store },
      { name: 'replica-b', offset: 2_500, store },
    ];
    const up = (r: Replica): void => {
      const runner = recordingRunner(ran, r.name);
      r.scheduler = startScheduler({
        config,
        jobs,
        runner,
        store: r.store,
        logger: silentLogger(),
        onSlot: (e) => events.push(e),
        clock: {
          now: () => now + r.offset,
          startTicker(tick) {
            r.tick = tick;
            return async () => {
              r.tick = undefined;
            };
          },
        },
      });
    };
    const down = async (r: Replica): Promise<void> => {
      await r.scheduler!.stop(60_000);
      r.scheduler = undefined;
    };
    const live = () => replicas.filter((r) => r.scheduler);
    const [a, b] = replicas as [Replica, Replica];

    // Both replicas come up at the start of the year (as after a downtime since forever).
    const downtimes: [number, number][] = [[-Infinity, YEAR_START]];
    const at = (iso: string) => Date.parse(iso);
    const script: { at: number; act: () => Promise<void> | void }[] = [
      // NTP keeps B within a few seconds of A, sometimes ahead, sometimes behind.
      ...Array.from({ length: 12 }, (_, month) => ({
        at: Date.UTC(2026, month, 1, 0, 7),
        act: () => void (b.offset = month % 2 === 0 ? 2_500 : -2_500),
      })),
      // Restart 1: A restarts right after running the 10:15 UTC slots (B is up and behind).
      { at: at('2026-02-13T10:15:01Z'), act: () => down(a) },
      { at: at('2026-02-13T10:15:21Z'), act: () => up(a) },
      // Restart 2: nobody up over Friday 09:00 in Prague (08:50–09:42 local).
      { at: at('2026-06-05T06:50:00Z'), act: async () => (await down(a), await down(b)) },
      { at: at('2026-06-05T07:42:00Z'), act: () => up(a) },
      { at: at('2026-06-05T07:43:00Z'), act: () => up(b) },
      // B's clock is set back an hour for half a day.
      { at: at('2026-07-15T00:00:00Z'), act: () => void (b.offset -= HOUR) },
      { at: at('2026-07-15T12:00:00Z'), act: () => void (b.offset += HOUR) },
      // The host is suspended (no ticks reach either replica) over Friday 09:00 in Prague.
      { at: at('2026-09-11T06:50:00Z'), act: () => void (suspended = true) },
      { at: at('2026-09-11T07:40:00Z'), act: () => void (suspended = false) },
      // Restart 3: nobody up over Prague's repeated hour (02:21 CEST to 04:25 CET).
      { at: at('2026-10-25T00:21:00Z'), act: async () => (await down(a), await down(b)) },
      { at: at('2026-10-25T03:25:00Z'), act: () => up(a) },
      { at: at('2026-10-25T03:26:00Z'), act: () => up(b) },
    ].sort((x, y) => x.at - y.at);
    downtimes.push([at('2026-06-05T06:50:00Z'), at('2026-06-05T07:42:00Z')]);
    downtimes.push([at('2026-09-11T06:50:00Z'), at('2026-09-11T07:40:00Z')]);
    downtimes.push([at('2026-10-25T00:21:00Z'), at('2026-10-25T03:25:00Z')]);

    const began = performance.now();
    up(a);
    up(b);
    let seed = 7;
    const jitter = () => (seed = (seed * 48271) % 2147483647) % 900;
    let ticks = 0;
    for (;;) {
      for (const r of live()) await r.scheduler!.idle();
      const due = suspended ? Infinity : Math.min(...live().map((r) => r.scheduler!.nextDue()! - r.offset));
      const next = script[0];
      if (next && next.at <= due) {
        now = Math.max(now, next.at);
        script.shift();
        await next.act();
        continue;
      }
      now = Math.max(now, due + jitter());
      if (now >= YEAR_END) break;
      // Replicas see the same moment in either order.
      const order = ticks++ % 2 === 0 ? live() : live().reverse();
      for (const r of order) r.tick?.();
    }
    for (const r of live()) await down(r);
    const simulated = performance.now() - began;

    const figures = { expected: 0, run: 0, caughtUp: 0, skippedByPolicy: 0, claimedElsewhere: 0 };
    const holders = new Map<string, number>();
    for (const [zone, timezone] of Object.entries(ZONES)) {
      const expected = expectedSlots(timezone, YEAR_START - 2 * DAY, YEAR_END);
      for (const [kind, k] of Object.entries(KINDS)) {
        const job = `${zone}-${kind}`;
        const slots = expected[kind]!;
        const onTime = slots.filter((s) => s >= YEAR_START && !downtimes.some(([d, u]) => s > d && s <= u));
        const caughtUp: number[] = [];
        for (const [d, u] of downtimes) {
          const newest = slots.filter((s) => s <= u && s > u - k.catchUpMs).pop();
          if (newest !== undefined && newest > d) caughtUp.push(newest);
        }
        const inYear = slots.filter((s) => s >= YEAR_START).length;
        const runs = ran.filter((r) => r.job === job);
        const slotsRun = runs.map((r) => Date.parse(r.slot)).sort((x, y) => x - y);
        expect(slotsRun, `${job}: every slot once`).toEqual([...onTime, ...caughtUp].sort((x, y) => x - y));
        const ranCaughtUp = runs
          .filter((r) => r.summary.startsWith('caught up slot'))
          .map((r) => Date.parse(r.slot));
        expect(
          ranCaughtUp.sort((x, y) => x - y),
          `${job}: caught up`,
        ).toEqual(caughtUp);
        for (const r of runs) holders.set(r.holder, (holders.get(r.holder) ?? 0) + 1);
        figures.expected += inYear;
        figures.run += onTime.length;
        figures.caughtUp += caughtUp.length;
        figures.skippedByPolicy += inYear - onTime.length - caughtUp.filter((s) => s >= YEAR_START).length;
      }
    }
    figures.claimedElsewhere = events.filter((e) => e.kind === 'claimed-elsewhere').length;
    console.log(
      `a year in a minute (2026; ${Object.values(ZONES).join(', ')}; 2 replicas, 3 restarts, 1 stall): ` +
        `slots expected ${figures.expected}, run on time ${figures.run}, caught up ${figures.caughtUp}, ` +
        `skipped by policy ${figures.skippedByPolicy}, duplicate claims refused ${figures.claimedElsewhere}; ` +
        `runs by replica ${JSON.stringify(Object.fromEntries(holders))}; ` +
        `simulated in ${Math.round(simulated)} ms, checked in ${Math.round(performance.now() - began - simulated)} ms`,
    );
    await store.close();
    expect(holders.get('replica-a')).toBeGreaterThan(1000);
    expect(holders.get('replica-b')).toBeGreaterThan(1000);
    expect(figures.claimedElsewhere).toBeGreaterThan(0);
    expect(figures.caughtUp).toBeGreaterThan(0);
    expect(figures.skippedByPolicy).toBeGreaterThan(0);
  }, 120_000);
});
