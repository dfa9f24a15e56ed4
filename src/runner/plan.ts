import { PlanWriteError } from '../errors.js';
import type { WriteFence } from '../forges/http.js';
import type { Notifier } from '../notify/types.js';
import type { Action, JobContext, JobDefinition, JobResult, Plan, Step } from './job.js';

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

/** The context for plan and report: reads work; store state and Slack refuse to write. */
export function readOnlyContext(ctx: JobContext): JobContext {
  const refuse = (what: string) => Promise.reject(new PlanWriteError(what));
  const notifier: Notifier = {
    send: (channel) => refuse(`Slack message to ${channel ?? 'the default channel'}`),
    get sent() {
      return ctx.notifier.sent;
    },
  };
  return {
    ...ctx,
    notifier,
    state: {
      get: (key) => ctx.state.get(key),
      list: (prefix) => ctx.state.list(prefix),
      set: (key) => refuse(`state ${key}`),
      delete: (key) => refuse(`state ${key}`),
    },
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
  const reader = readOnlyContext(ctx);
  const plan = await job.plan(reader, options);
  if (ctx.dryRun) {
    const report = await job.report(reader, plan, undefined, options);
    return { ...report, actions: plannedActions(plan) };
  }
  const applied = await gate.open(() => job.apply(ctx, plan, options));
  const report = await job.report(reader, plan, applied, options);
  return { ...report, actions: report.actions ?? applied.actions };
}
