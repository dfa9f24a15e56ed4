import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pauseJob } from '../../src/control/pauses.js';
import { silentLogger } from '../../src/log/logger.js';
import { defineJob, type JobContext, type JobDefinition } from '../../src/runner/job.js';
import { createRunner } from '../../src/runner/runner.js';
import { startScheduler, type SlotEvent } from '../../src/runner/scheduler.js';
import { harness, type Harness } from '../runner/harness.js';
import { createSlackNotifier } from '../../src/notify/slack.js';

/**
 * Pauses and freezes through the real runner (one-shot runs) and the real scheduler: a paused
 * job's real run is recorded as skipped with the reason and the job does not run; a frozen job
 * runs as a dry run (forges and Slack refuse writes) and is recorded `skipped (frozen: …)` with
 * its plan; dry runs are untouched by both.
 */

interface Seen {
  dryRun: boolean;
}

function writer(seen: Seen[]): JobDefinition {
  return defineJob({
    name: 'writer',
    description: 'plans one write and performs it unless dry',
    schedule: '* * * * *',
    options: z.object({}),
    async run(ctx: JobContext) {
      seen.push({ dryRun: ctx.dryRun });
      const done = !ctx.dryRun;
      return {
        status: 'ok',
        summary: done ? 'opened MR !1' : 'would open MR !1',
        actions: [{ kind: 'open-mr', description: 'open MR !1', done }],
        links: [],
        details: { pending: [] },
      };
    },
  });
}

function other(): JobDefinition {
  return defineJob({
    name: 'other',
    description: 'not frozen',
    schedule: '* * * * *',
    options: z.object({}),
    run: async (ctx) => ({ status: 'ok', summary: ctx.dryRun ? 'dry' : 'wrote', actions: [], links: [] }),
  });
}

describe('pause and freeze in the runner', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a paused job is recorded as skipped with the reason, does not run, and dry runs still do', async () => {
    const seen: Seen[] = [];
    h = await harness({ jobs: [writer(seen)], config: { jobs: { writer: {} } } });
    await pauseJob(h.store, 'writer', {
      until: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'release weekend',
      by: 'alice',
      via: 'cli',
      at: new Date().toISOString(),
    });
    const { run, result } = await h.runner.run('writer', { trigger: 'manual' });
    expect(run.status).toBe('skipped');
    expect(run.summary).toMatch(/^skipped \(paused until .+ by alice: release weekend\)$/);
    expect(result?.details).toMatchObject({ paused: { by: 'alice', reason: 'release weekend' } });
    expect(seen).toEqual([]);
    expect((await h.store.getRun(run.id))?.status).toBe('skipped');
    // The status page's "last run" shows it.
    expect((await h.store.lastRuns()).writer?.id).toBe(run.id);

    const dry = await h.runner.run('writer', { trigger: 'manual', dryRun: true });
    expect(dry.run.status).toBe('ok');
    expect(seen).toEqual([{ dryRun: true }]);
  });

  it('a pause that has run out no longer holds the job', async () => {
    const seen: Seen[] = [];
    h = await harness({ jobs: [writer(seen)], config: { jobs: { writer: {} } } });
    await pauseJob(h.store, 'writer', {
      until: new Date(Date.now() - 1000).toISOString(),
      reason: 'over',
      by: 'alice',
      via: 'cli',
      at: new Date().toISOString(),
    });
    expect((await h.runner.run('writer', { trigger: 'manual' })).run.status).toBe('ok');
    expect(seen).toEqual([{ dryRun: false }]);
  });

  it('a frozen job plans without writing, recorded as skipped (frozen: reason); other jobs and dry runs are unaffected', async () => {
    const seen: Seen[] = [];
    const today = new Date().toISOString().slice(0, 10);
    h = await harness({
      jobs: [writer(seen), other()],
      config: {
        timezone: 'Europe/Berlin',
        jobs: { writer: {}, other: {} },
        freezes: [
          { name: 'year-end', reason: 'year-end change freeze', jobs: ['writer'], from: today, to: today },
        ],
      },
    });
    const { run, result } = await h.runner.run('writer', { trigger: 'manual' });
    expect(seen).toEqual([{ dryRun: true }]);
    expect(run.status).toBe('skipped');
    expect(run.dryRun).toBe(false);
    expect(run.summary).toMatch(
      /^skipped \(frozen: year-end change freeze; freeze year-end until .+\); would have: would open MR !1$/,
    );
    expect(result?.actions).toEqual([{ kind: 'open-mr', description: 'open MR !1', done: false }]);
    // A frozen run cannot say what waits for a human: the previous list stands.
    expect(result?.details).not.toHaveProperty('pending');
    expect(result?.details).toMatchObject({ frozen: { name: 'year-end' } });

    const dry = await h.runner.run('writer', { trigger: 'manual', dryRun: true });
    expect(dry.run.status).toBe('ok');
    expect(dry.run.summary).toBe('would open MR !1');
    expect((await h.runner.run('other', { trigger: 'manual' })).run.summary).toBe('wrote');
  });

  it('a frozen job sends no Slack message: the notifier is the dry-run one', async () => {
    let posts = 0;
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      posts++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    try {
      const job = defineJob({
        name: 'talker',
        description: 'posts to Slack',
        schedule: '* * * * *',
        options: z.object({}),
        async run(ctx) {
          const sent = await ctx.notifier.send(undefined, {
            title: 'hello',
            severity: 'info',
            context: { job: 'talker' },
          });
          return { status: 'ok', summary: sent.delivered ? 'sent' : 'not sent', actions: [], links: [] };
        },
      });
      h = await harness({
        jobs: [job],
        slackUrl: url,
        config: {
          jobs: { talker: {} },
          freezes: [{ name: 'always', reason: 'frozen', schedule: '* * * * *', duration: '2m' }],
        },
      });
      const { run } = await h.runner.run('talker', { trigger: 'manual' });
      expect(run.summary).toMatch(/^skipped \(frozen: frozen; .*would have: not sent$/);
      expect(posts).toBe(0);
    } finally {
      server.close();
    }
  });

  it('the scheduler honours a pause: its slots are recorded as skipped, and run again once resumed', async () => {
    const seen: Seen[] = [];
    const jobs = [writer(seen)];
    h = await harness({ jobs, config: { jobs: { writer: { schedule: '*/10 * * * * *' } } } });
    let now = Date.parse('2026-12-04T10:00:00Z');
    const runner = createRunner({
      config: h.config,
      jobs,
      store: h.store,
      logger: silentLogger(),
      notifier: (dryRun) => createSlackNotifier({ channels: {}, dryRun }),
      now: () => new Date(now),
    });
    await pauseJob(h.store, 'writer', {
      until: '2026-12-04T10:00:25.000Z',
      reason: 'maintenance',
      by: 'alice',
      via: 'slack',
      at: new Date(now).toISOString(),
    });
    let tick: (() => void) | undefined;
    const events: SlotEvent[] = [];
    const scheduler = startScheduler({
      config: h.config,
      jobs,
      runner,
      store: h.store,
      logger: silentLogger(),
      onSlot: (e) => events.push(e),
      clock: {
        now: () => now,
        startTicker(t) {
          tick = t;
          return async () => void (tick = undefined);
        },
      },
    });
    try {
      for (let s = 1; s <= 40; s++) {
        now += 1000;
        tick?.();
        await scheduler.idle();
      }
    } finally {
      await scheduler.stop(1000);
    }
    const runs = (await h.store.listRuns({ job: 'writer', limit: 10 })).reverse();
    expect(runs.map((r) => [r.slot, r.status])).toEqual([
      ['2026-12-04T10:00:10.000Z', 'skipped'],
      ['2026-12-04T10:00:20.000Z', 'skipped'],
      ['2026-12-04T10:00:30.000Z', 'ok'],
      ['2026-12-04T10:00:40.000Z', 'ok'],
    ]);
    expect(runs[0]!.summary).toMatch(/paused until .* by alice: maintenance/);
    expect(seen).toEqual([{ dryRun: false }, { dryRun: false }]);
  });
});
