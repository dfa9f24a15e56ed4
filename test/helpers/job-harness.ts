import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openApp, type App } from '../../app/app.js';
import { silentLogger } from '../../src/log/logger.js';
import type { JobDefinition } from '../../src/runner/job.js';
import type { RunOutcome, RunRequest } from '../../src/runner/runner.js';
import {
  startSentryReceiver,
  type SentryReceiver,
} from '../../packages/forge-sandbox/src/receivers/sentry-receiver.js';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import { simulatorForges } from '../../packages/forge-sandbox/src/bot-forges.js';
import {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../packages/forge-sandbox/src/simulator.js';
import { tempDir } from './tmp.js';

/**
 * Everything a job scenario test needs, wired like production: the forge simulator (GitLab and
 * GitHub listeners), a config file naming forges `gitlab` and `github` with the bot's token,
 * Slack channels `releases` and `oncall` received by a local webhook server, optionally Sentry
 * received by a local ingest endpoint, and the app (runner + SQLite store) from `openApp`.
 * Jobs see the simulator's clock as `ctx.now()`.
 */

export interface JobHarness {
  sim: Simulator;
  slack: SlackReceiver;
  sentry: SentryReceiver | undefined;
  app: App;
  /** The bot user's token (valid on both forges). */
  botToken: string;
  dir: string;
  run(job: string, request?: Partial<RunRequest>): Promise<RunOutcome>;
  /** Re-open the app (a restart of the bot: same store, fresh process state). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface JobHarnessOptions {
  jobs?: JobDefinition[];
  /** Seed users and projects before the config is written (the bot user `release-bot` exists already). */
  seed?: (sim: Simulator, botToken: string) => Promise<void>;
  /** Job sections (`{ 'update-component': {...} }`), other top-level config keys under `extra`. */
  jobsConfig: (sim: Simulator) => Record<string, unknown>;
  extra?: (sim: Simulator) => Record<string, unknown>;
  sentry?: boolean;
  /** Forge retries (keep small so fault tests are quick). */
  retries?: number;
  /** Simulator options (GitLab version, realism); the directory is the harness's own. */
  simulator?: Omit<SimulatorOptions, 'dir'>;
}

export async function jobHarness(options: JobHarnessOptions): Promise<JobHarness> {
  const tmp = tempDir('release-bot-job-');
  const sim = await startSimulator({ ...options.simulator, dir: join(tmp.dir, 'sim') });
  const slack = await startSlackReceiver();
  const sentry = options.sentry ? await startSentryReceiver() : undefined;
  const { token: botToken } = sim.createUser('release-bot', { name: 'Release Bot', bot: true });
  await options.seed?.(sim, botToken);
  const config = {
    timezone: 'UTC',
    forges: simulatorForges(sim, botToken, options.retries ?? 2),
    slack: {
      defaultChannel: 'releases',
      channels: {
        releases: { webhookUrl: slack.url('releases') },
        oncall: { webhookUrl: slack.url('oncall'), mention: '<!subteam^S0ONCALL>' },
      },
    },
    ...(sentry ? { sentry: { dsn: sentry.dsn, environment: 'test' } } : {}),
    store: { path: join(tmp.dir, 'state.db') },
    ...options.extra?.(sim),
    jobs: options.jobsConfig(sim),
  };
  const configPath = join(tmp.dir, 'release-bot.yaml');
  writeFileSync(configPath, stringify(config));

  const open = () =>
    openApp({
      configPath,
      logger: silentLogger(),
      jobs: options.jobs,
      now: () => sim.clock.now(),
      retryBaseMs: 5,
    });
  let app = await open();

  const harness: JobHarness = {
    sim,
    slack,
    sentry,
    get app() {
      return app;
    },
    botToken,
    dir: tmp.dir,
    async run(job, request = {}) {
      const outcome = await app.runner.run(job, { trigger: 'manual', ...request });
      await app.sentry.flush(30_000);
      return outcome;
    },
    async restart() {
      await app.close();
      app = await open();
    },
    async close() {
      await app.close();
      await slack.close();
      await sentry?.close();
      await sim.close();
      tmp.cleanup();
    },
  };
  return harness;
}
