import type { JobContext } from '../../src/runner/job.js';
import type { PostMigrationsBetween } from './migrations.js';
import type { Options, Target } from './options.js';
import type { VerdictRecord } from './records.js';
import { decideRollback, describeRollback, type RollbackDecision } from './rollback.js';
import { describeDeployment, type Subject } from './subject.js';

/**
 * What to do once a deployment has a verdict: pure data, printed in dry-run and performed
 * otherwise (apply.ts). Reads only (the rollback decision looks at the forge and the store).
 */

export type Step =
  | { kind: 'note-pass' }
  | { kind: 'warn-inconclusive' }
  | { kind: 'rollback' }
  | { kind: 'alert' }
  | { kind: 'sentry-event' }
  | { kind: 'rollback-note' };

export interface DeploymentPlan {
  target: Target;
  subject: Subject;
  verdict: VerdictRecord | null;
  rollback: RollbackDecision | null;
  steps: Step[];
}

function performs(decision: RollbackDecision): boolean {
  return decision.kind === 'retry-job' || decision.kind === 'create-deployment';
}

export async function planVerdict(input: {
  ctx: JobContext;
  options: Options;
  target: Target;
  subject: Subject;
  verdict: VerdictRecord;
  postMigrations: PostMigrationsBetween;
}): Promise<DeploymentPlan> {
  const { ctx, options, target, subject, verdict } = input;
  const plan: DeploymentPlan = { target, subject, verdict, rollback: null, steps: [] };
  if (verdict.verdict === 'pass') plan.steps.push({ kind: 'note-pass' });
  else if (verdict.verdict === 'unknown') plan.steps.push({ kind: 'warn-inconclusive' });
  else {
    plan.rollback = await decideRollback({
      ctx,
      options,
      target,
      failed: subject.deployment,
      mode: target.rollback ?? options.rollback,
      postMigrations: input.postMigrations,
    });
    if (performs(plan.rollback)) plan.steps.push({ kind: 'rollback' });
    plan.steps.push({ kind: 'alert' }, { kind: 'sentry-event' });
  }
  return plan;
}

/** `--rollback`: a human asked for it; the same safety rules apply, without watching the gates. */
export async function planRollbackCommand(input: {
  ctx: JobContext;
  options: Options;
  target: Target;
  subject: Subject;
  postMigrations: PostMigrationsBetween;
}): Promise<DeploymentPlan> {
  const { ctx, options, target, subject } = input;
  const rollback = await decideRollback({
    ctx,
    options,
    target,
    failed: subject.deployment,
    mode: 'auto',
    postMigrations: input.postMigrations,
  });
  const steps: Step[] = performs(rollback) ? [{ kind: 'rollback' }] : [];
  steps.push({ kind: 'rollback-note' });
  return { target, subject, verdict: null, rollback, steps };
}

export function describeStep(plan: DeploymentPlan, step: Step): string {
  const label = describeDeployment(plan.subject.deployment);
  const channel = plan.target.slackChannel ? ` on #${plan.target.slackChannel}` : ' on Slack';
  switch (step.kind) {
    case 'note-pass':
      return `post a short note${channel}: ${label} passed verification`;
    case 'warn-inconclusive':
      return `warn${channel}: ${label} could not be verified (${plan.verdict?.summary ?? ''})`;
    case 'rollback':
      return describeRollback(plan.target, plan.subject.deployment, plan.rollback!);
    case 'alert':
      return `alert${channel}: ${label} failed verification; rollback: ${describeRollback(plan.target, plan.subject.deployment, plan.rollback!)}`;
    case 'sentry-event':
      return `send a Sentry event: ${label} failed verification`;
    case 'rollback-note':
      return `tell${channel}: ${describeRollback(plan.target, plan.subject.deployment, plan.rollback!)}`;
  }
}
