import { join } from 'node:path';
import { z } from 'zod';
import { validateConfig } from '../../src/config/load.js';
import { buildConfigSchema, type Config } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log/logger.js';
import { createSlackNotifier } from '../../src/notify/slack.js';
import type { Notifier } from '../../src/notify/types.js';
import { defineJob, type JobContext, type JobDefinition, type JobResult } from '../../src/runner/job.js';
import type { RunnerSentry } from '../../src/runner/observers.js';
import { createRunner, type Runner } from '../../src/runner/runner.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/tmp.js';

/** A runner over a real SQLite store with test jobs whose behaviour each test scripts. */

export type Behaviour = (ctx: JobContext) => Promise<JobResult>;

export function scriptedJob(name: string, behaviour: { current: Behaviour }): JobDefinition {
  return defineJob({
    name,
    description: `test job ${name}`,
    schedule: '* * * * *',
    options: z.object({ flag: z.boolean().default(false) }),
    run: (ctx) => behaviour.current(ctx),
  });
}

export interface Harness {
  runner: Runner;
  store: Store;
  config: Config;
  dir: string;
  close(): Promise<void>;
}

export async function harness(input: {
  jobs: JobDefinition[];
  config?: Record<string, unknown>;
  sentry?: RunnerSentry;
  slackUrl?: string;
  dbPath?: string;
  leaseTtlMs?: number;
}): Promise<Harness> {
  const tmp = tempDir();
  const raw = {
    ...(input.slackUrl
      ? { slack: { defaultChannel: 'ops', channels: { ops: { webhookUrl: input.slackUrl } } } }
      : {}),
    ...input.config,
  };
  const config = validateConfig(raw, buildConfigSchema(input.jobs), 'test');
  const store = openSqliteStore(input.dbPath ?? join(tmp.dir, 'state.db'));
  await store.migrate();
  const notifier = (dryRun: boolean): Notifier =>
    createSlackNotifier({
      channels: config.slack.channels,
      defaultChannel: config.slack.defaultChannel,
      dryRun,
      retryBaseDelayMs: 10,
    });
  const runner = createRunner({
    config,
    jobs: input.jobs,
    store,
    logger: silentLogger(),
    notifier,
    sentry: input.sentry,
    retryBaseMs: 5,
    leaseTtlMs: input.leaseTtlMs,
  });
  return {
    runner,
    store,
    config,
    dir: tmp.dir,
    async close() {
      await store.close();
      tmp.cleanup();
    },
  };
}

export const ok = (summary = 'done'): JobResult => ({ status: 'ok', summary, actions: [], links: [] });
