import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStatusReader } from '../../src/http/status/data.js';
import { registerSecret, resetSecrets } from '../../src/secrets/masker.js';
import type { RunQuery, Store } from '../../src/store/types.js';
import { fixture, type Fixture } from './fixtures.js';
import { seedRun } from './seed.js';

/** The data behind `/` and `/runs/:id`, assembled from a real SQLite store. */

const T0 = Date.parse('2025-01-06T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Counts the store calls one page costs. */
function counting(store: Store) {
  const calls: { method: string; query?: RunQuery }[] = [];
  const wrapped: Store = {
    ...store,
    lastRuns: () => {
      calls.push({ method: 'lastRuns' });
      return store.lastRuns();
    },
    listRuns: (query) => {
      calls.push({ method: 'listRuns', query });
      return store.listRuns(query);
    },
    getRun: (id) => {
      calls.push({ method: 'getRun' });
      return store.getRun(id);
    },
    listState: (job, prefix) => {
      calls.push({ method: 'listState' });
      return store.listState(job, prefix);
    },
  };
  return { store: wrapped, calls };
}

describe('status page data', () => {
  let f: Fixture;
  const now = new Date(at(24 * 60));

  beforeAll(async () => {
    f = await fixture();
    // 60 runs of bump, one an hour, every 7th failed; a few of move; one of a job this version no longer has.
    for (let i = 0; i < 60; i++)
      await seedRun(f.store, {
        job: 'bump',
        startedAt: at(i * 60 - 60 * 36),
        status: i % 7 === 3 ? 'failed' : i % 2 ? 'ok' : 'noop',
        summary: `bump run ${i}`,
        error: i % 7 === 3 ? `boom ${i}` : null,
        result: {
          status: 'ok',
          summary: `bump run ${i}`,
          actions: [],
          links: [
            { text: 'gitaly MR', url: `https://gitlab.example.com/org/gitlab/-/merge_requests/${i}` },
            { text: 'evil', url: 'javascript:alert(1)' },
          ],
        },
      });
    await seedRun(f.store, { job: 'move', startedAt: at(-600), status: 'ok', summary: 'moved' });
    await seedRun(f.store, { job: 'retired', startedAt: at(-700), status: 'noop', summary: 'old job' });
  });
  afterAll(() => f.close());
  afterEach(() => resetSecrets());

  it('lists configured jobs in registry order with their schedule in their time zone and next 3 runs', async () => {
    const data = await createStatusReader({ ...f, now: () => now }).status();
    expect(data.jobs.map((j) => [j.name, j.configured, j.enabled, j.registered])).toEqual([
      ['bump', true, true, true],
      ['move', true, true, true],
      ['by-hand', true, true, true],
      ['off', true, false, true],
      ['idle', false, false, true],
      ['retired', false, false, false],
    ]);
    const bump = data.jobs.find((j) => j.name === 'bump')!;
    expect(bump.timezone).toBe('Europe/Amsterdam');
    expect(bump.schedule).toBe('0 * * * *');
    expect(bump.nextRuns).toHaveLength(3);
    for (const iso of bump.nextRuns) expect(new Date(iso).getUTCMinutes()).toBe(0);
    const move = data.jobs.find((j) => j.name === 'move')!;
    // 09:30 on Fridays in New York (the global zone): 13:30 or 14:30 UTC depending on DST.
    expect(move.timezone).toBe('America/New_York');
    expect(move.nextRunsLocal).toHaveLength(3);
    for (const local of move.nextRunsLocal) expect(local).toMatch(/^Fri \d{4}-\d\d-\d\d 09:30$/);
    for (const iso of move.nextRuns) expect(['13:30', '14:30']).toContain(iso.slice(11, 16));
    expect(data.jobs.find((j) => j.name === 'by-hand')!.nextRuns).toEqual([]);
    expect(data.jobs.find((j) => j.name === 'off')!.nextRuns).toEqual([]);
  });

  it('gives each job a strip of its last 50 runs, newest first, and its last finished run with safe links', async () => {
    const data = await createStatusReader({ ...f, now: () => now }).status();
    const bump = data.jobs.find((j) => j.name === 'bump')!;
    expect(bump.runs).toHaveLength(50);
    expect(bump.runs[0]!.summary).toBe('bump run 59');
    expect(bump.runs[49]!.summary).toBe('bump run 10');
    expect(bump.runs.map((r) => r.status)).toContain('failed');
    expect(bump.last).toMatchObject({ summary: 'bump run 59', status: 'failed', error: 'boom 59' });
    expect(bump.last!.links).toEqual([
      { text: 'gitaly MR', url: 'https://gitlab.example.com/org/gitlab/-/merge_requests/59' },
    ]);
    expect(data.jobs.find((j) => j.name === 'move')!.runs.map((r) => r.summary)).toEqual(['moved']);
    expect(data.jobs.find((j) => j.name === 'idle')!.last).toBeNull();
    expect(data.jobs.find((j) => j.name === 'retired')!.runs).toHaveLength(1);
  });

  it('reads only indexed, limited queries: lastRuns, a one-run probe per job, 50 runs when the probe moved', async () => {
    const { store, calls } = counting(f.store);
    const reader = createStatusReader({ ...f, store, now: () => now });
    const names = ['bump', 'idle', 'move', 'by-hand', 'off', 'retired'];
    await reader.status();
    expect(calls.filter((c) => c.method === 'lastRuns')).toHaveLength(1);
    const lists = calls.filter((c) => c.method === 'listRuns').map((c) => c.query);
    expect(lists).toHaveLength(2 * names.length);
    expect(lists).toEqual(
      expect.arrayContaining(
        names.flatMap((job) => [
          { job, limit: 1, withoutLogs: true },
          { job, limit: 50, withoutLogs: true },
        ]),
      ),
    );
    expect(calls).toHaveLength(1 + 2 * names.length);

    // nothing moved: the probes only
    calls.length = 0;
    await reader.status();
    expect(calls.map((c) => c.query?.limit ?? c.method)).toEqual(['lastRuns', ...names.map(() => 1)]);
  });

  it('re-reads the runs of a job as soon as one starts or finishes', async () => {
    const f2 = await fixture();
    try {
      const reader = createStatusReader({ ...f2, now: () => now });
      const strip = async () =>
        (await reader.status()).jobs
          .find((j) => j.name === 'move')!
          .runs.map((r) => `${r.summary}:${r.status}`);
      await seedRun(f2.store, { job: 'move', startedAt: at(0), summary: 'first' });
      expect(await strip()).toEqual(['first:ok']);
      const second = await seedRun(f2.store, {
        job: 'move',
        startedAt: at(60),
        summary: 'second',
        status: 'running',
        finishedAt: null,
      });
      expect(await strip()).toEqual(['second:running', 'first:ok']);
      await f2.store.updateRun(second.id, { status: 'failed', finishedAt: at(61) });
      expect(await strip()).toEqual(['second:failed', 'first:ok']);
      // a refused run is recorded finished at once
      await f2.store.insertRun({
        ...second,
        id: 'refused-1',
        startedAt: at(62),
        status: 'refused',
        summary: 'third',
      });
      expect(await strip()).toEqual(['third:refused', 'second:failed', 'first:ok']);
    } finally {
      await f2.close();
    }
  });

  it('marks a job running when this process runs it or its newest run is still running', async () => {
    const reader = createStatusReader({ ...f, now: () => now, inFlight: () => ['move'] });
    let data = await reader.status();
    expect(data.jobs.filter((j) => j.running).map((j) => j.name)).toEqual(['move']);
    await seedRun(f.store, { job: 'idle', startedAt: at(24 * 60 - 1), status: 'running', finishedAt: null });
    data = await reader.status();
    expect(data.jobs.filter((j) => j.running).map((j) => j.name)).toEqual(['move', 'idle']);
    // a running run is not the last result
    expect(data.jobs.find((j) => j.name === 'idle')!.last).toBeNull();
  });

  it('masks a secret that appears in stored history, even one registered after the run was stored', async () => {
    await seedRun(f.store, {
      job: 'move',
      startedAt: at(-500),
      summary: 'used token glpat-CANARY-123456 by mistake',
    });
    registerSecret('glpat-CANARY-123456');
    const text = JSON.stringify(await createStatusReader({ ...f, now: () => now }).status());
    expect(text).not.toContain('glpat-CANARY-123456');
    expect(text).toContain('used token [MASKED] by mistake');
  });
});

describe('pending human actions (details.pending)', () => {
  let f: Fixture;
  const now = new Date(at(1000));
  const approval = {
    kind: 'approval',
    title: 'Approve moving stable for 3 repos (plan a1b2c3)',
    url: 'https://gitlab.example.com/org/releases/-/issues/7',
    since: at(10),
  };

  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(() => f.close());

  const pending = async () => (await createStatusReader({ ...f, now: () => now }).status()).pending;

  it('comes from the newest real run that carries the key, with the job and run that declared it', async () => {
    const declaring = await seedRun(f.store, {
      job: 'move',
      startedAt: at(10),
      result: {
        status: 'skipped',
        summary: 'waiting',
        actions: [],
        links: [],
        details: { pending: [approval] },
      },
    });
    // a later run without the key (crashed before deciding) and a later dry run do not replace it
    await seedRun(f.store, { job: 'move', startedAt: at(20), status: 'failed', result: null });
    await seedRun(f.store, {
      job: 'move',
      startedAt: at(30),
      dryRun: true,
      result: { status: 'skipped', summary: 'plan', actions: [], links: [], details: { pending: [] } },
    });
    expect(await pending()).toEqual([{ ...approval, job: 'move', runId: declaring.id }]);
  });

  it('keeps well-formed entries only, links http(s) only, and lists the oldest wait first', async () => {
    await seedRun(f.store, {
      job: 'bump',
      startedAt: at(40),
      result: {
        status: 'ok',
        summary: 'ok',
        actions: [],
        links: [],
        details: {
          pending: [
            {
              kind: 'stale-mr',
              title: 'gitaly MR !12 open for 2d',
              url: 'https://x.example/mr/12',
              since: at(5),
            },
            { kind: 'stale-mr', title: 'no link', url: 'javascript:alert(1)', since: 'not a date' },
            { kind: 'stale-mr' },
            'nonsense',
            { title: '   ' },
          ],
        },
      },
    });
    const list = await pending();
    expect(list.map((p) => [p.job, p.title, p.url, p.since])).toEqual([
      ['bump', 'gitaly MR !12 open for 2d', 'https://x.example/mr/12', at(5)],
      ['move', approval.title, approval.url, approval.since],
      ['bump', 'no link', undefined, undefined],
    ]);
  });

  it('disappears when the next real run declares an empty list', async () => {
    await seedRun(f.store, {
      job: 'move',
      startedAt: at(50),
      result: { status: 'ok', summary: 'moved', actions: [], links: [], details: { pending: [] } },
    });
    expect((await pending()).map((p) => p.job)).toEqual(['bump', 'bump']);
  });
});

describe('run detail', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(() => f.close());

  it('reads the stored result defensively and parses the log lines with offsets from the start', async () => {
    const started = Date.parse(at(0));
    const run = await seedRun(f.store, {
      job: 'bump',
      startedAt: at(0),
      status: 'failed',
      error: 'gitaly: 403 Forbidden',
      result: {
        status: 'failed',
        summary: 'gitaly: failed',
        actions: [
          {
            kind: 'open-mr',
            description: 'open MR',
            done: true,
            url: 'https://x.example/mr/1',
            subject: 'gitaly',
          },
          { kind: 'auto-merge', description: 'auto-merge', done: false, url: 'javascript:void(0)' },
          'junk',
        ],
        links: 'not a list',
        items: [
          { name: 'gitaly', status: 'failed', summary: '403', links: [{ url: 'https://x.example/p/1' }] },
        ],
        details: { plans: [{ component: 'gitaly' }] },
      },
      logs: [
        JSON.stringify({
          level: 30,
          time: started + 15,
          job: 'bump',
          runId: 'r',
          msg: 'run started',
          trigger: 'schedule',
        }),
        JSON.stringify({ level: 50, time: started + 1234, job: 'bump', runId: 'r', msg: 'gitaly failed' }),
        'a plain line',
      ],
    });
    const detail = (await createStatusReader(f).run(run.id))!;
    expect(detail.run).toMatchObject({
      id: run.id,
      job: 'bump',
      status: 'failed',
      error: 'gitaly: 403 Forbidden',
    });
    expect(detail.timezone).toBe('Europe/Amsterdam');
    expect(detail.result!.actions).toEqual([
      {
        kind: 'open-mr',
        description: 'open MR',
        done: true,
        url: 'https://x.example/mr/1',
        subject: 'gitaly',
      },
      { kind: 'auto-merge', description: 'auto-merge', done: false },
    ]);
    expect(detail.result!.links).toEqual([]);
    expect(detail.result!.items).toEqual([
      {
        name: 'gitaly',
        status: 'failed',
        summary: '403',
        links: [{ text: 'https://x.example/p/1', url: 'https://x.example/p/1' }],
      },
    ]);
    expect(detail.result!.details).toEqual({ plans: [{ component: 'gitaly' }] });
    expect(detail.logs).toEqual([
      {
        time: new Date(started + 15).toISOString(),
        offsetMs: 15,
        level: 'info',
        msg: 'run started',
        fields: { trigger: 'schedule' },
      },
      {
        time: new Date(started + 1234).toISOString(),
        offsetMs: 1234,
        level: 'error',
        msg: 'gitaly failed',
        fields: {},
      },
      { time: null, offsetMs: null, level: '', msg: 'a plain line', fields: {} },
    ]);
  });

  it('is null for an unknown run', async () => {
    expect(await createStatusReader(f).run('no-such-run')).toBeNull();
  });
});
