import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer } from '../packages/forge-sandbox/src/receivers/local-server.js';
import { BENCH_DIR, median, writeResult, type Figure } from './lib/report.js';

/**
 * What the bot costs to keep: cold start of `--help` and `list` (the built CLI, as installed),
 * and the daemon's idle RSS and CPU over 60 s with every example job scheduled. The example
 * config's forges point at a local forge that has nothing new (every list is empty), the steady
 * state of a poll: the example polls verify-deployment every minute, so a run falls in the window.
 */

const ROOT = join(BENCH_DIR, '..');
const CLI = join(ROOT, 'dist/app/cli.js');
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);

function timeCommand(args: string[], cwd: string, runs = 10): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    samples.push(performance.now() - t);
  }
  return median(samples) / 1000;
}

/** RSS (kB) and CPU ticks of a process, from /proc. */
function sample(pid: number): { rssKb: number; ticks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { rssKb, ticks: Number(stat[11]) + Number(stat[12]) };
}

async function idle(cwd: string, config: string): Promise<Figure[]> {
  const child = spawn(process.execPath, [CLI, '--config', config, 'start'], {
    cwd,
    env: { ...process.env, RELEASE_BOT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Let it start, and let the first minute's poll load the forge clients (lazily, once): the
  // window then shows the steady state, one poll a minute.
  const settleMs = 60_000 - (Date.now() % 60_000) + 15_000;
  await new Promise((r) => setTimeout(r, settleMs));
  const first = sample(child.pid!);
  let peak = first.rssKb;
  const start = performance.now();
  while (performance.now() - start < IDLE_SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    peak = Math.max(peak, sample(child.pid!).rssKb);
  }
  const last = sample(child.pid!);
  const elapsed = (performance.now() - start) / 1000;
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const cpuPercent = ((last.ticks - first.ticks) / hz / elapsed) * 100;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  const history = spawnSync(process.execPath, [CLI, '--config', config, 'history', '--json'], {
    cwd,
    encoding: 'utf8',
  });
  const runs = history.status === 0 ? (JSON.parse(history.stdout) as { job: string; status: string }[]) : [];
  const ran = runs.length
    ? `${runs.length} scheduled run(s) since start, one in the window: ${runs.map((r) => `${r.job} ${r.status}`).join(', ')} (forges with nothing new; the first run, before the window, loaded the forge clients)`
    : 'no run in the window';
  const group = `Cost: daemon idle over ${IDLE_SECONDS} s, every example job scheduled`;
  return [
    { group, name: 'idle RSS (peak)', value: peak / 1024, unit: 'MB', target: { max: 120 } },
    { group, name: 'idle CPU', value: cpuPercent, unit: '%', target: { max: 1 }, note: ran },
  ];
}

const cwd = mkdtempSync(join(tmpdir(), 'release-bot-bench-cost-'));
const config = join(cwd, 'release-bot.yaml');
// A forge with nothing new: every GET answers an empty list.
const forge = await startLocalServer((req, res) => {
  res.writeHead(req.method === 'GET' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(req.method === 'GET' ? '[]' : '{"message":"404 Not Found"}');
});
writeFileSync(
  config,
  readFileSync(join(ROOT, 'config/release-bot.yaml'), 'utf8').replace(
    /https:\/\/(gitlab\.com|github\.com|api\.github\.com)/g,
    forge.baseUrl,
  ),
);
try {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const group = 'Cost: cold start of the built CLI (median of 10)';
  const figures: Figure[] = [
    {
      group,
      name: '`release-bot --help`',
      value: timeCommand(['--help'], cwd),
      unit: 's',
      target: { max: 0.4 },
    },
    {
      group,
      name: '`release-bot list`',
      value: timeCommand(['--config', config, 'list'], cwd),
      unit: 's',
      target: { max: 0.4 },
    },
    ...(await idle(cwd, config)),
  ];
  writeResult('cost', figures);
} finally {
  await forge.close();
  rmSync(cwd, { recursive: true, force: true });
}
