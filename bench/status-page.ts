import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../src/store/sqlite-driver.js';
import { jobs } from '../app/jobs.js';
import { loadAppConfig } from '../app/app.js';
import { startDaemonServer } from '../src/http/server.js';
import { createStatusReader } from '../src/http/status/data.js';
import { createStatusRoutes } from '../src/http/status/routes.js';
import { renderStatusPage } from '../src/http/status/status-page.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { BENCH_DIR, median, percentile, round, writeResult, type Figure } from './lib/report.js';

/**
 * The status page with 100 000 runs in a SQLite history: every registered job has runs (results
 * with actions, links, items, details; a dozen log lines each), the example config schedules
 * them. Times, over HTTP from the daemon's server, sequential requests for GET / (nothing new,
 * and right after a run of one job finished), /api/status and /runs/:id; and in process the
 * first page of a fresh daemon, which reads every job's last 50 runs.
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
// The store's own engine (node:sqlite on Node 24, better-sqlite3 on 20).
const db = openSqliteDatabase(path);
const insert = db.prepare(
  `INSERT INTO runs (id, job, trigger, dry_run, status, started_at, finished_at, duration_ms, summary, error, attempts, slot, holder, result, logs)
   VALUES (?, ?, 'schedule', ?, ?, ?, ?, ?, ?, ?, 1, ?, 'bench:1:abcd', ?, ?)`,
);
const names = jobs.map((j) => j.name);
const start = Date.parse('2024-01-01T00:00:00Z');
const load = performance.now();
db.immediate(() => {
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
});
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

// node:http with keep-alive, as a browser would reuse its connection; fetch (undici) in the same
// process would add its own cost to every sample.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(`${server.url}${path}`, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

interface Scenario {
  path: string;
  /** Untimed, ahead of each request. */
  before?: (i: number) => Promise<void>;
  samples: number[];
  bytes: number;
}

/**
 * Sequential requests, the scenarios taking turns so that each sees the same machine (a shared
 * host's load moves during a run); the first 20 rounds warm up the JIT and SQLite's page cache.
 */
async function measure(scenarios: Scenario[]): Promise<void> {
  for (let i = 0; i < 20 + REQUESTS; i++)
    for (const scenario of scenarios) {
      await scenario.before?.(i);
      const t = performance.now();
      const { status, body } = await get(scenario.path);
      const took = performance.now() - t;
      if (status !== 200) throw new Error(`${scenario.path}: ${status} ${body.slice(0, 200)}`);
      scenario.bytes = Buffer.byteLength(body);
      if (i >= 20) scenario.samples.push(took);
    }
}

const scenario = (path: string, before?: Scenario['before']): Scenario => ({
  path,
  before,
  samples: [],
  bytes: 0,
});

/** One more finished run of a job, as the runner records it: the page re-reads that job. */
let extra = 0;
async function runFinished(i: number): Promise<void> {
  const job = names[i % names.length]!;
  const t = Date.parse('2030-01-01T00:00:00Z') + extra++ * 60_000;
  const id = `${t.toString(36)}-bench${extra}`;
  await store.insertRun({
    id,
    job,
    trigger: 'schedule',
    dryRun: false,
    status: 'running',
    startedAt: new Date(t).toISOString(),
    finishedAt: null,
    durationMs: null,
    summary: '',
    error: null,
    attempts: 1,
    slot: null,
    holder: 'bench:1:abcd',
    result: null,
    logs: [],
  });
  await store.updateRun(id, {
    status: 'ok',
    finishedAt: new Date(t + 1500).toISOString(),
    durationMs: 1500,
    summary: 'gitaly: ok',
    result: JSON.parse(result(job, i, 'ok')) as unknown,
    logs: JSON.parse(logs(job, id, t)) as string[],
  });
}

/**
 * Assemble and render without HTTP, with a fresh reader each time: every job's last 50 runs are
 * read and parsed, as on the daemon's first request. CPU time alongside wall time.
 */
async function cold(): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 70; i++) {
    const reader = createStatusReader({ config, jobs, store });
    const c = process.cpuUsage();
    const t = performance.now();
    renderStatusPage(await reader.status());
    const took = performance.now() - t;
    const used = process.cpuUsage(c);
    if (i < 20) continue;
    wall.push(took);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

const group = `Status page: served with ${RUNS.toLocaleString('en-US')} runs in history (SQLite)`;
const ms = (name: string, values: number[], p: 50 | 95, target = true): Figure => ({
  group,
  name: `${name} p${p}`,
  value: p === 50 ? median(values) : percentile(values, p),
  unit: 'ms',
  ...(target ? { target: { max: TARGET_MS } } : {}),
});

try {
  const page = scenario('/');
  const moved = scenario('/', runFinished);
  const api = scenario('/api/status');
  const run = scenario(`/runs/${someRun}`);
  await measure([page, moved, api, run]);
  const first = await cold();
  const note = `${total} runs over ${names.length} jobs (loaded in ${round(loadSeconds)} s); ${REQUESTS} sequential requests per figure (after 20 warm-up rounds, scenarios interleaved) over a keep-alive connection; load average ${round(loadavg()[0]!)} on ${cpus().length} CPUs during the run`;
  writeResult('status-page', [
    { ...ms('GET /', page.samples, 50), note },
    ms('GET /', page.samples, 95),
    ms('GET / right after a run finished (that job re-read)', moved.samples, 50),
    ms('GET / right after a run finished (that job re-read)', moved.samples, 95),
    ms('GET /api/status', api.samples, 50),
    ms('GET /api/status', api.samples, 95),
    ms('GET /runs/:id', run.samples, 50),
    ms('GET /runs/:id', run.samples, 95),
    ms('first page of a fresh daemon, every job re-read (in process)', first.wall, 50),
    ms('first page of a fresh daemon, every job re-read (in process)', first.wall, 95),
    ms('first page of a fresh daemon: CPU time', first.cpu, 50, false),
    { group, name: 'GET / page size', value: page.bytes / 1024, unit: 'KiB' },
  ]);
  console.log(
    `status page with ${total.toLocaleString('en-US')} runs: GET / p50 ${round(median(page.samples))} ms, p95 ${round(percentile(page.samples, 95))} ms (target < ${TARGET_MS} ms); after a run p95 ${round(percentile(moved.samples, 95))} ms; /api/status p95 ${round(percentile(api.samples, 95))} ms; /runs/:id p95 ${round(percentile(run.samples, 95))} ms; first page p50 ${round(median(first.wall))} ms`,
  );
} finally {
  agent.destroy();
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
