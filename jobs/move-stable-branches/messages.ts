import type { Commit } from '../../src/forges/types.js';
import type { NotifyDecision, NotifyItem, NotifyMessage } from '../../src/notify/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { GateResult } from './gates.js';
import type { RepoOutcome } from './move.js';
import type { Options } from './options.js';
import { shortSha } from './plan.js';

/** Slack messages. Forge text (titles, evidence) goes in fields and items, which Slack escapes. */

function context(ctx: JobContext) {
  return { job: ctx.job, runId: ctx.runId, dryRun: ctx.dryRun };
}

export function approvalRequested(
  ctx: JobContext,
  options: Options,
  input: { hash: string; outcomes: RepoOutcome[]; issueUrl: string; voided: boolean },
): NotifyMessage {
  const moving = input.outcomes.filter((o) => o.status === 'planned');
  return {
    title: input.voided
      ? `move-stable-branches: a source branch moved after the approval — approval needed again (plan ${input.hash})`
      : `move-stable-branches: stage gates passed — approval needed to move ${moving.length} stable branch(es)`,
    severity: 'info',
    mention: options.mention,
    items: moving.map((o) => `${o.plan.name}: ${o.summary}`),
    itemsTitle: 'Would move',
    nextStep: `An approver (${options.approval.approvers.join(', ')}) approves in the issue${ctx.config.slack.app ? ' or with the buttons below' : ''}; the bot moves the branches on its next run.`,
    links: [{ text: 'Approval issue', url: input.issueUrl }],
    // With the Slack app, approvers can decide here; the click is checked against this plan.
    ...(ctx.config.slack.app ? { decisions: decisionButtons(ctx.job, input.hash) } : {}),
    context: context(ctx),
  };
}

function decisionButtons(job: string, hash: string): NotifyDecision[] {
  const value = JSON.stringify({ job, hash });
  return [
    { text: `Approve plan ${hash}`, actionId: 'release-bot:approve', value, style: 'primary' },
    { text: 'Decline', actionId: 'release-bot:decline', value, style: 'danger' },
  ];
}

export function gatesFailed(
  ctx: JobContext,
  options: Options,
  input: { hash: string; gates: GateResult[]; issueUrl?: string },
): NotifyMessage {
  const failed = input.gates.filter((g) => !g.ok);
  const items: NotifyItem[] = failed.flatMap((g) =>
    g.evidence.filter((e) => !e.ok).map((e) => ({ text: `${g.gate}: ${e.text}`, url: e.url })),
  );
  return {
    title: `move-stable-branches: stage gate${failed.length === 1 ? '' : 's'} failed (${failed.map((g) => g.gate).join(', ')}) — no stable branch moved`,
    severity: 'error',
    mention: options.mention,
    sections: failed.map((g) => `${g.gate}: ${g.summary}`),
    items,
    itemsTitle: 'Evidence',
    nextStep:
      'Fix stage (or resolve the Sentry issues, re-run the stage checks); the bot checks again on its next run. Nothing moves until every gate passes.',
    links: input.issueUrl ? [{ text: 'Approval issue', url: input.issueUrl }] : [],
    context: context(ctx),
  };
}

export function moveReport(
  ctx: JobContext,
  options: Options,
  input: {
    outcomes: RepoOutcome[];
    notes: { name: string; commits: Commit[] }[];
    approvedBy: string;
    issueUrl?: string;
    /** The moved PRs/MRs' release notes (release-notes.ts); else the moved commits. */
    releaseNotes?: NotifyItem[];
  },
): NotifyMessage {
  const failed = input.outcomes.filter((o) => o.status === 'failed' || o.status === 'blocked');
  const moved = input.outcomes.filter((o) => o.status === 'moved');
  const notes: NotifyItem[] =
    input.releaseNotes ??
    input.notes.flatMap(({ name, commits }) =>
      [...commits].reverse().map((c) => ({ text: `${name}: ${c.shortSha} ${c.title}`, url: c.webUrl })),
    );
  return {
    title: failed.length
      ? `move-stable-branches: ${failed.length} stable branch(es) not moved, ${moved.length} moved`
      : `move-stable-branches: moved ${moved.length} stable branch(es)`,
    severity: failed.length ? 'error' : 'success',
    mention: failed.length ? options.mention : undefined,
    fields: [
      ...input.outcomes.map((o) => ({
        label: o.plan.name,
        value:
          o.status === 'moved'
            ? o.created
              ? `created at ${shortSha(o.plan.target ?? o.plan.stable)}: ${o.summary}`
              : `moved ${shortSha(o.plan.stable)} → ${shortSha(o.plan.target)} (${o.plan.commits.length})`
            : `${o.status}: ${o.summary}`,
        url: o.status === 'moved' ? (o.plan.compareUrl ?? undefined) : undefined,
      })),
      { label: 'Approved by', value: input.approvedBy },
    ],
    items: notes,
    itemsTitle: 'Release notes',
    nextStep: failed.length
      ? 'Fix what each failed repo says, then run `release-bot run move-stable-branches --yes`: moved repos are even now and are skipped.'
      : 'Nothing to do: production images rebuild from the moved stable branches.',
    links: input.issueUrl ? [{ text: 'Approval issue', url: input.issueUrl }] : [],
    context: context(ctx),
  };
}
