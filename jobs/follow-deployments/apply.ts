import type { Action, Applied, JobContext } from '../../src/runner/job.js';
import type { BumpRecord } from '../../src/domain/bump-deployments.js';
import type { Options } from './options.js';
import type { FollowPlan, Step } from './plan.js';

/**
 * Perform the plan's effects in order. After each one the bump's record says it is done (in the
 * store), so a run killed between two effects finishes the rest on the next run; the forge
 * effects are also found on the forge by plan (label present, note marker, recorded deployment).
 *
 * Slack cannot be read back. Each Slack step is a step of the bump's conversation (ProgressRef):
 * the notifier remembers the step in its thread store right after Slack accepted it (and, with a
 * bot token, before updating the parent), so a run killed between the post and `done.slack`
 * below says nothing again on the next run, only brings the parent up to date. What remains is a
 * kill between Slack's answer and the notifier's own store write: that one reply (or webhook
 * message) may be repeated, at least once rather than never; a kill right after the first
 * step's parent was posted, before it was remembered, may likewise leave a second parent.
 */

export interface FollowApplied extends Applied {
  failures: { key: string; subject: string; message: string }[];
}

function markDone(record: BumpRecord, step: Step): void {
  switch (step.kind) {
    case 'label':
      for (const a of Object.values(record.reached)) a.done.label = true;
      break;
    case 'note':
      record.reached[step.environment]!.done.note = true;
      break;
    case 'component-deployment':
      record.reached[step.environment]!.done.component = true;
      break;
    case 'slack':
      record.reached[step.environment]!.done.slack = true;
      break;
    case 'event-note':
      record.events[step.event]!.done.note = true;
      break;
    case 'event-slack':
      record.events[step.event]!.done.slack = true;
      break;
  }
}

async function perform(
  ctx: JobContext,
  options: Options,
  plan: FollowPlan,
  step: Step,
): Promise<string | undefined> {
  const forge = ctx.forge(options.forge);
  switch (step.kind) {
    case 'label': {
      const mr = await forge.changeRequests.update(options.project, step.iid, {
        addLabels: [step.add],
        ...(step.remove.length ? { removeLabels: step.remove } : {}),
      });
      return mr.webUrl;
    }
    case 'note':
    case 'event-note': {
      const on = { kind: 'change_request' as const, iid: step.iid };
      const note = await forge.notes.create(options.project, on, step.body);
      return forge.links.noteUrl(plan.records[step.key]!.url, note.id);
    }
    case 'component-deployment': {
      const source = ctx.forge(step.forge);
      const ref = step.ref ?? (await source.repo.getProject(step.project)).defaultBranch;
      const d = await source.deployments.record(step.project, {
        environment: step.environment,
        ref,
        sha: step.sha,
        unfinished: step.unfinished,
        description: `${plan.records[step.key]!.component} carried by ${plan.records[step.key]!.url}`,
      });
      return d.webUrl;
    }
    case 'slack':
    case 'event-slack':
      await ctx.notifier.send(plan.channel, step.message, { progress: step.progress });
      return undefined;
  }
}

export async function applyPlan(ctx: JobContext, options: Options, plan: FollowPlan): Promise<FollowApplied> {
  const actions: Action[] = [];
  const failures: FollowApplied['failures'] = [];
  const broken = new Set<string>();
  for (const step of plan.steps) {
    const action: Action = {
      kind: step.kind,
      description: step.description,
      done: false,
      ...(step.subject ? { subject: step.subject } : {}),
      ...(step.url ? { url: step.url } : {}),
    };
    actions.push(action);
    // A bump whose earlier effect failed waits for the next run (its effects stay in order).
    if (broken.has(step.key)) continue;
    try {
      const url = await perform(ctx, options, plan, step);
      if (url) action.url = url;
      action.done = true;
      const record = plan.records[step.key]!;
      markDone(record, step);
      await ctx.state.set(step.key, record);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      broken.add(step.key);
      failures.push({
        key: step.key,
        subject: step.subject ?? step.key,
        message: `${step.description}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return { actions, failures };
}
