import { join } from 'node:path';
import { z } from 'zod';
import { validateConfig } from '../../src/config/load.js';
import { buildConfigSchema, type Config } from '../../src/config/schema.js';
import { defineJob, type JobDefinition } from '../../src/runner/job.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/tmp.js';

/** Jobs, config and a real SQLite store for the status page tests. */

function job(name: string, schedule: string, description = `the ${name} job`): JobDefinition {
  return defineJob({
    name,
    description,
    schedule,
    options: z.object({}),
    run: async () => ({ status: 'noop', summary: 'nothing', actions: [], links: [] }),
  });
}

export const testJobs: JobDefinition[] = [
  job('bump', '0 * * * *', 'Bumps <b>versions</b>'),
  job('idle', '*/5 * * * *'),
  job('move', '30 9 * * 5'),
  job('by-hand', 'manual'),
  job('off', '0 0 * * *'),
];

export interface Fixture {
  config: Config;
  jobs: JobDefinition[];
  store: Store;
  dir: string;
  close(): Promise<void>;
}

export async function fixture(extra: Record<string, unknown> = {}): Promise<Fixture> {
  const tmp = tempDir('release-bot-status-');
  const raw = {
    timezone: 'America/New_York',
    jobs: {
      bump: { timezone: 'Europe/Amsterdam' },
      move: {},
      'by-hand': {},
      off: { enabled: false },
    },
    ...extra,
  };
  const config = validateConfig(raw, buildConfigSchema(testJobs), 'test');
  const store = openSqliteStore(join(tmp.dir, 'state.db'));
  await store.migrate();
  return {
    config,
    jobs: testJobs,
    store,
    dir: tmp.dir,
    async close() {
      await store.close();
      tmp.cleanup();
    },
  };
}
