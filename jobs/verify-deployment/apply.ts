import { errorMessage } from '../../src/errors.js';
import type { Action, JobContext } from '../../src/runner/job.js';
import {
  failureAlert,
  inconclusiveWarning,
  passNote,
  rollbackOnlyNote,
  type RollbackOutcome,
} from './messages.js';
import { targetName } from './options.js';
import { describeStep, type DeploymentPlan } from './plan.js';
import { performRollback } from './rollback.js';

/**
 * Performs a deployment's plan. The rollback goes first so the alert can say what happened to
 * it; a rollback that could not be triggered is still alerted (with the error), then reported
 * as a failed item. Slack and Sentry are last: a run killed before them resumes from the
 * pending record, and the rollback decision sees the rollback already triggered.
 */

export interface Applied {
  actions: Action[];
  rollback: RollbackOutcome | null;
}

export async function applyPlan(ctx: JobContext, plan: DeploymentPlan): Promise<Applied> {
  const { target, subject } = plan;
  const channel = target.slackChannel ?? ctx.slackChannel;
  const subjectName = `${targetName(target)} #${subject.deployment.id}`;
  const actions: Action[] = [];
  const outcome: RollbackOutcome | null = plan.rollback ? { decision: plan.rollback } : null;

  for (const step of plan.steps) {
    const action: Action = {
      kind: step.kind,
      description: describeStep(plan, step),
      done: false,
      subject: subjectName,
    };
    actions.push(action);
    switch (step.kind) {
      case 'rollback': {
        const decision = plan.rollback!;
        if (decision.kind !== 'retry-job' && decision.kind !== 'create-deployment') break;
        try {
          const record = await performRollback(ctx, target, subject.deployment, decision);
          outcome!.triggeredUrl = record.url;
          action.url = record.url;
          action.done = true;
        } catch (error) {
          ctx.log.error({ err: error, deployment: subject.deployment.id }, 'rollback failed');
          outcome!.error = errorMessage(error);
          action.description = `${action.description} — failed: ${outcome!.error}`;
        }
        continue;
      }
      case 'note-pass':
        await ctx.notifier.send(channel, passNote(ctx, subject, plan.verdict!));
        break;
      case 'warn-inconclusive':
        await ctx.notifier.send(channel, inconclusiveWarning(ctx, subject, plan.verdict!, target.mention));
        break;
      case 'alert':
        await ctx.notifier.send(channel, failureAlert(ctx, subject, plan.verdict!, outcome!, target.mention));
        break;
      case 'rollback-note':
        await ctx.notifier.send(channel, rollbackOnlyNote(ctx, subject, outcome!, target.mention));
        break;
      case 'sentry-event':
        await ctx.sentry.captureMessage(`Deployment failed verification: ${subjectName}`, {
          level: 'error',
          fingerprint: ['verify-deployment', targetName(target), String(subject.deployment.id)],
          tags: {
            environment: subject.deployment.environment,
            target: targetName(target),
            rollback: outcome?.error ? 'failed' : (plan.rollback?.kind ?? 'none'),
          },
          extra: {
            deployment: subject.deployment.webUrl,
            version: subject.version,
            sha: subject.deployment.sha,
            summary: plan.verdict?.summary,
            failed: plan.verdict?.failed,
          },
        });
        break;
    }
    action.done = true;
  }
  return { actions, rollback: outcome };
}
