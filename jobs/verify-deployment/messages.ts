import type { NotifyLink, NotifyMessage } from '../../src/notify/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { VerdictRecord } from './records.js';
import type { RollbackDecision } from './rollback.js';
import { describeDeployment, shortSha, type Subject } from './subject.js';

/** The Slack messages: a short note on a pass, an alert with evidence and the rollback outcome on a fail. */

export interface RollbackOutcome {
  decision: RollbackDecision;
  /** Set when the rollback was triggered in this run. */
  triggeredUrl?: string;
  /** Set when triggering it failed. */
  error?: string;
}

function deploymentFields(subject: Subject) {
  const d = subject.deployment;
  return [
    { label: 'Environment', value: d.environment },
    { label: 'Deployment', value: `#${d.id}`, url: d.webUrl },
    { label: 'Version', value: subject.version },
    { label: 'Commit', value: shortSha(d.sha) },
  ];
}

function context(ctx: JobContext) {
  return { job: ctx.job, runId: ctx.runId, dryRun: ctx.dryRun };
}

export function passNote(ctx: JobContext, subject: Subject, verdict: VerdictRecord): NotifyMessage {
  return {
    title: `Deployment verified: ${describeDeployment(subject.deployment)}`,
    severity: 'success',
    sections: [verdict.summary],
    fields: deploymentFields(subject),
    context: context(ctx),
  };
}

export function inconclusiveWarning(
  ctx: JobContext,
  subject: Subject,
  verdict: VerdictRecord,
  mention: string | undefined,
): NotifyMessage {
  return {
    title: `Deployment could not be verified: ${describeDeployment(subject.deployment)}`,
    severity: 'warning',
    mention,
    sections: [verdict.summary],
    fields: deploymentFields(subject),
    itemsTitle: 'Gates without enough evidence',
    items: verdict.failed.map((f) => `${f.gate} ${f.name}: ${f.reason} — ${f.evidence}`),
    nextStep:
      'Check the deployment by hand (health, Sentry, dashboards): the bot does not roll back on missing evidence.',
    context: context(ctx),
  };
}

function rollbackLine(outcome: RollbackOutcome): { field: string; section?: string; nextStep: string } {
  const { decision } = outcome;
  if (outcome.error)
    return {
      field: 'rollback failed',
      section: `Triggering the rollback failed: ${outcome.error}`,
      nextStep: 'Roll back by hand now, then investigate the failure.',
    };
  switch (decision.kind) {
    case 'retry-job':
    case 'create-deployment':
      return {
        field: `rolling back to #${decision.to.id}`,
        section: `Rolling back to ${describeDeployment(decision.to)}${decision.kind === 'retry-job' ? ` by re-running its deploy job #${decision.jobId}` : ' through a new deployment of its commit'}.`,
        nextStep:
          'The rollback is on its way and will be verified like any deploy. Find the cause before deploying again.',
      };
    case 'recommend':
      return {
        field: `recommended: #${decision.to.id}`,
        section: `Rollback target: ${describeDeployment(decision.to)}; the command ${decision.how}.`,
        nextStep: `Decide whether to roll back to #${decision.to.id}; to do it, run: ${decision.command}`,
      };
    case 'refuse': {
      const { migrations } = decision.migrations;
      return {
        field: 'refused',
        section: `Automatic rollback to ${describeDeployment(decision.to)} refused: ${decision.reason}.${
          migrations.length ? `\nPost-deploy migrations:\n${migrations.map((m) => `• ${m}`).join('\n')}` : ''
        }`,
        nextStep: migrations.length
          ? 'Fix forward, or roll back by hand only after checking that the code of the rollback target works with these migrations applied.'
          : 'Find out which post-deploy migrations ran since the rollback target (`release-bot migrations rollback-check`) before rolling back by hand; otherwise fix forward.',
      };
    }
    case 'done':
      return {
        field: 'already handled',
        section: `No rollback: ${decision.reason}.`,
        nextStep: 'Find the cause before deploying again.',
      };
    case 'impossible':
      return {
        field: 'not possible',
        section: `No rollback: ${decision.reason}.`,
        nextStep: 'Fix forward, or roll back by hand.',
      };
  }
}

export function failureAlert(
  ctx: JobContext,
  subject: Subject,
  verdict: VerdictRecord,
  outcome: RollbackOutcome,
  mention: string | undefined,
): NotifyMessage {
  const line = rollbackLine(outcome);
  const links: NotifyLink[] = [
    { text: `Deployment #${subject.deployment.id}`, url: subject.deployment.webUrl },
  ];
  const decision = outcome.decision;
  const rollbackUrl =
    outcome.triggeredUrl ??
    (decision.kind === 'retry-job' ? decision.jobUrl : decision.kind === 'done' ? decision.url : undefined);
  if (rollbackUrl) links.push({ text: 'Rollback', url: rollbackUrl });
  if ('to' in decision) links.push({ text: `Previous: #${decision.to.id}`, url: decision.to.webUrl });
  links.push(...verdict.links);
  return {
    title: `Deployment failed verification: ${describeDeployment(subject.deployment)}`,
    severity: 'error',
    mention,
    sections: [verdict.summary, ...(line.section ? [line.section] : [])],
    fields: [...deploymentFields(subject), { label: 'Rollback', value: line.field }],
    itemsTitle: 'Failed gates',
    items: verdict.failed.map((f) => `${f.gate} ${f.name}: ${f.reason} — ${f.evidence}`),
    links,
    nextStep: line.nextStep,
    context: context(ctx),
  };
}

export function rollbackOnlyNote(
  ctx: JobContext,
  subject: Subject,
  outcome: RollbackOutcome,
  mention: string | undefined,
): NotifyMessage {
  const line = rollbackLine(outcome);
  const decision = outcome.decision;
  const triggered = decision.kind === 'retry-job' || decision.kind === 'create-deployment';
  return {
    title: `Rollback of ${describeDeployment(subject.deployment)}: ${line.field}`,
    severity: triggered && !outcome.error ? 'warning' : 'error',
    mention,
    sections: line.section ? [line.section] : [],
    fields: [...deploymentFields(subject), { label: 'Rollback', value: line.field }],
    links: [
      { text: `Deployment #${subject.deployment.id}`, url: subject.deployment.webUrl },
      ...(outcome.triggeredUrl ? [{ text: 'Rollback', url: outcome.triggeredUrl }] : []),
    ],
    nextStep: line.nextStep,
    context: context(ctx),
  };
}
