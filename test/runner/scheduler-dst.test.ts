import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { startScheduler, type Scheduler } from '../../src/runner/scheduler.js';
import { harness, ok, scriptedJob, type Harness } from './harness.js';

/**
 * The three failures of issue 18, through the daemon's real wiring (node-cron ticking, the real
 * runner and SQLite store) with vitest's fake clock moved across Prague's 2026 DST changes.
 */

const ZONE = 'Europe/Prague';
let h: Harness | undefined;
let scheduler: Scheduler | undefined;

afterEach(async () => {
  await scheduler?.stop(1000);
  scheduler = undefined;
  vi.useRealTimers();
  await h?.close();
  h = undefined;
});

async function startAt(iso: string, jobs: Record<string, string>): Promise<Harness> {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(new Date(iso));
  const behaviour = { current: async () => ok() };
  const defs = Object.keys(jobs).map((name) => scriptedJob(name, behaviour));
  const config = Object.fromEntries(
    Object.entries(jobs).map(([name, schedule]) => [name, { schedule, timezone: ZONE }]),
  );
  h = await harness({ jobs: defs, config: { jobs: config } });
  scheduler = startScheduler({
    config: h.config,
    jobs: defs,
    runner: h.runner,
    store: h.store,
    logger: silentLogger(),
  });
  return h;
}

/** Moves the fake clock a minute at a time so every timer and the runs it starts get their turn. */
async function advance(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 60_000) await vi.advanceTimersByTimeAsync(Math.min(60_000, left));
}

async function slotsRun(store: Harness['store'], job: string): Promise<string[]> {
  const runs = await store.listRuns({ job, limit: 100 });
  return runs.map((r) => r.slot ?? '').sort();
}

describe('scheduler on daylight-saving days (Europe/Prague 2026)', () => {
  it('autumn: an hourly job runs every real hour through the repeated hour, 00:15 UTC included', async () => {
    const { store } = await startAt('2026-10-24T22:00:00Z', { hourly: '15 * * * *' });
    await advance(5 * 3600_000);
    expect(await slotsRun(store, 'hourly')).toEqual([
      '2026-10-24T22:15:00.000Z',
      '2026-10-24T23:15:00.000Z',
      '2026-10-25T00:15:00.000Z', // 02:15 CEST
      '2026-10-25T01:15:00.000Z', // 02:15 CET
      '2026-10-25T02:15:00.000Z',
    ]);
  }, 120_000);

  it('spring: a daily job at 02:30 runs right after the jump (03:00 CEST), once', async () => {
    const { store } = await startAt('2026-03-28T23:00:00Z', { nightly: '30 2 * * *' });
    await advance(3 * 3600_000);
    expect(await slotsRun(store, 'nightly')).toEqual(['2026-03-29T01:00:00.000Z']);
  }, 120_000);

  it('downtime: a weekly slot that passed while no replica was up is caught up on start, and says so', async () => {
    // Friday 6 Nov 2026, 09:42 CET: the 09:00 slot passed while nothing ran.
    const { store } = await startAt('2026-11-06T08:42:00Z', { weekly: '0 9 * * 5' });
    await advance(5 * 60_000);
    const runs = await store.listRuns({ job: 'weekly' });
    expect(runs.map((r) => r.slot)).toEqual(['2026-11-06T08:00:00.000Z']);
    const run = (await store.getRun(runs[0]!.id))!;
    expect(run.logs.join('\n')).toContain('caught up slot Fri 09:00 at 09:42');
    expect(run.summary).toContain('caught up slot Fri 09:00 at 09:42');
  });
});
