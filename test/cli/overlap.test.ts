import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { pollUntil } from '../../packages/forge-sandbox/src/receivers/local-server.js';
import { collect, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { startHttpTap, type HttpTap } from '../support/http-tap.js';

/** Two `release-bot run` processes on one store: the second is refused while the first runs. */
describe('overlap across processes', () => {
  const tmp = tempDir();
  let sim: Simulator;
  let tap: HttpTap;
  let config: string;

  beforeAll(async () => {
    sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
    // The bot reaches GitLab through a tap that can hold its requests (the run is busy).
    tap = await startHttpTap(sim.gitlab.url);
    sim.world.webUrl.gitlab = tap.url;
    const { token } = sim.createUser('release-bot', { bot: true });
    config = join(tmp.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'forges:',
        `  gitlab: { type: gitlab, url: "${tap.url}", token: "${token}" }`,
        `store: { path: ${JSON.stringify(join(tmp.dir, 'state.db'))} }`,
        'jobs:',
        '  heartbeat: {}',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await tap?.close();
    await sim.close();
    tmp.cleanup();
  });

  it('refuses the second run with exit 3 and records it, while the first completes', async () => {
    // The first run's request waits in the tap until the second run has been refused.
    tap.hold((r) => r.method === 'GET' && r.path === '/api/v4/user');
    const first = spawnCli(['--config', config, 'run', 'heartbeat']);
    const firstDone = collect(first);
    await pollUntil(() => tap.held() > 0, 60_000, 'the first run to ask GitLab who it is');
    const second = await collect(spawnCli(['--config', config, 'run', 'heartbeat']));
    tap.release();
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/refused: job heartbeat is already running \(held by .+\)/);
    const firstResult = await firstDone;
    expect(firstResult.code).toBe(0);
    const store = openSqliteStore(join(tmp.dir, 'state.db'));
    const runs = await store.listRuns({ job: 'heartbeat' });
    await store.close();
    expect(runs.map((r) => r.status).sort()).toEqual(['ok', 'refused']);
  }, 60_000);
});
