import { AsyncLocalStorage } from 'node:async_hooks';
import { ForgeError } from '../errors.js';

/**
 * The forges' rate-limit budget as their answers tell it, and what a run does when it runs low.
 *
 * Both forges say on every answer how much is left: GitHub with `x-ratelimit-limit`,
 * `-remaining`, `-reset` (epoch seconds) and `-resource` (`core`, `graphql`, `search`, … each
 * counted apart), GitLab.com with `RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds) per
 * throttle. The HTTP path (http.ts) feeds every answer here; the budget lives for the process
 * (per forge and caller), so the daemon's next run starts from what the last one saw.
 *
 * A job marks a read it can do without as low priority (`lowPriority`). When the remaining
 * budget cannot cover what the run is still expected to spend (the requests this job's previous
 * run made on the forge), such a read is not sent: it fails with DeferredReadError, the job goes
 * on without it, and the runner says so in the run's result.
 */

export interface RateSnapshot {
  resource: string;
  limit: number;
  remaining: number;
  /** When the window resets (epoch ms). */
  resetAt: number;
  /** When this was read (epoch ms). */
  seenAt: number;
}

export interface RateBudget {
  /** Read the rate-limit headers of an answer (any status). */
  observe(headers: Headers, now?: number): void;
  /** What the forge last said about a resource (GitHub `core` by default), while its window lasts. */
  snapshot(resource?: string, now?: number): RateSnapshot | undefined;
}

/**
 * A low-priority read not sent because the budget is short. A ForgeError (status 429) so both
 * SDK adapters hand it back as itself, not wrapped; only code that asked for `lowPriority` sees it.
 */
export class DeferredReadError extends ForgeError {
  override name = 'DeferredReadError';
  constructor(
    message: string,
    forge: string,
    readonly what: string,
  ) {
    super(message, 429, forge, what);
  }
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

export function rateBudget(): RateBudget {
  const snapshots = new Map<string, RateSnapshot>();
  return {
    observe(headers, now = Date.now()) {
      // GitHub: x-ratelimit-*, per resource. GitLab: RateLimit-* (Headers are case-insensitive).
      const github = numberHeader(headers, 'x-ratelimit-remaining') !== undefined;
      const prefix = github ? 'x-ratelimit-' : 'ratelimit-';
      const remaining = numberHeader(headers, `${prefix}remaining`);
      const limit = numberHeader(headers, `${prefix}limit`);
      const reset = numberHeader(headers, `${prefix}reset`);
      if (remaining === undefined || limit === undefined) return;
      const resource = github ? (headers.get('x-ratelimit-resource') ?? 'core') : 'core';
      snapshots.set(resource, {
        resource,
        limit,
        remaining,
        resetAt: reset !== undefined ? reset * 1000 : now + 60_000,
        seenAt: now,
      });
    },
    snapshot(resource = 'core', now = Date.now()) {
      const s = snapshots.get(resource);
      return s && s.resetAt > now ? s : undefined;
    },
  };
}

/** Per forge name and caller, for the life of the process. */
const budgets = new Map<string, RateBudget>();

export function processRateBudget(forge: string, identity = ''): RateBudget {
  const key = `${forge}\n${identity}`;
  let budget = budgets.get(key);
  if (!budget) budgets.set(key, (budget = rateBudget()));
  return budget;
}

export function clearProcessRateBudgets(): void {
  budgets.clear();
}

/**
 * One run's view of a forge's budget: how many requests it has sent, how many it is expected to
 * send in all (its job's previous run on this forge), and which low-priority reads it deferred.
 */
export interface RunSpend {
  readonly forge: string;
  /** Requests the run is expected to send to this forge (undefined: no previous run known). */
  expected: number | undefined;
  sent: number;
  deferred: string[];
  /** What the budget said when the first read was deferred, for the run's summary. */
  reason?: string;
}

export function runSpend(forge: string, expected: number | undefined): RunSpend {
  return { forge, expected, sent: 0, deferred: [] };
}

/** Requests each job's last run sent per forge, for the life of the process. */
const lastRunSpend = new Map<string, RunSpend>();

/** Start counting a run's spend on a forge; the previous run of the job says what to expect. */
export function startRunSpend(job: string, forge: string): RunSpend {
  const key = `${job}\n${forge}`;
  const previous = lastRunSpend.get(key);
  const spend = runSpend(forge, previous?.sent);
  lastRunSpend.set(key, spend);
  return spend;
}

const priority = new AsyncLocalStorage<{ what: string }>();

/** Run reads the job can do without: they are deferred when the forge's budget runs short. */
export function lowPriority<T>(what: string, fn: () => Promise<T>): Promise<T> {
  return priority.run({ what }, fn);
}

/** The low-priority read in progress, if any. */
export function currentLowPriority(): string | undefined {
  return priority.getStore()?.what;
}

/**
 * Whether a low-priority read must wait for a better time: the forge's remaining budget does
 * not cover the rest of what the run is expected to send plus this read.
 */
export function shouldDefer(
  budget: RateBudget,
  spend: RunSpend | undefined,
  now = Date.now(),
): string | undefined {
  const snap = budget.snapshot('core', now);
  if (!snap) return undefined;
  const stillExpected = Math.max(0, (spend?.expected ?? 0) - (spend?.sent ?? 0));
  if (snap.remaining > stillExpected) return undefined;
  return `${snap.remaining} of ${snap.limit} requests left until ${new Date(snap.resetAt).toISOString()}, the run expects ${stillExpected} more`;
}

/**
 * Before sending: when the forge said nothing is left and its window has not reset, how long to
 * wait (the request would only be refused); undefined when the budget is fine or unknown.
 */
export function exhaustedWaitMs(budget: RateBudget, resource: string, now = Date.now()): number | undefined {
  const snap = budget.snapshot(resource, now);
  if (!snap || snap.remaining > 0) return undefined;
  return Math.max(0, snap.resetAt - now);
}
