import type { ChangeRequest } from '../../src/forges/types.js';
import { checksVerdict } from '../../src/kit/checks.js';
import type { Action, JobContext } from '../../src/runner/job.js';
import { shortSha } from './description.js';
import { botBranch } from './options.js';
import type { ComponentPlan, Step } from './plan.js';
import { reportForeign } from './provenance.js';
import { warnStale } from './stale.js';
import { proposedKey } from './hold.js';

/**
 * Performs a component's plan, step by step. Every step is safe to repeat: a run killed between
 * two steps leaves a state the next run's plan recognises (see plan.ts).
 */

export function describeStep(plan: ComponentPlan, step: Step): string {
  const { component } = plan;
  const project = component.target.project;
  switch (step.kind) {
    case 'commit-version':
      return `${step.force ? 'reset' : 'create'} branch ${step.branch} from ${project}@${step.startFrom} with one commit "${step.message}" setting ${component.target.versionFile} to ${shortSha(plan.to!)}`;
    case 'open-mr':
      return `open MR "${step.title}" ${botBranch(component)} → ${step.targetBranch}${component.mergeRequest.labels.length ? ` labelled ${component.mergeRequest.labels.join(', ')}` : ''}`;
    case 'update-mr':
      return `update MR !${step.iid}: title "${step.title}" and description (${shortSha(plan.from ?? '')} → ${shortSha(plan.to!)})`;
    case 'approve':
      return `approve the MR${step.iid ? ` !${step.iid}` : ''} with the approver token`;
    case 'auto-merge':
      return `set the MR${step.iid ? ` !${step.iid}` : ''} to merge when its pipeline passes (guarded by the new head sha)`;
    case 'warn-stale':
      return `warn on Slack that MR !${step.mr.iid} has been open since ${step.mr.createdAt}`;
    case 'report-foreign':
      return `${step.foreign.disarm ? `turn off auto-merge of ${step.foreign.subject}, ` : ''}report on Slack and Sentry that ${step.foreign.subject} is not the bot's own, and leave it alone`;
  }
}

export async function applyPlan(ctx: JobContext, plan: ComponentPlan): Promise<Action[]> {
  const { component } = plan;
  const project = component.target.project;
  const target = ctx.forge(component.target.forge);
  const actions: Action[] = [];
  let mr: ChangeRequest | null = plan.mr;
  let head = mr?.headSha ?? null;

  for (const step of plan.steps) {
    const action: Action = {
      kind: step.kind,
      description: describeStep(plan, step),
      done: false,
      subject: component.name,
    };
    actions.push(action);
    switch (step.kind) {
      case 'commit-version': {
        const commit = await target.repo.commitFiles(project, {
          branch: step.branch,
          startFrom: step.startFrom,
          force: step.force,
          message: step.message,
          actions: [{ action: 'update', path: component.target.versionFile, content: step.content }],
        });
        head = commit.sha;
        action.url = commit.webUrl;
        // What the bot proposed last: a closed MR can only hold this commit (hold.ts).
        if (plan.to) await ctx.state.set(proposedKey(component.name), plan.to);
        break;
      }
      case 'open-mr': {
        const milestone =
          component.mergeRequest.milestone === 'current'
            ? await target.labels.currentMilestone(project)
            : null;
        mr = await target.changeRequests.create(project, {
          sourceBranch: botBranch(component),
          targetBranch: step.targetBranch,
          title: step.title,
          description: step.description,
          labels: component.mergeRequest.labels,
          assignees: component.mergeRequest.assignees,
          reviewers: component.mergeRequest.reviewers,
          milestone: milestone ?? undefined,
          removeSourceBranch: component.mergeRequest.removeSourceBranch,
          squash: component.mergeRequest.squash,
        });
        head = mr.headSha;
        action.url = mr.webUrl;
        action.description = `opened ${target.links.changeRequestNoun} ${target.links.changeRequestRef(mr.iid)} "${step.title}"`;
        break;
      }
      case 'update-mr':
        mr = await target.changeRequests.update(project, step.iid, {
          title: step.title,
          description: step.description,
        });
        action.url = mr.webUrl;
        break;
      case 'approve': {
        const approver = ctx.forgeWithToken(component.target.forge, component.approverToken!);
        await approver.changeRequests.approve(project, mr!.iid, { sha: head ?? mr!.headSha });
        break;
      }
      case 'auto-merge': {
        const sha = head ?? mr!.headSha;
        const outcome = await target.changeRequests.enableAutoMerge(project, mr!.iid, {
          sha,
          squash: component.mergeRequest.squash,
          removeSourceBranch: component.mergeRequest.removeSourceBranch,
        });
        if (outcome === 'pending') {
          // No pipeline for this head yet (created after the push) or not mergeable now: the next
          // run asks again; asking now could merge an untested head.
          action.description = `MR !${mr!.iid}: no pipeline for ${shortSha(sha)} yet; auto-merge will be set by a later run`;
        } else if (outcome === 'unsupported') {
          // Auto-merge is not allowed (GitHub setting) or could merge untested (GitLab project
          // without "pipelines must succeed"): merge once the head is green.
          const verdict = checksVerdict(await target.ci.commitChecks(project, sha));
          if (verdict === 'green') {
            await target.changeRequests.merge(project, mr!.iid, {
              sha,
              squash: component.mergeRequest.squash,
              removeSourceBranch: component.mergeRequest.removeSourceBranch,
            });
            action.description = `merged MR !${mr!.iid} (auto-merge is not allowed or not safe in this repository; its checks are green)`;
          } else {
            action.description = `auto-merge is not allowed or not safe here; MR !${mr!.iid} will be merged by a later run once its checks pass (now: ${verdict})`;
          }
        }
        action.url = mr!.webUrl;
        break;
      }
      case 'warn-stale':
        await warnStale(ctx, component, step.mr);
        break;
      case 'report-foreign':
        await reportForeign(ctx, component, step.foreign);
        break;
    }
    action.done = true;
  }
  return actions;
}
