import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sandbox/simulator.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { collect, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** Two `release-bot run` processes on one store: the second is refused while the first runs. */
describe('overlap across processes', () => {
  const tmp = tempDir();
  let sim: Simulator;
  let config: string;

  beforeAll(async () => {
    sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
    const { token } = sim.createUser('release-bot', { bot: true });
    config = join(tmp.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'forges:',
        `  gitlab: { type: gitlab, url: "${sim.gitlab.url}", token: "${token}" }`,
        `store: { path: ${JSON.stringify(join(tmp.dir, 'state.db'))} }`,
        'jobs:',
        '  heartbeat: {}',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it('refuses the second run with exit 3 and records it, while the first completes', async () => {
    sim.addFault({ forge: 'gitlab', route: 'GET /api/v4/user', latencyMs: 6_000, times: 1 });
    const first = spawnCli(['--config', config, 'run', 'heartbeat']);
    const firstDone = collect(first);
    let stderr = '';
    first.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('first run did not start')), 20_000);
      const timer = setInterval(() => {
        if (stderr.includes('run started')) {
          clearInterval(timer);
          clearTimeout(deadline);
          resolve();
        }
      }, 50);
    });
    const second = await collect(spawnCli(['--config', config, 'run', 'heartbeat']));
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
