import { DeferredReadError, lowPriority } from '../../src/forges/budget.js';
import type { ChangeRequest } from '../../src/forges/types.js';
import { checksVerdict } from '../../src/kit/checks.js';
import { formatDuration } from '../../src/kit/duration.js';
import type { JobContext } from '../../src/runner/job.js';
import type { Component } from './options.js';

/** An MR open longer than `staleAfter` gets one Slack warning, remembered in the store. */

function key(component: Component, mr: ChangeRequest): string {
  return `stale-warned:${component.name}:${component.target.project}!${mr.iid}`;
}

export async function alreadyWarned(
  ctx: JobContext,
  component: Component,
  mr: ChangeRequest,
): Promise<boolean> {
  return (await ctx.state.get(key(component, mr))) !== undefined;
}

async function pipelineState(ctx: JobContext, component: Component, mr: ChangeRequest): Promise<string> {
  const target = ctx.forge(component.target.forge);
  if (target.capabilities.ciVerdict === 'pipeline') {
    const [pipeline] = await target.ci.listPipelines(component.target.project, { sha: mr.headSha, limit: 1 });
    return pipeline ? `pipeline #${pipeline.id} ${pipeline.status}` : 'no pipeline';
  }
  return `checks ${checksVerdict(await target.ci.commitChecks(component.target.project, mr.headSha))}`;
}

export async function warnStale(ctx: JobContext, component: Component, mr: ChangeRequest): Promise<boolean> {
  if (await alreadyWarned(ctx, component, mr)) return false;
  const age = formatDuration(ctx.now().getTime() - Date.parse(mr.createdAt));
  // Only for the message: when the forge's budget is short it waits for a better time.
  const state = await lowPriority(`the pipeline of ${component.target.project}!${mr.iid}`, () =>
    pipelineState(ctx, component, mr),
  ).catch((error: unknown) => {
    if (error instanceof DeferredReadError)
      return 'not read this time (the forge’s rate-limit budget is short)';
    throw error;
  });
  await ctx.notifier.send(component.slackChannel ?? ctx.slackChannel, {
    title: `${component.name} version MR has been open for ${age}`,
    severity: 'warning',
    mention: component.mention,
    fields: [
      { label: 'MR', value: `!${mr.iid} ${mr.title}`, url: mr.webUrl },
      { label: 'Pipeline', value: state },
      { label: 'Project', value: component.target.project },
    ],
    nextStep:
      'Look at why it does not merge: a failed pipeline (retry a flake, wait for a broken default branch, revert a regression) or a conflict. The bot keeps moving it to the newest green commit.',
    links: [{ text: `Open MR !${mr.iid}`, url: mr.webUrl }],
    context: { job: ctx.job, runId: ctx.runId },
  });
  await ctx.state.set(key(component, mr), { at: ctx.now().toISOString() });
  return true;
}
