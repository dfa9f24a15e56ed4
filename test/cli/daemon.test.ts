import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../packages/forge-sandbox/src/receivers/local-server.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { collect, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** `release-bot start` as a real process: health, metrics, and a graceful SIGTERM. */
describe('daemon', () => {
  const tmp = tempDir();
  let sim: Simulator;
  let config: string;
  const db = join(tmp.dir, 'state.db');

  beforeAll(async () => {
    sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
    const { token } = sim.createUser('release-bot', { bot: true });
    config = join(tmp.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'forges:',
        `  gitlab: { type: gitlab, url: "${sim.gitlab.url}", token: "${token}", retries: 0 }`,
        `store: { path: ${JSON.stringify(db)} }`,
        'server: { host: 127.0.0.1, port: 0 }',
        'runner: { shutdownGraceSeconds: 1 }',
        'jobs:',
        "  heartbeat: { schedule: '* * * * * *' }",
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it('serves /healthz and /metrics, then on SIGTERM aborts the in-flight run after the grace period and exits 0', async () => {
    // Every /user call takes 20 s, so a heartbeat run is in flight when SIGTERM arrives.
    sim.addFault({ forge: 'gitlab', route: 'GET /api/v4/user', latencyMs: 20_000 });
    const child = spawnCli(['--config', config, 'start'], { env: { RELEASE_BOT_LOG_LEVEL: 'info' } });
    const done = collect(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await pollUntil(
      () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr)?.[1],
      60_000,
      'the daemon to start',
    );

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      scheduler: 'running',
      store: 'ok',
      jobs: ['heartbeat'],
    });

    const store = openSqliteStore(db);
    await pollUntil(() => /run started/.test(stderr), 60_000, 'a scheduled run');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('release_bot_runs_in_progress{job="heartbeat"} 1');
    // Every configured job's series exist from the start (issue 20).
    expect(metrics).toContain('release_bot_runs_total{job="heartbeat",status="failed"} 0');
    expect(metrics).toContain('release_bot_job_alerts_open{job="heartbeat"} 0');

    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('grace period over');
    const runs = await store.listRuns({ job: 'heartbeat' });
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.map((r) => r.status)).toContain('aborted');
    expect(runs.some((r) => r.status === 'running')).toBe(false);
    await store.close();
  }, 120_000);
});
