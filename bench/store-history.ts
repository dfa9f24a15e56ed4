import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../src/store/sqlite-driver.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { median, percentile, writeResult } from './lib/report.js';

/** `release-bot history` against a SQLite store holding 1 000 000 runs. */

const RUNS = 1_000_000;
const JOBS = [
  'update-component',
  'report-pipeline-failures',
  'move-stable-branches',
  'heartbeat',
  'verify-deployment',
];
const STATUSES = ['ok', 'noop', 'noop', 'noop', 'failed'];

const dir = mkdtempSync(join(tmpdir(), 'release-bot-bench-store-'));
const path = join(dir, 'state.db');
const store = openSqliteStore(path);
await store.migrate();
await store.close();

// Bulk load with one transaction (the store API inserts one run per call, which is what a run needs).
// The store's own engine (node:sqlite on Node 24, better-sqlite3 on 20).
const db = openSqliteDatabase(path);
const insert = db.prepare(
  `INSERT INTO runs (id, job, trigger, dry_run, status, started_at, finished_at, duration_ms, summary, error, attempts, slot, holder, result, logs)
   VALUES (?, ?, 'schedule', 0, ?, ?, ?, 1200, ?, NULL, 1, NULL, 'bench:1', '{"status":"noop","summary":"up to date","actions":[],"links":[]}', '[]')`,
);
const start = Date.parse('2020-01-01T00:00:00Z');
const load = performance.now();
db.immediate(() => {
  for (let i = 0; i < RUNS; i++) {
    const at = new Date(start + i * 60_000).toISOString();
    insert.run(
      `r${i.toString(36).padStart(8, '0')}`,
      JOBS[i % JOBS.length],
      STATUSES[Math.floor(i / JOBS.length) % STATUSES.length],
      at,
      at,
      `run ${i}`,
    );
  }
});
db.prepare(`INSERT INTO last_runs (job, run_id) SELECT job, MAX(id) FROM runs GROUP BY job`).run();
db.close();
const loadSeconds = (performance.now() - load) / 1000;

const reopened = openSqliteStore(path);
async function time(fn: () => Promise<unknown>, repeat = 50): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}
const cold = await time(() => reopened.listRuns({ limit: 20 }), 1);
const all = await time(() => reopened.listRuns({ limit: 20 }));
const byJob = await time(() => reopened.listRuns({ job: 'update-component', limit: 20 }));
const failed = await time(() => reopened.listRuns({ job: 'update-component', status: 'failed', limit: 20 }));
const last = await time(() => reopened.lastRuns());
await reopened.close();
rmSync(dir, { recursive: true, force: true });

const group = `Store: history with ${RUNS.toLocaleString('en')} runs (SQLite)`;
writeResult('store-history', [
  {
    group,
    name: '`history` (newest 20, all jobs), p95',
    value: percentile(all, 95),
    unit: 'ms',
    target: { max: 50 },
    note: `first query ${cold[0]!.toFixed(1)} ms`,
  },
  {
    group,
    name: '`history update-component` (newest 20), p95',
    value: percentile(byJob, 95),
    unit: 'ms',
    target: { max: 50 },
  },
  {
    group,
    name: '`history update-component --status failed`, p95',
    value: percentile(failed, 95),
    unit: 'ms',
    target: { max: 50 },
  },
  {
    group,
    name: 'last run per job (list, status page), median',
    value: median(last),
    unit: 'ms',
    target: { max: 50 },
  },
  { group, name: `bulk load of ${RUNS.toLocaleString('en')} runs`, value: loadSeconds, unit: 's' },
]);
