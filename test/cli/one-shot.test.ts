import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../packages/forge-sandbox/src/receivers/local-server.js';
import {
  startSentryReceiver,
  type SentryReceiver,
} from '../../packages/forge-sandbox/src/receivers/sentry-receiver.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { collect, runCli, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** `release-bot run` under an external scheduler: check-ins with --trigger schedule, SIGTERM recorded as aborted. */
describe('one-shot runs', () => {
  const tmp = tempDir();
  let sim: Simulator;
  let sentry: SentryReceiver;
  let config: string;
  const db = join(tmp.dir, 'state.db');

  beforeAll(async () => {
    sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
    sentry = await startSentryReceiver();
    const { token } = sim.createUser('release-bot', { bot: true });
    config = join(tmp.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'forges:',
        `  gitlab: { type: gitlab, url: "${sim.gitlab.url}", token: "${token}", retries: 0 }`,
        `sentry: { dsn: "${sentry.dsn}" }`,
        `store: { path: ${JSON.stringify(db)} }`,
        'jobs:',
        "  heartbeat: { schedule: '*/5 * * * *' }",
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await sentry.close();
    await sim.close();
    tmp.cleanup();
  });

  it('sends Sentry cron check-ins when run with --trigger schedule', async () => {
    const result = await runCli(['--config', config, 'run', 'heartbeat', '--trigger', 'schedule']);
    expect(result.code).toBe(0);
    await pollUntil(() => sentry.checkIns().length >= 2, 60_000, 'check-ins');
    expect(sentry.checkIns().map((c) => c.status)).toEqual(['in_progress', 'ok']);
    const bad = await runCli(['--config', config, 'run', 'heartbeat', '--trigger', 'cron']);
    expect(bad.code).toBe(2);
  });

  it('records a run stopped by SIGTERM as aborted and exits 1', async () => {
    sim.addFault({ forge: 'gitlab', route: 'GET /api/v4/user', latencyMs: 20_000, times: 1 });
    const child = spawnCli(['--config', config, 'run', 'heartbeat']);
    const done = collect(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await pollUntil(() => stderr.includes('run started'), 60_000, 'the run to start');
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(1);
    const store = openSqliteStore(db);
    const [last] = await store.listRuns({ job: 'heartbeat', limit: 1 });
    await store.close();
    expect(last?.status).toBe('aborted');
  }, 120_000);
});
