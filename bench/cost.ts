import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, median, writeResult, type Figure } from './lib/report.js';

/**
 * What the bot costs to keep: cold start of `--help` and `list` (the built CLI, as installed),
 * and the daemon's idle RSS and CPU over 60 s with every example job scheduled.
 */

const ROOT = join(BENCH_DIR, '..');
const CLI = join(ROOT, 'dist/src/cli.js');
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
  await new Promise((r) => setTimeout(r, 5000)); // let it start and settle
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
  const group = `Cost: daemon idle over ${IDLE_SECONDS} s, every example job scheduled`;
  return [
    { group, name: 'idle RSS (peak)', value: peak / 1024, unit: 'MB', target: { max: 120 } },
    { group, name: 'idle CPU', value: cpuPercent, unit: '%', target: { max: 1 } },
  ];
}

const cwd = mkdtempSync(join(tmpdir(), 'release-bot-bench-cost-'));
const config = join(cwd, 'release-bot.yaml');
copyFileSync(join(ROOT, 'config/release-bot.yaml'), config);
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
  rmSync(cwd, { recursive: true, force: true });
}
