import type { Action, JobContext } from '../../src/runner/job.js';
import { INTERNAL_STEPS, type Step, type TargetPlan } from './plan.js';
import type { PipelineRecord } from './state.js';

/**
 * Performs a target's steps in order. Each step is safe to repeat or finds its own trace (see
 * plan.ts for the order); a failing step stops the target, its cursor stays, and the next run
 * plans again from what the forges and the store show.
 */

export function toAction(step: Step, done: boolean): Action {
  return { kind: step.kind, description: step.description, done, url: step.url, subject: step.subject };
}

export function describePlan(plan: TargetPlan): Action[] {
  return plan.steps.filter((s) => !INTERNAL_STEPS.has(s.kind)).map((s) => toAction(s, false));
}

async function patchRecord(
  ctx: JobContext,
  key: string,
  patch: Partial<PipelineRecord>,
): Promise<PipelineRecord> {
  const current = await ctx.state.get<PipelineRecord>(key);
  const next: PipelineRecord = { at: ctx.now().toISOString(), ...current, ...patch };
  await ctx.state.set(key, next);
  return next;
}

async function perform(ctx: JobContext, step: Step): Promise<void> {
  switch (step.kind) {
    case 'start-watching':
    case 'remember':
      await ctx.state.set(step.key, step.kind === 'remember' ? step.value : step.cursor);
      return;
    case 'record':
      await patchRecord(ctx, step.key, step.patch);
      return;
    case 'retry':
      await ctx.forge(step.forge).ci.retryPipeline(step.project, step.pipelineId);
      return;
    case 'notify': {
      // Intent, send, sent: a run killed in between leaves `sending`, which is never resent.
      const before = await patchRecord(ctx, step.record, { ...step.patch, slack: 'sending' });
      try {
        await ctx.notifier.send(
          step.slack.channel,
          step.slack.message,
          step.incident ? { incident: step.incident } : undefined,
        );
      } catch (error) {
        // Slack refused or was unreachable after its retries: nothing arrived, try again next run.
        await ctx.state.set(step.record, { ...before, slack: undefined });
        throw error;
      }
      await patchRecord(ctx, step.record, { slack: 'sent' });
      return;
    }
    case 'label':
      await ctx
        .forge(step.forge)
        .changeRequests.update(step.project, step.iid, { addLabels: step.add, removeLabels: step.remove });
      return;
    case 'note':
      await ctx
        .forge(step.forge)
        .notes.create(step.project, { kind: 'change_request', iid: step.iid }, step.body);
      return;
    case 'sentry':
      await ctx.sentry.captureMessage(step.message, {
        level: 'error',
        fingerprint: step.fingerprint,
        tags: step.tags,
        extra: step.extra,
      });
      await patchRecord(ctx, step.record, { sentry: true });
      return;
    case 'delete-branch':
      await ctx.forge(step.forge).repo.deleteBranch(step.project, step.branch);
      return;
    case 'close-mr':
      await ctx.forge(step.forge).changeRequests.update(step.project, step.iid, { state: 'close' });
      return;
  }
}

/** Performs the steps, appending each action to `actions` as it goes (so a failure still shows what was done). */
export async function applyPlan(ctx: JobContext, plan: TargetPlan, actions: Action[]): Promise<void> {
  for (const step of plan.steps) {
    const action = INTERNAL_STEPS.has(step.kind) ? null : toAction(step, false);
    if (action) actions.push(action);
    await perform(ctx, step);
    if (action) action.done = true;
  }
}
