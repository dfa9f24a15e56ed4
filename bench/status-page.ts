import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { jobs } from '../jobs/index.js';
import { loadAppConfig } from '../src/app/app.js';
import { startDaemonServer } from '../src/http/server.js';
import { createStatusReader } from '../src/http/status/data.js';
import { createStatusRoutes } from '../src/http/status/routes.js';
import { renderStatusPage } from '../src/http/status/status-page.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { BENCH_DIR, median, percentile, round, writeResult } from './lib/report.js';

/**
 * The status page with 100 000 runs in a SQLite history: every registered job has runs (results
 * with actions, links, items, details; a dozen log lines each), the example config schedules
 * them. Times GET /, /api/status and /runs/:id over HTTP from the daemon's server, sequentially.
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const TARGET_MS = 50;
const STATUSES = ['ok', 'noop', 'noop', 'noop', 'noop', 'ok', 'failed', 'skipped'];

const dir = mkdtempSync(join(tmpdir(), 'release-bot-bench-status-'));
const path = join(dir, 'state.db');
const setup = openSqliteStore(path);
await setup.migrate();
await setup.close();

function result(job: string, i: number, status: string): string {
  const mr = `https://gitlab.example.com/org/gitlab/-/merge_requests/${i % 500}`;
  return JSON.stringify({
    status,
    summary: `gitaly: ${status === 'failed' ? 'failed: 502 Bad Gateway' : 'up to date at 1a2b3c4d5e6f (pipeline #123 passed)'}`,
    actions: [
      {
        kind: 'commit-version',
        description: 'reset branch release-bot/update-gitaly from org/gitlab@main',
        done: true,
        subject: 'gitaly',
      },
      {
        kind: 'update-mr',
        description: 'update MR !12: title "Update gitaly version"',
        done: true,
        url: mr,
        subject: 'gitaly',
      },
    ],
    links: [
      { text: 'gitaly MR', url: mr },
      { text: 'gitaly changes', url: 'https://gitlab.example.com/org/gitaly/-/compare/1a2b3c...4d5e6f' },
    ],
    items: [{ name: 'gitaly', status, summary: 'up to date', links: [{ text: 'gitaly MR', url: mr }] }],
    details: {
      plans: [{ component: 'gitaly', decision: 'noop', from: '1a2b3c4d5e6f', to: '4d5e6f7a8b9c', steps: [] }],
      ...(job === 'move-stable-branches'
        ? {
            pending: [
              {
                kind: 'approval',
                title: 'Approve moving stable (plan a1b2c3)',
                url: mr,
                since: '2026-01-01T00:00:00Z',
              },
            ],
          }
        : {}),
    },
  });
}

function logs(job: string, id: string, t: number): string {
  const lines = Array.from({ length: 12 }, (_, n) =>
    JSON.stringify({
      level: 30,
      time: t + n * 37,
      job,
      runId: id,
      msg: `step ${n}: looked at org/gitaly and org/gitlab`,
      progress: true,
    }),
  );
  return JSON.stringify(lines);
}

// Bulk load in one transaction (the store inserts one run per call, which is what a run needs).
const db = new Database(path);
const insert = db.prepare(
  `INSERT INTO runs (id, job, trigger, dry_run, status, started_at, finished_at, duration_ms, summary, error, attempts, slot, holder, result, logs)
   VALUES (?, ?, 'schedule', ?, ?, ?, ?, ?, ?, ?, 1, ?, 'bench:1:abcd', ?, ?)`,
);
const names = jobs.map((j) => j.name);
const start = Date.parse('2024-01-01T00:00:00Z');
const load = performance.now();
db.transaction(() => {
  for (let i = 0; i < RUNS; i++) {
    const t = start + i * 60_000;
    const at = new Date(t).toISOString();
    const job = names[i % names.length]!;
    const status = STATUSES[Math.floor(i / names.length) % STATUSES.length]!;
    const id = `${t.toString(36)}-${(i % 0xffffff).toString(16).padStart(6, '0')}`;
    insert.run(
      id,
      job,
      i % 97 === 0 ? 1 : 0,
      status,
      at,
      new Date(t + 1500 + (i % 13) * 100).toISOString(),
      1500 + (i % 13) * 100,
      `gitaly: ${status}`,
      status === 'failed' ? 'gitaly: failed: 502 Bad Gateway' : null,
      at,
      result(job, i, status),
      logs(job, id, t),
    );
  }
})();
db.prepare(
  `INSERT INTO last_runs (job, run_id) SELECT job, id FROM runs r WHERE started_at = (SELECT MAX(started_at) FROM runs WHERE job = r.job)`,
).run();
const total = (db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
const someRun = (
  db.prepare('SELECT id FROM runs ORDER BY started_at DESC LIMIT 1 OFFSET 1234').get() as { id: string }
).id;
db.close();
const loadSeconds = (performance.now() - load) / 1000;

const { config } = await loadAppConfig({ configPath: join(BENCH_DIR, '..', 'config/release-bot.yaml') });
const store = openSqliteStore(path);
const server = await startDaemonServer({
  config: { host: '127.0.0.1', port: 0 },
  health: async () => ({ ok: true, details: {} }),
  metrics: async () => ({ contentType: 'text/plain', body: '' }),
  routes: createStatusRoutes({ config, jobs, store }),
});

async function time(path: string): Promise<{ samples: number[]; bytes: number }> {
  let bytes = 0;
  const once = async () => {
    const t = performance.now();
    const res = await fetch(`${server.url}${path}`);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
    bytes = body.length;
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) await once(); // warm up: JIT, SQLite page cache
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) samples.push(await once());
  return { samples, bytes };
}

/** The same work without HTTP: assemble from the store, then render; CPU time alongside wall time. */
async function inProcess(): Promise<{ query: number[]; render: number[]; cpu: number[] }> {
  const reader = createStatusReader({ config, jobs, store });
  const query: number[] = [];
  const render: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 20 + REQUESTS; i++) {
    const c = process.cpuUsage();
    const t0 = performance.now();
    const data = await reader.status();
    const t1 = performance.now();
    renderStatusPage(data);
    const t2 = performance.now();
    const used = process.cpuUsage(c);
    if (i < 20) continue;
    query.push(t1 - t0);
    render.push(t2 - t1);
    cpu.push((used.user + used.system) / 1000);
  }
  return { query, render, cpu };
}

try {
  const parts = await inProcess();
  const page = await time('/');
  const api = await time('/api/status');
  const run = await time(`/runs/${someRun}`);
  const load1 = loadavg()[0]!;
  const note = `${total} runs over ${names.length} jobs (loaded in ${round(loadSeconds)} s); ${REQUESTS} sequential requests after 20 warm-up; load average ${round(load1)} during the run`;
  const group = `Status page: served with ${total.toLocaleString('en-US')} runs in history (SQLite)`;
  writeResult('status-page', [
    { group, name: 'GET / p50', value: median(page.samples), unit: 'ms', target: { max: TARGET_MS }, note },
    { group, name: 'GET / p95', value: percentile(page.samples, 95), unit: 'ms', target: { max: TARGET_MS } },
    {
      group,
      name: 'GET /api/status p50',
      value: median(api.samples),
      unit: 'ms',
      target: { max: TARGET_MS },
    },
    {
      group,
      name: 'GET /api/status p95',
      value: percentile(api.samples, 95),
      unit: 'ms',
      target: { max: TARGET_MS },
    },
    { group, name: 'GET /runs/:id p50', value: median(run.samples), unit: 'ms', target: { max: TARGET_MS } },
    {
      group,
      name: 'GET /runs/:id p95',
      value: percentile(run.samples, 95),
      unit: 'ms',
      target: { max: TARGET_MS },
    },
    { group, name: 'GET / page size', value: page.bytes / 1024, unit: 'KiB' },
    { group, name: 'in process: assemble from the store p50', value: median(parts.query), unit: 'ms' },
    { group, name: 'in process: render HTML p50', value: median(parts.render), unit: 'ms' },
    { group, name: 'in process: CPU time per page p50', value: median(parts.cpu), unit: 'ms' },
  ]);
  console.log(
    `status page with ${total.toLocaleString('en-US')} runs: GET / p50 ${round(median(page.samples))} ms, p95 ${round(percentile(page.samples, 95))} ms (target < ${TARGET_MS} ms); /api/status p95 ${round(percentile(api.samples, 95))} ms; /runs/:id p95 ${round(percentile(run.samples, 95))} ms`,
  );
} finally {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
