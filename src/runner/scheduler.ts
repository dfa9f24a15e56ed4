import cron, { type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { errorMessage, LeaseHeldError } from '../errors.js';
import { loadAdapters } from '../forges/registry.js';
import type { Store } from '../store/types.js';
import { createStoreCoordinator } from './coordinator.js';
import type { JobDefinition } from './job.js';
import type { Runner } from './runner.js';
import { jobSettings } from './settings.js';

/**
 * Schedules every configured, enabled job with node-cron (timezone, no overlap, one run per
 * slot across replicas via the store coordinator) and shuts down gracefully: stop scheduling,
 * let in-flight runs finish within the grace period, abort the rest (recorded as `aborted`).
 */

export interface ScheduledJob {
  job: string;
  schedule: string;
  timezone: string;
  task: ScheduledTask;
}

export interface Scheduler {
  readonly scheduled: ScheduledJob[];
  /** Runs in progress, by job. */
  inFlight(): string[];
  running(): boolean;
  stop(graceMs: number): Promise<void>;
}

/**
 * node-cron's own warnings (a slot skipped because the previous run of this job in this process
 * is still going, a slot missed because the event loop was blocked, the store failing to answer
 * the coordinator) go to our JSON log instead of coloured console lines.
 */
function cronLogger(log: Logger): CronLogger {
  const write = (level: 'debug' | 'error', message: string | Error, err?: Error) =>
    message instanceof Error ? log[level]({ err: message }, message.message) : log[level]({ err }, message);
  return {
    info: (message) => log.info(message),
    warn: (message) => log.warn(message),
    error: (message, err) => write('error', message, err),
    debug: (message, err) => write('debug', message, err),
  };
}

export function startScheduler(input: {
  config: Config;
  jobs: JobDefinition[];
  runner: Runner;
  store: Store;
  logger: Logger;
}): Scheduler {
  const { config, jobs, runner, store, logger } = input;
  const shutdown = new AbortController();
  const inFlight = new Map<Promise<unknown>, string>();
  const scheduled: ScheduledJob[] = [];
  let stopped = false;
  const coordinator = createStoreCoordinator(store, runner.holder, () => !stopped);

  // Load the forge SDKs now, not in the first scheduled run: the import takes a few hundred ms
  // (more on a busy host), enough to push a job scheduled every second into its next slot. A
  // broken adapter is reported by the run that needs it.
  void loadAdapters(Object.values(config.forges).map((f) => f.type)).catch(() => undefined);

  for (const job of jobs) {
    // Only configured jobs are scheduled; a job whose options are required has no valid
    // settings without its section, so do not ask for them.
    if (config.jobs[job.name] === undefined) continue;
    const settings = jobSettings(config, job);
    if (!settings.enabled || settings.schedule === 'manual') continue;
    const task = cron.createTask(
      settings.schedule,
      async (context) => {
        if (stopped) return;
        const slot = context.date.toISOString();
        // A previous run that is just finishing (on any replica) may still hold the lease: wait
        // for it up to half the time to the next slot rather than skip this one. Half, so two
        // slots never wait at once and cannot swap order.
        const next = context.task?.getNextRun()?.getTime() ?? Date.now();
        const leaseWaitMs = Math.min(30_000, Math.max(0, (next - Date.now()) / 2));
        const promise = runner
          .run(job.name, { trigger: 'schedule', slot, signal: shutdown.signal, leaseWaitMs })
          .then(({ run }) =>
            logger.info({ job: job.name, runId: run.id, status: run.status }, `${job.name}: ${run.summary}`),
          )
          .catch((error: unknown) => {
            if (error instanceof LeaseHeldError)
              logger.info({ job: job.name }, `skipped slot ${slot}: ${error.message}`);
            else
              logger.error(
                { job: job.name, err: error },
                `${job.name} could not run: ${errorMessage(error)}`,
              );
          });
        inFlight.set(promise, job.name);
        try {
          await promise;
        } finally {
          inFlight.delete(promise);
        }
      },
      {
        name: job.name,
        timezone: settings.timezone,
        noOverlap: true,
        distributed: true,
        runCoordinator: coordinator,
        logger: cronLogger(logger.child({ job: job.name })),
        // How late a slot may still start when this process was busy. node-cron never starts a
        // slot once the next one is due, so a schedule every second gets under a second; a
        // slot missed here is still run by any replica that was on time.
        missedExecutionTolerance: 5_000,
      },
    );
    // Another replica claimed the slot first (or this one is stopping): nothing to do, but worth
    // seeing when debugging a replica that never seems to run anything.
    task.on('execution:skipped', (context) => {
      if (context.reason === 'not-elected' && !stopped)
        logger.debug(
          { job: job.name, slot: context.date.toISOString() },
          `slot ${context.date.toISOString()} not claimed here: another replica has it`,
        );
    });
    task.start();
    scheduled.push({ job: job.name, schedule: settings.schedule, timezone: settings.timezone, task });
    logger.info(
      { job: job.name, schedule: settings.schedule, timezone: settings.timezone },
      `scheduled ${job.name}`,
    );
  }

  return {
    scheduled,
    inFlight: () => [...inFlight.values()],
    running: () => !stopped,
    async stop(graceMs) {
      stopped = true;
      for (const s of scheduled) await s.task.stop();
      const pending = [...inFlight.keys()];
      if (pending.length > 0) {
        logger.info({ runs: [...inFlight.values()], graceMs }, 'waiting for in-flight runs to finish');
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([Promise.allSettled(pending), grace]);
        clearTimeout(timer);
        if (inFlight.size > 0) {
          logger.warn({ runs: [...inFlight.values()] }, 'grace period over: aborting in-flight runs');
          shutdown.abort();
          await Promise.allSettled([...inFlight.keys()]);
        }
      }
      for (const s of scheduled) await s.task.destroy();
    },
  };
}
