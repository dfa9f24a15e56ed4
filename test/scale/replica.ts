import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { collect, ROOT, spawnCli, type CliResult } from '../helpers/cli.js';
import { sleep } from '../../src/kit/sleep.js';

/** A `release-bot start` daemon in its own process, optionally with a skewed clock. */

export interface Replica {
  child: ChildProcess;
  pid: number;
  /** How far this replica's clock is ahead of the real one (ms). */
  skewMs: number;
  /** Everything it printed so far. */
  output(): string;
  exited: Promise<CliResult>;
}

const SKEWED_CLOCK = pathToFileURL(join(ROOT, 'test/scale/skewed-clock.mjs')).href;

export function startReplica(
  config: string,
  options: { skewMs?: number; env?: NodeJS.ProcessEnv } = {},
): Replica {
  const skewMs = options.skewMs ?? 0;
  const env: NodeJS.ProcessEnv = { RELEASE_BOT_LEASE_TTL_SECONDS: '3', ...options.env };
  if (skewMs) {
    env.RELEASE_BOT_TEST_CLOCK_SKEW_MS = String(skewMs);
    env.NODE_OPTIONS = `--import ${SKEWED_CLOCK}`;
  }
  const child = spawnCli(['--config', config, 'start'], { env });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, pid: child.pid!, skewMs, output: () => out, exited: collect(child) };
}

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Wait until every daemon says it started; on timeout, show what the others printed. */
export async function waitForStart(replicas: Replica[], timeoutMs: number): Promise<void> {
  const started = (r: Replica) => r.output().includes('release-bot started');
  try {
    await waitFor(`${replicas.length} daemons to start`, () => replicas.every(started), timeoutMs);
  } catch (error) {
    const report = replicas
      .filter((r) => !started(r))
      .map(
        (r) =>
          `pid ${r.pid} (exit ${r.child.exitCode ?? r.child.signalCode ?? 'none'}):\n${r.output().slice(-1500)}`,
      );
    throw new Error(`${(error as Error).message}\n${report.join('\n')}`);
  }
}

export { sleep } from '../../src/kit/sleep.js';

/** The pid inside a run's holder (`host:pid:nonce`, or a lease's `host:pid:nonce/runId`). */
export function holderPid(holder: string): number {
  const match = /:(\d+):[0-9a-f]+(?:\/|$)/.exec(holder);
  if (!match) throw new Error(`unexpected holder ${holder}`);
  return Number(match[1]);
}
