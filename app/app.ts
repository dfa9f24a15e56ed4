import type { Logger } from 'pino';
import { jobs as allJobs } from './jobs.js';
import { configPath, loadConfig } from '../src/config/load.js';
import { resolveConfigPaths } from '../src/config/paths.js';
import { buildConfigSchema, type Config } from '../src/config/schema.js';
import { createLogger } from '../src/log/logger.js';
import type { Notifier, SentMessage } from '../src/notify/types.js';
import { SLACK_THREADS } from '../src/notify/threads.js';
import type { JobDefinition } from '../src/runner/job.js';
import { noopSentry, type RunnerMetrics, type RunnerSentry } from '../src/runner/observers.js';
import { createRunner, type Runner } from '../src/runner/runner.js';
import { runUrlOf } from '../src/runner/run-url.js';
import { runnerSentry } from '../src/runner/sentry-bridge.js';
import { openStore } from '../src/store/open.js';
import { packageVersion } from '../src/version.js';
import type { Store } from '../src/store/types.js';

/**
 * Wires one process: config → logger, store, Sentry, Slack, runner. The CLI commands, the
 * daemon and end-to-end tests all start here, so they exercise the same wiring.
 */

export interface AppOptions {
  configPath?: string;
  /** `--set` overrides on the raw config (`jobs.<job>.<key>=value`). */
  overrides?: string[];
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  jobs?: JobDefinition[];
  metrics?: RunnerMetrics;
  now?: () => Date;
  leaseTtlMs?: number;
  retryBaseMs?: number;
  /** Skip Sentry even if configured (commands that never report, like `list`). */
  withoutSentry?: boolean;
}

export interface App {
  config: Config;
  configPath: string;
  jobs: JobDefinition[];
  store: Store;
  logger: Logger;
  runner: Runner;
  sentry: RunnerSentry;
  notifier(dryRun: boolean): Notifier;
  /** Every message sent (or, in dry-run, withheld) by notifiers of this app, oldest first. */
  sentMessages(): SentMessage[];
  close(): Promise<void>;
}

export function configSchema(jobs: JobDefinition[] = allJobs) {
  return buildConfigSchema(jobs);
}

export async function loadAppConfig(options: AppOptions = {}): Promise<{ config: Config; path: string }> {
  const path = configPath(options.configPath, options.env);
  const config = await loadConfig(path, configSchema(options.jobs ?? allJobs), {
    env: options.env,
    overrides: options.overrides,
  });
  return { config: resolveConfigPaths(config, path), path };
}

export async function openApp(options: AppOptions = {}): Promise<App> {
  const jobs = options.jobs ?? allJobs;
  const { config, path } = await loadAppConfig(options);
  const logger = options.logger ?? (await createLogger());
  const store = await openStore(config.store, options.env);
  await store.migrate();

  let sentry: RunnerSentry = noopSentry;
  let closeSentry = async () => undefined as unknown;
  if (config.sentry && !options.withoutSentry) {
    const { loadSentry } = await import('../src/notify/sentry-loader.js');
    const reporter = await loadSentry({
      dsn: config.sentry.dsn,
      environment: config.sentry.environment,
      release: config.sentry.release ?? `release-bot@${packageVersion()}`,
    });
    sentry = runnerSentry(reporter);
    // Flush, not close: the SDK is process-wide and a re-opened app (tests, sandbox) reuses it.
    closeSentry = () => reporter.flush(2000);
  }

  const { createSlackNotifier } = await import('../src/notify/slack.js');
  const notifiers: Notifier[] = [];
  const notifier = (dryRun: boolean): Notifier => {
    const created = createSlackNotifier({
      channels: config.slack.channels,
      defaultChannel: config.slack.defaultChannel,
      dryRun,
      logger,
      botToken: config.slack.botToken,
      apiUrl: config.slack.apiUrl,
      // Incident conversations (parent ts, count) survive restarts: kept in the store.
      threads: {
        get: (key) => store.getState(SLACK_THREADS, key),
        set: (key, value) => store.setState(SLACK_THREADS, key, value),
        delete: (key) => store.deleteState(SLACK_THREADS, key),
      },
      now: options.now,
      runUrl: (runId) => runUrlOf(config, runId),
    });
    notifiers.push(created);
    return created;
  };

  const runner = createRunner({
    config,
    jobs,
    store,
    logger,
    notifier,
    sentry,
    metrics: options.metrics,
    now: options.now,
    leaseTtlMs:
      options.leaseTtlMs ??
      (config.runner.leaseTtlSeconds ? config.runner.leaseTtlSeconds * 1000 : undefined),
    retryBaseMs: options.retryBaseMs,
  });

  return {
    config,
    configPath: path,
    jobs,
    store,
    logger,
    runner,
    sentry,
    notifier,
    sentMessages: () => notifiers.flatMap((n) => n.sent),
    async close() {
      await closeSentry();
      await store.close();
    },
  };
}
