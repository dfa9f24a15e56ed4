import { describe, expect, it } from 'vitest';
import { jobs } from '../../app/jobs.js';
import { jobListings } from '../../app/commands/list.js';
import { validateConfig } from '../../src/config/load.js';
import { buildConfigSchema } from '../../src/config/schema.js';
import { startDaemonServer } from '../../src/http/server.js';
import { createStatusRoutes } from '../../src/http/status/routes.js';
import { silentLogger } from '../../src/log/logger.js';
import { createSlackNotifier } from '../../src/notify/slack.js';
import { createRunner } from '../../src/runner/runner.js';
import { startScheduler, type SlotEvent } from '../../src/runner/scheduler.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

/**
 * `list`, the status page, its JSON API and the scheduler agree on the next runs, on the days
 * where a second computation would differ: a repeated hour, a skipped hour, Lord Howe's half
 * hour. The scheduler's side is what it actually fires (the real heartbeat job on the real
 * runner), on a clock moved from slot to slot.
 */

const CASES = [
  {
    name: 'Prague autumn, hourly',
    timezone: 'Europe/Prague',
    schedule: '15 * * * *',
    now: '2026-10-24T23:50:00Z',
  },
  {
    name: 'Prague spring, 02:30',
    timezone: 'Europe/Prague',
    schedule: '30 2 * * *',
    now: '2026-03-28T12:00:00Z',
  },
  {
    name: 'Lord Howe spring, every 20 min at 2am',
    timezone: 'Australia/Lord_Howe',
    schedule: '*/20 1-2 * * *',
    now: '2026-10-03T14:00:00Z',
  },
  {
    name: 'New York autumn, 01:45',
    timezone: 'America/New_York',
    schedule: '45 1 * * *',
    now: '2026-10-31T12:00:00Z',
  },
];

describe('next runs', () => {
  for (const c of CASES)
    it(`list, status page, JSON API and the scheduler agree: ${c.name}`, async () => {
      const config = validateConfig(
        { jobs: { heartbeat: { schedule: c.schedule, timezone: c.timezone } } },
        buildConfigSchema(jobs),
        'test',
      );
      const store = openSqliteStore(':memory:');
      await store.migrate();
      let now = Date.parse(c.now);

      const listed = jobListings(config, {}, new Date(now)).find((j) => j.name === 'heartbeat')!.nextRuns;
      expect(listed).toHaveLength(3);

      const server = await startDaemonServer({
        config: { host: '127.0.0.1', port: 0 },
        health: async () => ({ ok: true, details: {} }),
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
        routes: createStatusRoutes({ config, jobs, store, now: () => new Date(now) }),
      });
      const api = (await (await fetch(`${server.url}/api/status`)).json()) as {
        jobs: { name: string; nextRuns: string[] }[];
      };
      const page = await (await fetch(`${server.url}/`)).text();
      await server.close();
      const shown = api.jobs.find((j) => j.name === 'heartbeat')!.nextRuns;
      const heartbeatRow = page.slice(page.indexOf('heartbeat'));
      const onPage = [...heartbeatRow.matchAll(/<time datetime="([^"]+)"/g)].map((m) => m[1]).slice(0, 3);

      const runner = createRunner({
        config,
        jobs,
        store,
        logger: silentLogger(),
        notifier: (dryRun) => createSlackNotifier({ channels: {}, defaultChannel: undefined, dryRun }),
      });
      const fired: SlotEvent[] = [];
      let tick: (() => void) | undefined;
      const scheduler = startScheduler({
        config,
        jobs,
        runner,
        store,
        logger: silentLogger(),
        onSlot: (e) => fired.push(e),
        clock: {
          now: () => now,
          startTicker(t) {
            tick = t;
            return async () => undefined;
          },
        },
      });
      const promised = scheduler.nextRuns('heartbeat');
      for (let i = 0; i < 3; i++) {
        await scheduler.idle();
        now = scheduler.nextDue()! + 300;
        tick!();
      }
      await scheduler.idle();
      await scheduler.stop(1000);
      const runs = await store.listRuns({ job: 'heartbeat' });
      await store.close();

      const firedSlots = fired.map((e) => e.slot);
      expect(fired.map((e) => e.kind)).toEqual(['run', 'run', 'run']);
      expect(runs.map((r) => r.slot).reverse()).toEqual(firedSlots);
      expect(listed).toEqual(firedSlots);
      expect(shown).toEqual(firedSlots);
      expect(onPage).toEqual(firedSlots);
      expect(promised).toEqual(firedSlots);
    });
});
