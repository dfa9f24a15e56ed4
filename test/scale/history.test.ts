import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyQuery, openPostgresStore } from '../../src/store/postgres.js';
import type { RunQuery, Store } from '../../src/store/types.js';
import { pgTestUrl, schemaUrl } from './pg.js';

/**
 * History stays fast with a million runs: every filter the CLI and status page use is answered
 * by walking an index in order and stopping after `limit` rows — no sort, no scan of the table.
 * (Shape of the plan, not timings: timings belong in benchmarks.)
 */

const url = pgTestUrl('PostgreSQL history with 1M runs');
const JOBS = 10;
const RUNS = 1_000_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe.skipIf(!url)('history on PostgreSQL with 1M runs', () => {
  const schema = `t_history_${randomBytes(4).toString('hex')}`;
  let store: Store;
  let client: pg.Client;

  beforeAll(async () => {
    const storeUrl = schemaUrl(url!, schema);
    store = openPostgresStore(storeUrl);
    await store.migrate();
    client = new pg.Client({ connectionString: storeUrl });
    await client.connect();
    // Bulk load the way a restore would: without the migration's indexes, then rebuild exactly
    // those (a sorted build is far quicker than a million index insertions).
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = 'runs' AND indexname <> 'runs_pkey'`,
    );
    for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);
    // One run a minute per job for ~70 days; a few failures.
    await client.query('SET synchronous_commit = off');
    await client.query(
      `INSERT INTO runs (id, job, trigger, dry_run, status, started_at, finished_at, duration_ms,
                         summary, attempts, slot, holder, result, logs)
       SELECT lpad(to_hex(i), 8, '0'),
              'job-' || (i % $2),
              'schedule', false,
              CASE WHEN i % 997 = 0 THEN 'failed' WHEN i % 13 = 0 THEN 'ok' ELSE 'noop' END,
              t, t + interval '2 seconds', 2000,
              'run ' || i, 1, t, 'host:1', '{"status":"noop"}', '[]'
         FROM generate_series(1, $1::int) AS i,
              LATERAL (SELECT timestamptz '2026-01-01' + (i / $2) * interval '1 minute' AS t) AS times`,
      [RUNS, JOBS],
    );
    // Two sessions build indexes side by side (one per core).
    const helper = new pg.Client({ connectionString: storeUrl });
    await helper.connect();
    await Promise.all(
      [client, helper].map(async (session, n) => {
        await session.query(`SET maintenance_work_mem = '128MB'`);
        for (const index of indexes.filter((_, i) => i % 2 === n)) await session.query(index.def);
      }),
    );
    await helper.end();
    expect(indexes.map((i) => i.name).sort()).toEqual([
      'runs_job_started',
      'runs_job_status_started',
      'runs_running',
      'runs_started',
      'runs_status_started',
    ]);
    await client.query('ANALYZE runs');
  }, 120_000);

  afterAll(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client?.end();
    await store?.close();
  });

  async function plan(q: RunQuery): Promise<PlanNode[]> {
    const { text, values } = historyQuery(q);
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `EXPLAIN (FORMAT JSON) ${text}`,
      values,
    );
    return nodes(rows[0]!['QUERY PLAN'][0]!.Plan);
  }

  it.each<[string, RunQuery]>([
    ['all jobs', { limit: 20 }],
    ['one job', { job: 'job-3', limit: 20 }],
    ['one job, paging back', { job: 'job-3', before: '2026-02-01T00:00:00.000Z', limit: 50 }],
    ['failures', { status: 'failed', limit: 20 }],
    ['one job’s failures', { job: 'job-7', status: 'failed', limit: 20 }],
  ])('answers "%s" by walking an index in order, without sorting', async (_name, q) => {
    const steps = await plan(q);
    const types = steps.map((n) => n['Node Type']);
    expect(types[0]).toBe('Limit');
    expect(types).not.toContain('Sort');
    expect(types).not.toContain('Seq Scan');
    expect(steps.some((n) => n['Index Name']?.startsWith('runs_'))).toBe(true);
  });

  it('returns the newest runs of a job first', async () => {
    const runs = await store.listRuns({ job: 'job-3', limit: 5 });
    expect(runs).toHaveLength(5);
    expect(runs.every((r) => r.job === 'job-3')).toBe(true);
    const times = runs.map((r) => r.startedAt);
    expect([...times].sort().reverse()).toEqual(times);
    const older = await store.listRuns({ job: 'job-3', limit: 5, before: runs.at(-1)!.startedAt });
    expect(older[0]!.startedAt < runs.at(-1)!.startedAt).toBe(true);
    const failed = await store.listRuns({ job: 'job-7', status: 'failed', limit: 3 });
    expect(failed.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
  });
});
