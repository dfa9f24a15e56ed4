import cron, { type Logger as CronLogger } from 'node-cron';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { errorMessage, LeaseHeldError } from '../errors.js';
import { loadAdapters } from '../forges/registry.js';
import { cronSchedule, latestSlot, nextSlots, type CronSchedule } from '../kit/slots.js';
import { timeIn } from '../kit/time.js';
import type { Store } from '../store/types.js';
import { slotKey } from './coordinator.js';
import type { JobDefinition } from './job.js';
import { catchUpMs } from './misfire.js';
import type { Runner } from './runner.js';
import { jobSettings } from './settings.js';

/**
 * Runs every configured, enabled job at its slots. node-cron is the ticker (once a second); which
 * slots are due is decided here from kit/slots.ts, the same computation `list` and the status
 * page show, so DST days follow cronie's rules (README) instead of node-cron's own.
 *
 * Each tick, a job whose next slot has come runs its newest due slot once, after claiming it in
 * the store: the claim key is the slot's scheduled time in UTC, so replicas with slightly
 * different clocks, a replica restarted mid-slot, or a clock set back never run a slot twice.
 * A slot found late (the process just started, or the host or event loop stalled so ticks
 * stopped) runs as a catch-up if it is within the job's `catchUp` window and nobody claimed it;
 * older missed slots are skipped, so a job never runs more than one catch-up at a time.
 * Shutdown: stop ticking, let in-flight runs finish within the grace period, abort the rest.
 */

/** The scheduler's view of time; tests pass a fake one and drive the real code. */
export interface SchedulerClock {
  now(): number;
  /** Calls `tick` about once a second until the returned stop is called. */
  startTicker(tick: () => void): () => Promise<void>;
}

/** A slot decision, for logs and tests. */
export interface SlotEvent {
  job: string;
  /** The slot (ISO, UTC). */
  slot: string;
  kind: 'run' | 'caught-up' | 'claimed-elsewhere' | 'missed' | 'busy';
  /** When the decision was made (ms, the scheduler's clock). */
  at: number;
}

export interface ScheduledJob {
  job: string;
  schedule: string;
  timezone: string;
  /** How late a missed slot may still run (ms); 0: never. */
  catchUpMs: number;
}

export interface Scheduler {
  readonly scheduled: ScheduledJob[];
  /** Runs in progress, by job. */
  inFlight(): string[];
  running(): boolean;
  /** When (on its clock, ms) the scheduler has its next slot to decide; undefined: never. */
  nextDue(): number | undefined;
  /** The next slots this scheduler will fire for a job (ISO), from its own clock and cursor. */
  nextRuns(job: string, count?: number): string[];
  /** Resolves once every run started so far has finished. */
  idle(): Promise<void>;
  stop(graceMs: number): Promise<void>;
}

/** A slot is on time when seen within this long; later than that it is a misfire. */
export const ON_TIME_MS = 5_000;
/** Ticks further apart than this mean the event loop or the host was stalled. */
const STALL_MS = 5_000;

/**
 * node-cron ticking every second, on the process clock. Its own notes (a tick missed while the
 * event loop was blocked) go to our JSON log at debug level: the scheduler sees the gap itself
 * and says what it means for each job's slots.
 */
export function systemClock(log: Logger): SchedulerClock {
  const write = (level: 'debug' | 'error', message: string | Error, err?: Error) =>
    message instanceof Error ? log[level]({ err: message }, message.message) : log[level]({ err }, message);
  const cronLog: CronLogger = {
    info: (message) => log.debug(message),
    warn: (message) => log.debug(message),
    error: (message, err) => write('error', message, err),
    debug: (message, err) => write('debug', message, err),
  };
  return {
    now: () => Date.now(),
    startTicker(tick) {
      const task = cron.schedule('* * * * * *', tick, {
        name: 'release-bot scheduler tick',
        noOverlap: true,
        logger: cronLog,
      });
      return async () => {
        await task.stop();
        await task.destroy();
      };
    },
  };
}

interface JobSlots extends ScheduledJob {
  slots: CronSchedule;
  /** Slots at or before this instant have been decided; it never moves back. */
  cursor: number;
  next: number | undefined;
  busy: boolean;
}

export function startScheduler(input: {
  config: Config;
  jobs: JobDefinition[];
  runner: Runner;
  store: Store;
  logger: Logger;
  clock?: SchedulerClock;
  onSlot?: (event: SlotEvent) => void;
}): Scheduler {
  const { config, jobs, runner, store, logger } = input;
  const clock = input.clock ?? systemClock(logger);
  const shutdown = new AbortController();
  const inFlight = new Map<Promise<unknown>, string>();
  /** Slot claims and the runs they start, for `idle` and `stop`. */
  const pending = new Set<Promise<unknown>>();
  const table: JobSlots[] = [];
  let stopped = false;

  // Load the forge SDKs now, not in the first scheduled run: the import takes a few hundred ms
  // (more on a busy host), enough to push a job scheduled every second into its next slot. A
  // broken adapter is reported by the run that needs it.
  void loadAdapters(Object.values(config.forges).map((f) => f.type)).catch(() => undefined);

  const started = clock.now();
  for (const job of jobs) {
    // Only configured jobs are scheduled; a job whose options are required has no valid
    // settings without its section, so do not ask for them.
    if (config.jobs[job.name] === undefined) continue;
    const settings = jobSettings(config, job);
    if (!settings.enabled || settings.schedule === 'manual') continue;
    const slots = cronSchedule(settings.schedule, settings.timezone);
    const window = catchUpMs(settings.catchUp, settings.schedule, settings.timezone, started);
    // On start, look back over the catch-up window: a slot that passed while no replica was up
    // runs now, once, if nobody ran it.
    const cursor = started - window;
    table.push({
      job: job.name,
      schedule: settings.schedule,
      timezone: settings.timezone,
      catchUpMs: window,
      slots,
      cursor,
      next: nextSlots(slots, cursor, 1)[0],
      busy: false,
    });
    logger.info(
      { job: job.name, schedule: settings.schedule, timezone: settings.timezone, catchUpMs: window },
      `scheduled ${job.name}`,
    );
  }

  function emit(job: JobSlots, slot: number, kind: SlotEvent['kind'], at: number): void {
    input.onSlot?.({ job: job.job, slot: new Date(slot).toISOString(), kind, at });
  }

  /** `Fri 09:00`, `09:42`: how a person in the job's zone reads the slot and the time now. */
  function catchUpNote(job: JobSlots, slot: number, now: number): string {
    const local = (t: number) => timeIn(new Date(t).toISOString(), job.timezone);
    const slotText = local(slot);
    return `caught up slot ${slotText.slice(0, 3)} ${slotText.slice(15, 20)} at ${local(now).slice(15, 20)}`;
  }

  /** Decides one slot; the claim and the run go on in the background (ticks never wait). */
  function fire(job: JobSlots, slot: number, now: number): void {
    const late = now - slot;
    const kind = late <= ON_TIME_MS ? 'run' : late <= job.catchUpMs ? 'caught-up' : 'missed';
    const iso = new Date(slot).toISOString();
    if (kind === 'missed') {
      emit(job, slot, 'missed', now);
      logger.warn(
        { job: job.job, slot: iso, lateMs: late, catchUpMs: job.catchUpMs },
        `${job.job}: slot ${iso} missed by ${Math.round(late / 1000)}s, beyond its catch-up window: not run`,
      );
      return;
    }
    // One run of a job at a time in this process; the slot stays unclaimed for another replica.
    if (job.busy) {
      emit(job, slot, 'busy', now);
      logger.info(
        { job: job.job, slot: iso },
        `${job.job}: slot ${iso} not taken here: the previous run is still going`,
      );
      return;
    }
    job.busy = true;
    const work = claimAndRun(job, slot, iso, kind, now).finally(() => {
      job.busy = false;
      pending.delete(work);
    });
    pending.add(work);
  }

  async function claimAndRun(
    job: JobSlots,
    slot: number,
    iso: string,
    kind: 'run' | 'caught-up',
    now: number,
  ) {
    let claimed = false;
    try {
      claimed = !stopped && (await store.claimSlot(slotKey(job.job, iso), runner.holder));
    } catch (error) {
      logger.error(
        { job: job.job, err: error },
        `${job.job}: could not claim slot ${iso}: ${errorMessage(error)}`,
      );
    }
    if (!claimed) {
      if (!stopped) {
        emit(job, slot, 'claimed-elsewhere', now);
        logger.debug({ job: job.job, slot: iso }, `slot ${iso} not claimed here: another replica has it`);
      }
      return;
    }
    emit(job, slot, kind, now);
    const note = kind === 'caught-up' ? catchUpNote(job, slot, now) : undefined;
    // A previous run that is just finishing (on any replica) may still hold the lease: wait for
    // it up to half the time to the next slot rather than skip this one. Half, so two slots
    // never wait at once and cannot swap order.
    const clockNow = clock.now();
    const leaseWaitMs = Math.min(30_000, Math.max(0, ((job.next ?? clockNow) - clockNow) / 2));
    const promise = runner
      .run(job.job, { trigger: 'schedule', slot: iso, signal: shutdown.signal, leaseWaitMs, note })
      .then(({ run }) =>
        logger.info({ job: job.job, runId: run.id, status: run.status }, `${job.job}: ${run.summary}`),
      )
      .catch((error: unknown) => {
        if (error instanceof LeaseHeldError)
          logger.info({ job: job.job }, `skipped slot ${iso}: ${error.message}`);
        else logger.error({ job: job.job, err: error }, `${job.job} could not run: ${errorMessage(error)}`);
      });
    inFlight.set(promise, job.job);
    try {
      await promise;
    } finally {
      inFlight.delete(promise);
    }
  }

  /**
   * The slot to decide now: the newest one due. Older ones that passed unseen (a stall, a
   * late tick) are skipped: like node-cron, a slot is never started once the next one is due,
   * and a job runs at most one catch-up. Moves `next` on.
   */
  function dueSlot(job: JobSlots, now: number): number | undefined {
    const first = job.next!;
    const following = nextSlots(job.slots, first, 1)[0];
    // The usual case: the slot the scheduler waited for, and only that one.
    if (following === undefined || following > now) {
      job.next = following;
      return first;
    }
    job.next = nextSlots(job.slots, now, 1)[0];
    return latestSlot(job.slots, now, job.cursor);
  }

  let lastTick = started;
  function tick(): void {
    if (stopped) return;
    const now = clock.now();
    if (now - lastTick > STALL_MS)
      logger.warn(
        { stalledMs: now - lastTick },
        `no scheduler tick for ${Math.round((now - lastTick) / 1000)}s (event loop or host stalled): looking for missed slots`,
      );
    else if (now < lastTick - ON_TIME_MS)
      logger.warn(
        { backMs: lastTick - now },
        `the clock went back ${Math.round((lastTick - now) / 1000)}s: slots already decided are not run again`,
      );
    lastTick = now;
    for (const job of table) {
      // The clock went back: slots up to the cursor were decided already and stay so.
      if (now < job.cursor) continue;
      if (job.next === undefined || now < job.next) continue;
      const slot = dueSlot(job, now);
      job.cursor = now;
      if (slot !== undefined) fire(job, slot, now);
    }
  }

  const stopTicker = clock.startTicker(() => {
    try {
      tick();
    } catch (error) {
      logger.error({ err: error }, `scheduler tick failed: ${errorMessage(error)}`);
    }
  });
  // Catch-ups are due at start, not a second later.
  tick();

  return {
    scheduled: table.map(({ job, schedule, timezone, catchUpMs: window }) => ({
      job,
      schedule,
      timezone,
      catchUpMs: window,
    })),
    inFlight: () => [...inFlight.values()],
    running: () => !stopped,
    nextDue() {
      const due = table.map((j) => j.next).filter((t): t is number => t !== undefined);
      return due.length > 0 ? Math.min(...due) : undefined;
    },
    nextRuns(name, count = 3) {
      const job = table.find((j) => j.job === name);
      if (!job) return [];
      return nextSlots(job.slots, Math.max(job.cursor, clock.now()), count).map((t) =>
        new Date(t).toISOString(),
      );
    },
    async idle() {
      while (pending.size > 0) {
        await Promise.allSettled([...pending]);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    async stop(graceMs) {
      stopped = true;
      await stopTicker();
      if (pending.size > 0) {
        logger.info({ runs: [...inFlight.values()], graceMs }, 'waiting for in-flight runs to finish');
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([Promise.allSettled([...pending]), grace]);
        clearTimeout(timer);
        if (pending.size > 0) {
          logger.warn({ runs: [...inFlight.values()] }, 'grace period over: aborting in-flight runs');
          shutdown.abort();
          await Promise.allSettled([...pending]);
        }
      }
    },
  };
}
