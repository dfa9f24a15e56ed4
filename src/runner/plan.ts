import { PlanWriteError } from '../errors.js';
import type { WriteFence } from '../forges/http.js';
import type { Notifier } from '../notify/types.js';
import type { Store } from '../store/types.js';
import type { Action, JobContext, JobDefinition, JobResult, JobState, Plan, Step } from './job.js';

/**
 * How the runner executes the job contract (job.ts): plan with a context that cannot write,
 * then — only in a real run — apply with one that can, then report. In a dry run the result's
 * actions are the plan's steps, not done: a job never gets an apply path there.
 */

/** A step as the run report shows it: only the Action fields, never the job's own data. */
export function plannedAction(step: Step, done = false): Action {
  return {
    kind: step.kind,
    description: step.description,
    done,
    ...(step.url !== undefined ? { url: step.url } : {}),
    ...(step.subject !== undefined ? { subject: step.subject } : {}),
  };
}

export function plannedActions(plan: Plan): Action[] {
  return plan.steps.map((step) => plannedAction(step));
}

/**
 * Forge writes are allowed only while `open` runs (the apply phase). The forge clients are the
 * same in every phase (one request budget per run); the gate sits in front of the lease fence,
 * which every HTTP write and git push asks first.
 */
export interface WriteGate {
  fence: WriteFence;
  open<T>(fn: () => Promise<T>): Promise<T>;
  /** True while `open` runs. */
  writable(): boolean;
}

export function createWriteGate(inner?: WriteFence): WriteGate {
  let writable = false;
  return {
    fence: {
      async guard(what) {
        if (!writable) throw new PlanWriteError(what);
        await inner?.guard(what);
      },
    },
    writable: () => writable,
    async open(fn) {
      writable = true;
      try {
        return await fn();
      } finally {
        writable = false;
      }
    },
  };
}

/**
 * The job's state as plan sees it: its writes are staged (reads see them), written to the store
 * only when a real run starts applying, dropped in a dry run. So a plan may remember what it
 * learned (a cached default branch, a discovery cursor) without a dry run writing anything.
 */
export interface StagedState extends JobState {
  commit(): Promise<void>;
}

export function stagedState(state: JobState): StagedState {
  // key → value staged, or DELETED
  const staged = new Map<string, unknown>();
  const DELETED = Symbol('deleted');
  return {
    async get<T>(key: string) {
      if (!staged.has(key)) return state.get<T>(key);
      const value = staged.get(key);
      return value === DELETED ? undefined : (value as T);
    },
    async list<T>(prefix?: string) {
      const stored = await state.list<T>(prefix);
      const merged = new Map(stored.map((e) => [e.key, e.value] as [string, unknown]));
      for (const [key, value] of staged) {
        if (prefix !== undefined && !key.startsWith(prefix)) continue;
        if (value === DELETED) merged.delete(key);
        else merged.set(key, value);
      }
      return [...merged].map(([key, value]) => ({ key, value: value as T }));
    },
    async set(key, value) {
      staged.set(key, value);
    },
    async delete(key) {
      staged.set(key, DELETED);
    },
    async commit() {
      for (const [key, value] of staged) {
        if (value === DELETED) await state.delete(key);
        else await state.set(key, value);
      }
      staged.clear();
    },
  };
}

/** Store reads are named get…, list…, last…; everything else writes (or migrates, or closes). */
const STORE_READ = /^(get|list|last)/;

/**
 * The store as plan and report see it: its writes (a hold, a control) pass only while the gate is
 * open, so a store change plan decides on is made by apply (a closure apply runs may hold it).
 */
export function gatedStore(store: Store, gate: Pick<WriteGate, 'writable'>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || STORE_READ.test(property))
        return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        if (!gate.writable()) return Promise.reject(new PlanWriteError(`store ${property}`));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/**
 * The context for plan and report: forge reads work (the write gate refuses forge writes), Slack
 * sends are refused; `state` is the given one (staged for plan, refusing for report).
 */
export function readOnlyContext(ctx: JobContext, state: JobState): JobContext {
  const refuse = (what: string) => Promise.reject(new PlanWriteError(what));
  const notifier: Notifier = {
    send: (channel) => refuse(`Slack message to ${channel ?? 'the default channel'}`),
    get sent() {
      return ctx.notifier.sent;
    },
  };
  return { ...ctx, notifier, state };
}

/** State that reads through `state` and refuses every write (report must not write). */
function refusingState(state: JobState): JobState {
  const refuse = (what: string) => Promise.reject(new PlanWriteError(what));
  return {
    get: (key) => state.get(key),
    list: (prefix) => state.list(prefix),
    set: (key) => refuse(`state ${key}`),
    delete: (key) => refuse(`state ${key}`),
  };
}

function isPlanned(job: JobDefinition): job is Extract<JobDefinition, { plan: unknown }> {
  return typeof job.plan === 'function';
}

/** One attempt of a job: the contract's phases, or a legacy `run` with writes open throughout. */
export async function executeJob(
  job: JobDefinition,
  ctx: JobContext,
  options: Record<string, unknown>,
  gate: WriteGate,
): Promise<JobResult> {
  if (!isPlanned(job)) return gate.open(() => job.run(ctx, options));
  const staged = stagedState(ctx.state);
  const store = gatedStore(ctx.store, gate);
  const plan = await job.plan({ ...readOnlyContext(ctx, staged), store }, options);
  const reporter = { ...readOnlyContext(ctx, refusingState(staged)), store };
  if (ctx.dryRun) {
    // The dry-run notifier only keeps what it is given: the preview of the steps' Slack messages.
    for (const step of plan.steps)
      if (step.slack) await ctx.notifier.send(step.slack.channel, step.slack.message);
    const report = await job.report(reporter, plan, undefined, options);
    return { ...report, actions: plannedActions(plan) };
  }
  const applied = await gate.open(async () => {
    await staged.commit();
    return job.apply(ctx, plan, options);
  });
  const report = await job.report(reporter, plan, applied, options);
  return { ...report, actions: report.actions ?? applied.actions };
}
