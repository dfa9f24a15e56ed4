import { openApp } from '../app.js';
import { checkServerConfig, startDaemonServer, type RouteHandler } from '../../src/http/server.js';
import { createMetrics } from '../../src/http/metrics.js';
import { statusPageRoutes } from '../../src/http/status/routes.js';
import { createLogger } from '../../src/log/logger.js';
import { startScheduler } from '../../src/runner/scheduler.js';
import { EXIT } from './exit.js';
import { slackAppRoutes } from '../slack-app.js';

/**
 * `release-bot start`: the daemon. Schedules every enabled job, serves /healthz, /metrics and
 * the status page, and on SIGTERM/SIGINT stops scheduling, lets in-flight runs finish within
 * `runner.shutdownGraceSeconds`, aborts the rest (recorded as `aborted`) and exits 0.
 */

export interface DaemonHooks {
  /** Extra HTTP routes (the status page mounts itself here). */
  routes?: RouteHandler[];
}

let statusRoutes:
  | ((
      app: Awaited<ReturnType<typeof openApp>>,
      scheduler: ReturnType<typeof startScheduler>,
    ) => RouteHandler[])
  | undefined;

/** The status page registers its routes here (kept optional so the daemon starts without it). */
export function registerStatusRoutes(factory: typeof statusRoutes): void {
  statusRoutes = factory;
}

registerStatusRoutes(statusPageRoutes);

export async function startCommand(global: { config?: string; logLevel?: string }): Promise<number> {
  const logger = await createLogger({ level: global.logLevel });
  const metrics = createMetrics();
  const app = await openApp({ configPath: global.config, logger, metrics });
  checkServerConfig(app.config.server);
  // Series for every configured job from the first scrape; last successes and open alerts from the store.
  await metrics.preload({
    jobs: app.jobs.filter((job) => app.config.jobs[job.name] !== undefined).map((job) => job.name),
    store: app.store,
  });
  const scheduler = startScheduler({
    config: app.config,
    jobs: app.jobs,
    runner: app.runner,
    store: app.store,
    logger,
  });
  const slack = slackAppRoutes(app);
  const server = await startDaemonServer({
    config: app.config.server,
    async health() {
      let storeOk = true;
      try {
        await app.store.getLease('healthz');
      } catch {
        storeOk = false;
      }
      return {
        ok: storeOk && scheduler.running(),
        details: {
          scheduler: scheduler.running() ? 'running' : 'stopped',
          store: storeOk ? 'ok' : 'failing',
          jobs: scheduler.scheduled.map((s) => s.job),
          inFlight: scheduler.inFlight(),
        },
      };
    },
    async metrics() {
      return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
    },
    routes: statusRoutes?.(app, scheduler) ?? [],
    selfAuthenticated: slack.routes,
  });
  logger.info(
    { url: server.url, jobs: scheduler.scheduled.map((s) => `${s.job} (${s.schedule} ${s.timezone})`) },
    `release-bot started: ${scheduler.scheduled.length} job(s) scheduled; health at ${server.url}/healthz`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve();
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });

  await scheduler.stop(app.config.runner.shutdownGraceSeconds * 1000);
  await server.close();
  // Runs started from Slack finish like scheduled ones (they hold their job's lease).
  await slack.idle();
  await app.sentry.flush(2000);
  await app.close();
  logger.info('stopped');
  return EXIT.ok;
}
