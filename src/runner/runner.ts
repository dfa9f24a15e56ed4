import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import {
  AbortedError,
  ConfigError,
  errorMessage,
  LeaseHeldError,
  TransientError,
  UsageError,
} from '../errors.js';
import { withDeferredReads } from '../forges/deferred-reads.js';
import { createForgeRegistry, loadAdapters } from '../forges/registry.js';
import type { ForgeKind } from '../forges/types.js';
import { createRunLogger } from '../log/logger.js';
import type { Notifier } from '../notify/types.js';
import { mask, maskDeep } from '../secrets/masker.js';
import type { RunRecord, Store } from '../store/types.js';
import { backoffDelay } from '../kit/backoff.js';
import { sleep } from '../kit/sleep.js';
import { holderId, newRunId } from './ids.js';
import type { JobContext, JobDefinition, JobResult, JobState, RunStatus, Trigger } from './job.js';
import { noopMetrics, noopSentry, type RunnerMetrics, type RunnerSentry, type RunTags } from './observers.js';
import { jobSettings } from './settings.js';
import { createLeaseFence } from './fence.js';
import { recordRun } from './record.js';
import { createWriteGate, executeJob } from './plan.js';
import { notifyStreak } from './streak.js';
import { applyVerdicts, type AlertTransition } from './verdicts.js';
import { runUrlOf } from './run-url.js';
import { suggest } from '../config/issues.js';
import { controlVerdict, frozenResult, frozenSummary, pausedSummary } from '../control/gate.js';

/**
 * Runs one job once: lease (no overlap, across processes), history, timeout, retries of
 * transient failures, Sentry check-ins and events, metrics, and the failure-streak Slack alert.
 */

export interface RunRequest {
  trigger: Trigger;
  dryRun?: boolean;
  /** Job-specific CLI arguments. */
  args?: Record<string, unknown>;
  /** Scheduled slot (ISO) for scheduled runs. */
  slot?: string;
  /** Shutdown signal from the daemon. */
  signal?: AbortSignal;
  /**
   * How long to wait for the job's lease before refusing (default 0: refuse at once). The
   * scheduler lets a slot wait a little for a previous run that is just finishing.
   */
  leaseWaitMs?: number;
  /**
   * Why this run is not a plain one (the scheduler's "caught up slot Fri 09:00 at 09:42"): the
   * first line of the run's log and the start of its summary.
   */
  note?: string;
}

export interface RunOutcome {
  run: RunRecord;
  result: JobResult | null;
}

export interface RunnerDeps {
  config: Config;
  jobs: JobDefinition[];
  store: Store;
  logger: Logger;
  /** Builds the notifier for a run (dry-run: records, sends nothing). */
  notifier: (dryRun: boolean) => Notifier;
  sentry?: RunnerSentry;
  metrics?: RunnerMetrics;
  /** The clock jobs see (tests move it). */
  now?: () => Date;
  /** Lease time-to-live; renewed every third of it while the run lasts. */
  leaseTtlMs?: number;
  /** Base of the whole-run retry backoff. */
  retryBaseMs?: number;
  holder?: string;
}

export interface Runner {
  run(name: string, request: RunRequest): Promise<RunOutcome>;
  job(name: string): JobDefinition;
  readonly holder: string;
}

/** Thrown inside the Sentry check-in wrapper so a failed result marks the check-in as error. */
class FailedResult extends Error {
  constructor(readonly result: JobResult) {
    super(result.summary);
  }
}

export function findJob(jobs: JobDefinition[], name: string): JobDefinition {
  const job = jobs.find((j) => j.name === name);
  if (job) return job;
  const hint = suggest(
    name,
    jobs.map((j) => j.name),
  );
  throw new UsageError(
    `unknown job "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; see \`release-bot list\``,
  );
}

/**
 * RELEASE_BOT_LEASE_TTL_SECONDS: how long a crashed holder keeps a job locked (default 60 s; the
 * lease is renewed every third of it while the run lasts).
 */
function leaseTtlFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.RELEASE_BOT_LEASE_TTL_SECONDS;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 2)
    throw new ConfigError(`RELEASE_BOT_LEASE_TTL_SECONDS: expected a number of seconds >= 2 (got "${raw}")`);
  return seconds * 1000;
}

export function createRunner(deps: RunnerDeps): Runner {
  const sentry = deps.sentry ?? noopSentry;
  const metrics = deps.metrics ?? noopMetrics;
  const now = deps.now ?? (() => new Date());
  const holder = deps.holder ?? holderId();
  const leaseTtlMs = deps.leaseTtlMs ?? leaseTtlFromEnv() ?? 60_000;
  const retryBaseMs = deps.retryBaseMs ?? 1_000;

  /** When the lease was taken: the monotonic time the successful call was sent (for the fence). */
  async function takeLease(key: string, leaseHolder: string, request: RunRequest): Promise<number | null> {
    const deadline = Date.now() + (request.leaseWaitMs ?? 0);
    for (;;) {
      const sentAt = performance.now();
      if (await deps.store.acquireLease(key, leaseHolder, leaseTtlMs)) return sentAt;
      const left = deadline - Date.now();
      if (left <= 0 || request.signal?.aborted) return null;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, left)));
    }
  }

  function stateFor(job: string): JobState {
    return {
      get: (key) => deps.store.getState(job, key),
      set: (key, value) => deps.store.setState(job, key, value),
      delete: (key) => deps.store.deleteState(job, key),
      list: (prefix) => deps.store.listState(job, prefix),
    };
  }

  async function run(name: string, request: RunRequest): Promise<RunOutcome> {
    const job = findJob(deps.jobs, name);
    const settings = jobSettings(deps.config, job);
    const args = request.args ?? {};
    job.checkArgs?.(args, settings.options);
    const dryRun = Boolean(request.dryRun) || settings.dryRun;
    const runId = newRunId();
    const tags: RunTags = { job: job.name, runId, trigger: request.trigger, dryRun };
    let startedAt = new Date();
    const base: RunRecord = {
      id: runId,
      job: job.name,
      trigger: request.trigger,
      dryRun,
      status: 'running',
      startedAt: startedAt.toISOString(),
      finishedAt: null,
      durationMs: null,
      summary: '',
      error: null,
      attempts: 0,
      slot: request.slot ?? null,
      holder,
      result: null,
      logs: [],
    };

    // A paused job does not run (recorded as skipped, with the reason); a frozen one runs without
    // its writes (src/control/gate.ts). Dry runs are neither: they write nothing anyway.
    const control = await controlVerdict({
      store: deps.store,
      config: deps.config,
      job: job.name,
      now: now(),
      dryRun,
    });
    if (control.pause) {
      const summary = pausedSummary(control.pause, settings.timezone);
      const skipped: RunRecord = {
        ...base,
        status: 'skipped',
        finishedAt: new Date().toISOString(),
        durationMs: 0,
        summary: mask(`${request.note ? `${request.note}: ` : ''}${summary}`),
        result: maskDeep({
          status: 'skipped',
          summary,
          actions: [],
          links: [],
          details: { paused: control.pause },
        }),
      };
      // Inserted running, then finished: the update moves the job's "last run" to it.
      await deps.store.insertRun(base);
      await deps.store.updateRun(runId, skipped);
      metrics.runFinished(job.name, 'skipped', 0);
      return { run: skipped, result: skipped.result as JobResult };
    }
    const frozen = control.freeze;
    // Frozen: forges and Slack as in a dry run, so nothing can be written; the plan is recorded.
    const writeFree = dryRun || frozen !== null;

    const leaseKey = `job:${job.name}`;
    // Per run, not per process: two runs of a job in one process must not overlap either.
    const leaseHolder = `${holder}/${runId}`;
    const leaseTakenAt = await takeLease(leaseKey, leaseHolder, request);
    if (leaseTakenAt === null) {
      const lease = await deps.store.getLease(leaseKey);
      const error = new LeaseHeldError(
        job.name,
        lease?.holder ?? 'another process',
        lease?.expiresAt ?? new Date(),
      );
      const refused: RunRecord = {
        ...base,
        status: 'refused',
        finishedAt: new Date().toISOString(),
        durationMs: 0,
        summary: `refused: ${error.message}`,
        error: error.message,
      };
      await deps.store.insertRun(refused);
      metrics.runFinished(job.name, 'refused', 0);
      throw error;
    }

    // The run starts once it holds the lease, so runs of one job never overlap in history either.
    startedAt = new Date();
    base.startedAt = startedAt.toISOString();
    const stale = await deps.store.abortStaleRuns(
      job.name,
      'the process running it stopped before it finished',
    );
    await deps.store.insertRun(base);
    metrics.runStarted(job.name);
    const { log, lines } = createRunLogger(deps.logger, { job: job.name, runId });
    log.info(
      { trigger: request.trigger, dryRun, slot: request.slot },
      `run started${dryRun ? ' (dry run)' : ''}`,
    );
    if (request.note) log.info(request.note);
    if (frozen) log.info(`${frozenSummary(frozen, settings.timezone)}: planning only, nothing is written`);
    if (stale > 0)
      log.warn(`marked ${stale} earlier run(s) of ${job.name} as aborted: their process stopped`);

    const controller = new AbortController();
    const timeoutMs = settings.timeoutSeconds * 1000;
    const timer = setTimeout(
      () => controller.abort(new AbortedError(`timed out after ${settings.timeoutSeconds}s`)),
      timeoutMs,
    );
    const onShutdown = () => controller.abort(new AbortedError('aborted by shutdown'));
    if (request.signal?.aborted) onShutdown();
    request.signal?.addEventListener('abort', onShutdown, { once: true });
    // The heartbeat renews the lease; the fence stops every forge write once it may be lost.
    const fence = createLeaseFence({
      store: deps.store,
      key: leaseKey,
      holder: leaseHolder,
      ttlMs: leaseTtlMs,
      onLost: (reason) => {
        log.error(`lost the job lease (${reason}); aborting so two runs cannot overlap`);
        controller.abort(new AbortedError(`lost the job lease: ${reason}`));
      },
      onRenewFailed: (error) => log.warn({ err: error }, 'lease renewal failed'),
    });
    fence.start(leaseTakenAt);
    // Forge writes pass the gate only while a job applies its plan, then the lease fence.
    const gate = createWriteGate(fence);

    let attempts = 0;
    let status: RunStatus = 'failed';
    let result: JobResult | null = null;
    let failure: unknown;

    const runUrl = runUrlOf(deps.config, runId);
    // Every Sentry event of the run links back to its page.
    const withRunUrl = (extra?: Record<string, unknown>) => (runUrl ? { ...extra, runUrl } : extra);
    const kinds = new Set<ForgeKind>(Object.values(deps.config.forges).map((f) => f.type));
    const execute = async (): Promise<JobResult> => {
      for (;;) {
        attempts++;
        await loadAdapters(kinds);
        const forges = createForgeRegistry(deps.config.forges, {
          dryRun: writeFree,
          signal: controller.signal,
          onRequest: (event) => metrics.forgeRequest(event),
          fence: gate.fence,
          job: job.name,
          etagStore: deps.store,
        });
        const ctx: JobContext = {
          job: job.name,
          runId,
          trigger: request.trigger,
          dryRun: writeFree,
          log,
          forge: (forgeName) => forges.get(forgeName),
          forgeWithToken: (forgeName, token) => forges.withToken(forgeName, token),
          notifier: deps.notifier(writeFree),
          slackChannel: settings.slackChannel,
          sentry: {
            captureMessage: (message, options) =>
              sentry.captureMessage(message, tags, { ...options, extra: withRunUrl(options?.extra) }),
            captureException: (error, options) =>
              sentry.captureFailure(error, tags, { ...options, extra: withRunUrl(options?.extra) }),
          },
          store: deps.store,
          state: stateFor(job.name),
          signal: controller.signal,
          now,
          config: deps.config,
          args,
          progress: (message) => log.info({ progress: true }, message),
          runUrl,
        };
        try {
          const aborted = new Promise<never>((_, reject) => {
            if (controller.signal.aborted) reject(controller.signal.reason);
            controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
              once: true,
            });
          });
          // A job that ignores the signal still ends here when the timeout fires.
          return withDeferredReads(
            await Promise.race([executeJob(job, ctx, settings.options, gate), aborted]),
            forges.spends(),
          );
        } catch (error) {
          if (controller.signal.aborted) throw controller.signal.reason;
          if (!(error instanceof TransientError) || attempts > settings.retries) throw error;
          const delay = backoffDelay(attempts - 1, retryBaseMs, error.retryAfterMs);
          log.warn(
            { attempt: attempts, delayMs: delay },
            `transient failure, retrying: ${errorMessage(error)}`,
          );
          await sleep(delay, controller.signal);
        }
      }
    };

    try {
      const wrapped = async () => {
        const r = await execute();
        if (r.status === 'failed') throw new FailedResult(r);
        return r;
      };
      result =
        request.trigger === 'schedule' && settings.schedule !== 'manual'
          ? await sentry.withCheckIn(
              {
                slug: job.name,
                schedule: settings.schedule,
                timezone: settings.timezone,
                checkinMarginMinutes: deps.config.sentry?.checkinMarginMinutes ?? 5,
                maxRuntimeMinutes: Math.ceil(settings.timeoutSeconds / 60),
              },
              wrapped,
            )
          : await wrapped();
      if (frozen) result = frozenResult(result, frozen, settings.timezone);
      status = result.status;
    } catch (error) {
      if (error instanceof FailedResult) {
        result = error.result;
        status = 'failed';
      } else {
        failure = error;
        const shutdown = error instanceof AbortedError && /shutdown|lease/.test(error.message);
        status = shutdown ? 'aborted' : 'failed';
      }
    } finally {
      clearTimeout(timer);
      fence.stop();
      request.signal?.removeEventListener('abort', onShutdown);
    }

    const finishedAt = new Date();
    const errorText = failure
      ? mask(errorMessage(failure))
      : status === 'failed'
        ? mask(result?.summary ?? '')
        : null;
    if (failure && !(failure instanceof AbortedError)) log.error({ err: failure }, 'run failed');
    // What the run found (alerts opened, kept, closed), written before the run so its log has them.
    let alerts: AlertTransition[] | undefined;
    if (result?.verdicts?.length && !writeFree) {
      alerts = await applyVerdicts({
        store: deps.store,
        job: job.name,
        runId,
        verdicts: result.verdicts,
        now: now(),
        log,
      }).catch((error: unknown) => {
        log.error({ err: error }, `could not record the run's verdicts: ${errorMessage(error)}`);
        return undefined;
      });
    }
    log.info(
      { status, durationMs: finishedAt.getTime() - startedAt.getTime() },
      `run ${status}: ${result?.summary ?? errorText ?? ''}`,
    );
    const record: RunRecord = {
      ...base,
      status,
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      summary: mask(
        `${request.note ? `${request.note}: ` : ''}${result?.summary ?? (errorText ? `error: ${errorText}` : '')}`,
      ),
      error: errorText,
      attempts,
      result: result ? maskDeep(result) : null,
      logs: lines.map(mask),
    };
    const recorded = await recordRun(deps.store, runId, record, log);
    if (!fence.lost() && recorded)
      await deps.store.releaseLease(leaseKey, leaseHolder).catch(() => undefined);
    metrics.runFinished(job.name, status, record.durationMs ?? 0);
    if (alerts && result?.verdicts) metrics.verdicts?.(job.name, result.verdicts, alerts);

    if (status === 'failed' && failure && !(failure instanceof ConfigError)) {
      await sentry.captureFailure(failure, tags, { extra: withRunUrl() }).catch(() => undefined);
    } else if (status === 'failed' && result) {
      await sentry
        .captureMessage(`${job.name} failed: ${result.summary}`, tags, {
          level: 'error',
          extra: withRunUrl(),
        })
        .catch(() => undefined);
    }
    // The streak needs the store's history: with the store unreachable there is none to tell.
    if (!dryRun && recorded) {
      await notifyStreak({
        store: deps.store,
        notifier: deps.notifier(false),
        channel: settings.slackChannel,
        record,
        log,
      }).catch((error: unknown) => log.warn({ err: error }, 'could not send the failure/recovery alert'));
    }
    if (failure instanceof ConfigError) throw failure;
    return { run: record, result };
  }

  return {
    run,
    job: (name) => findJob(deps.jobs, name),
    holder,
  };
}
