import type { Commit } from '../../src/forges/types.js';
import type { Action, ItemResult, JobContext, JobResult, Link, ResultStatus } from '../../src/runner/job.js';
import { markerMemory } from './approval-marker.js';
import { findApprovalIssue, type ApprovalIssue } from './approval.js';
import { confirmOnTerminal } from './confirm.js';
import { refuseMissingStable } from './create.js';
import { withRecordedMoves } from './earlier.js';
import { failureSignature, runGates, type GateResult } from './gates.js';
import { approvalForge, askInIssue, finishIssue, noteGatesOnIssue, withEarlierMoves } from './issue-flow.js';
import { gatesFailed, moveReport } from './messages.js';
import { sendOnce } from './once.js';
import { describeMove, moveBranches, plannedOutcomes, type OutcomeStatus, type RepoOutcome } from './move.js';
import type { Options } from './options.js';
import { parseOverrides } from './overrides.js';
import { makePlan, type Plan } from './plan.js';
import { takeSlackDecision } from './slack-decision.js';
import {
  notesOfOutcomes,
  releaseNotesItems,
  releaseNotesMarkdown,
  saveNotesFile,
  type RepoNotes,
} from './release-notes.js';
import { terminalReport } from './report.js';

/**
 * One run: plan → gates → approval → move → report. The plan and the gates are the job's plan
 * phase (read-only); the approval, the moves and the report on the issue and Slack are its apply
 * phase, which a dry run never reaches. Nothing moves without an approval (unless
 * `approval.required: false`).
 */

const ITEM_STATUS: Record<OutcomeStatus, ResultStatus> = {
  moved: 'ok',
  even: 'noop',
  planned: 'skipped',
  blocked: 'failed',
  failed: 'failed',
  skipped: 'skipped',
  waiting: 'skipped',
};

function repoItems(outcomes: RepoOutcome[], planned: boolean): ItemResult[] {
  return outcomes.map((o) => ({
    name: o.plan.name,
    status: ITEM_STATUS[o.status],
    summary: planned && o.status === 'planned' ? `would ${o.summary}` : o.summary,
    links: o.plan.compareUrl ? [{ text: `${o.plan.name} changes`, url: o.plan.compareUrl }] : [],
  }));
}

function gateItems(gates: GateResult[]): ItemResult[] {
  return gates.map((g) => ({
    name: `gate:${g.gate}`,
    status: g.ok ? 'ok' : 'failed',
    summary: g.summary,
    links: g.evidence
      .filter((e) => e.url && !e.ok)
      .slice(0, 10)
      .map((e) => ({ text: e.text, url: e.url! })),
  }));
}

function details(
  plan: Plan,
  gates: GateResult[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    hash: plan.hash,
    repos: plan.repos.map((r) => ({
      name: r.name,
      project: r.repo.project,
      decision: r.decision,
      reason: r.reason,
      stable: r.stable,
      target: r.target,
      pinned: r.pinned,
      fastForward: r.fastForward,
      force: r.force,
      commits: r.commits.map((c) => ({ sha: c.sha, title: c.title })),
    })),
    gates: gates.map((g) => ({ gate: g.gate, ok: g.ok, summary: g.summary, evidence: g.evidence })),
    ...extra,
  };
}

function plannedActions(outcomes: RepoOutcome[]): Action[] {
  return outcomes
    .filter((o) => o.status === 'planned')
    .map((o) => ({
      kind: 'move-branch',
      description: describeMove(o.plan),
      done: false,
      subject: o.plan.name,
    }));
}

/** Nothing to move. An approval issue left open by a run killed after its moves is finished now. */
async function nothingToMove(
  ctx: JobContext,
  options: Options,
  plan: Plan,
  outcomes: RepoOutcome[],
  bot: () => Promise<string>,
): Promise<JobResult> {
  const actions: Action[] = [];
  const links: Link[] = [];
  let shown = outcomes;
  if (options.approval.project) {
    const user = await bot();
    const { open } = await findApprovalIssue(
      approvalForge(ctx, options),
      options.approval.project,
      user,
      plan.hash,
      markerMemory(ctx, approvalForge(ctx, options), options.approval.project),
    );
    if (open) {
      shown = await withRecordedMoves(
        ctx,
        options,
        plan.hash,
        await withEarlierMoves(ctx, options, outcomes, open.marker),
      );
      const notes = releaseNotes(shown);
      const prNotes = notes.length
        ? await notesOfOutcomes(ctx, ctx.forge(options.forge), shown, ['moved'])
        : [];
      if (notes.length) await saveNotesFile(ctx, plan.hash, prNotes);
      const approvedBy = shown.some((o) => o.status === 'moved')
        ? 'the approval on this issue (moved by an earlier run)'
        : 'nobody: every stable branch is already even with its source';
      actions.push(
        ...(await finishIssue(ctx, options, {
          issue: open,
          hash: plan.hash,
          outcomes: shown,
          notes,
          approvedBy,
          bot: user,
          releaseNotes: notes.length ? releaseNotesMarkdown(prNotes) : undefined,
          report: async () => {
            if (notes.length === 0) return;
            await ctx.notifier.send(
              ctx.slackChannel,
              moveReport(ctx, options, {
                outcomes: shown,
                notes,
                approvedBy,
                issueUrl: open.issue.webUrl,
                releaseNotes: releaseNotesItems(prNotes),
              }),
            );
          },
        })),
      );
      links.push({ text: 'Approval issue', url: open.issue.webUrl });
    }
  }
  const bad = shown.filter((o) => o.status === 'failed' || o.status === 'blocked');
  const even = shown.filter((o) => o.status === 'even').length;
  const summary = bad.length
    ? `nothing can move: ${bad.map((o) => `${o.plan.name}: ${o.summary}`).join('; ')}`
    : `all ${even} stable branch(es) are even with their source; nothing to move${actions.length ? ' (finished the open approval issue)' : ''}`;
  return {
    status: bad.length ? 'failed' : actions.length ? 'ok' : 'noop',
    summary,
    actions,
    links,
    items: repoItems(shown, false),
    details: details(plan, []),
  };
}

function releaseNotes(outcomes: RepoOutcome[]): { name: string; commits: Commit[] }[] {
  return outcomes
    .filter((o) => o.status === 'moved')
    .map((o) => ({ name: o.plan.name, commits: o.plan.commits }));
}

async function gatesFailedResult(
  ctx: JobContext,
  options: Options,
  plan: Plan,
  outcomes: RepoOutcome[],
  gates: GateResult[],
  bot: () => Promise<string>,
): Promise<JobResult> {
  const failed = gates.filter((g) => !g.ok);
  const summary = `stage gate${failed.length === 1 ? '' : 's'} failed, nothing moved: ${failed.map((g) => `${g.gate}: ${g.summary}`).join('; ')}`;
  const actions: Action[] = [];
  const links: Link[] = [];
  const scheduled = ctx.trigger === 'schedule';
  if (scheduled && !ctx.dryRun) {
    const signature = failureSignature(gates);
    const noted = await noteGatesOnIssue(ctx, options, { plan, gates, signature, bot: await bot() });
    actions.push(...noted.actions);
    if (noted.issue) links.push({ text: 'Approval issue', url: noted.issue.webUrl });
    // Polling every 15 minutes must not page on-call 30 times for one failure.
    await sendOnce(ctx, `gates:${plan.hash}:${signature}`, async () => {
      await ctx.sentry.captureMessage(
        `move-stable-branches: stage gates failed (${failed.map((g) => g.gate).join(', ')})`,
        {
          level: 'error',
          fingerprint: ['move-stable-branches', 'gates', ...failed.map((g) => g.gate)],
          tags: { plan: plan.hash },
          extra: { gates: failed.map((g) => ({ gate: g.gate, summary: g.summary, evidence: g.evidence })) },
        },
      );
      await ctx.notifier.send(
        ctx.slackChannel,
        gatesFailed(ctx, options, { hash: plan.hash, gates, issueUrl: noted.issue?.webUrl }),
      );
    });
  }
  return {
    // A scheduled run did its job (it alerted once); a manual run reports the failure (exit 1).
    status: scheduled ? 'skipped' : 'failed',
    summary,
    actions,
    links,
    items: [...repoItems(outcomes, true), ...gateItems(gates)],
    details: details(plan, gates),
  };
}

/**
 * Some repos wait for a dependency's new stable to be built: what moved stays moved, the store
 * knows it (progress.ts), and the next poll continues with the same approval. Nothing is
 * reported or closed until the move is over.
 */
function waitingResult(
  ctx: JobContext,
  plan: Plan,
  gates: GateResult[],
  outcomes: RepoOutcome[],
  done: { actions: Action[]; links: Link[]; approvedBy: string },
): JobResult {
  const moved = outcomes.filter((o) => o.status === 'moved');
  const waiting = outcomes.filter((o) => o.status === 'waiting');
  const stopped = outcomes.filter(
    (o) => o.status === 'failed' || o.status === 'skipped' || o.status === 'blocked',
  );
  const parts = [
    ...(moved.length
      ? [
          `${moved.some((o) => o.created) ? 'created/moved' : 'moved'} ${moved.map((o) => o.plan.name).join(', ')}`,
        ]
      : []),
    `waiting: ${waiting.map((o) => `${o.plan.name} ${o.summary}`).join('; ')}`,
    ...(stopped.length
      ? [`not moved: ${stopped.map((o) => `${o.plan.name}: ${o.summary}`).join('; ')}`]
      : []),
  ];
  return {
    status: moved.length ? 'ok' : 'skipped',
    summary: `${parts.join('; ')}; ${ctx.trigger === 'schedule' ? 'the next poll continues' : 'run again later to continue'} (plan ${plan.hash}, approved by ${done.approvedBy})`,
    actions: done.actions,
    links: done.links,
    items: [...repoItems(outcomes, false), ...gateItems(gates)],
    details: details(plan, gates, { approvedBy: done.approvedBy, waiting: waiting.map((o) => o.plan.name) }),
  };
}

export interface MovePlan {
  /** What a run would do (a dry run shows these). */
  steps: Action[];
  plan: Plan;
  outcomes: RepoOutcome[];
  /** The stage gates; null when nothing is planned to move (they are not asked then). */
  gates: GateResult[] | null;
}

function botName(ctx: JobContext, options: Options): () => Promise<string> {
  let name: string | undefined;
  return async () => (name ??= (await ctx.forge(options.forge).currentUser()).username);
}

export async function planMove(ctx: JobContext, options: Options): Promise<MovePlan> {
  const overrides = parseOverrides(ctx.args, options);
  const force = Boolean(ctx.args.force);
  ctx.progress(`planning ${options.repos.length} repo(s)`);
  const plan = await makePlan(ctx, options, overrides, force);
  refuseMissingStable(ctx, options, plan);
  const outcomes = plannedOutcomes(plan.repos);
  if (!outcomes.some((o) => o.status === 'planned')) return { steps: [], plan, outcomes, gates: null };
  ctx.progress('checking the stage gates');
  const gates = await runGates(ctx, options);
  if (gates.some((g) => !g.ok)) return { steps: [], plan, outcomes, gates };
  const ask: Action = {
    kind: 'ask-approval',
    description:
      ctx.trigger === 'schedule'
        ? `open or update the approval issue in ${options.approval.project} and wait for an approver`
        : 'ask to confirm on the terminal (or --yes)',
    done: false,
  };
  return {
    steps: [...(options.approval.required ? [ask] : []), ...plannedActions(outcomes)],
    plan,
    outcomes,
    gates,
  };
}

/** A dry run's result, from the plan: what a real run would do. Writes nothing. */
export async function reportMove(
  ctx: JobContext,
  { plan, outcomes, gates }: MovePlan,
  applied: { actions: Action[]; result: JobResult } | undefined,
  options: Options,
): Promise<JobResult> {
  if (applied) return applied.result;
  const bot = botName(ctx, options);
  if (!gates) return nothingToMove(ctx, options, plan, outcomes, bot);
  if (gates.some((g) => !g.ok)) return gatesFailedResult(ctx, options, plan, outcomes, gates, bot);
  const items = [...repoItems(outcomes, true), ...gateItems(gates)];
  const moving = outcomes.filter((o) => o.status === 'planned').length;
  if (options.approval.required)
    return {
      status: 'ok',
      summary: `dry run: gates passed; ${moving} stable branch(es) would move after approval (plan ${plan.hash})`,
      actions: [],
      links: [],
      items,
      details: details(plan, gates),
    };
  await saveNotesFile(
    ctx,
    plan.hash,
    await notesOfOutcomes(ctx, ctx.forge(options.forge), outcomes, ['planned']),
  );
  return {
    status: 'ok',
    summary: `dry run: gates passed; ${moving} stable branch(es) would move (plan ${plan.hash})`,
    actions: [],
    links: [],
    items,
    details: details(plan, gates),
  };
}

export async function applyMove(
  ctx: JobContext,
  planned: MovePlan,
  options: Options,
): Promise<{ actions: Action[]; result: JobResult }> {
  const result = await performMove(ctx, options, planned);
  return { actions: result.actions, result };
}

async function performMove(
  ctx: JobContext,
  options: Options,
  { plan, outcomes, gates: planned }: MovePlan,
): Promise<JobResult> {
  const forge = ctx.forge(options.forge);
  const bot = botName(ctx, options);
  // An Approve / Decline button on Slack: recorded on the approval issue before anything else.
  const decided = ctx.args.decision ? await takeSlackDecision(ctx, options, plan, bot) : null;
  if (decided?.result) return decided.result;
  if (!planned) return nothingToMove(ctx, options, plan, outcomes, bot);
  const gates = planned;
  if (gates.some((g) => !g.ok)) return gatesFailedResult(ctx, options, plan, outcomes, gates, bot);

  const items = () => [...repoItems(outcomes, true), ...gateItems(gates)];
  const moving = outcomes.filter((o) => o.status === 'planned').length;
  const actions: Action[] = [...(decided?.actions ?? [])];
  const links: Link[] = [];
  let approvedBy: string | null = null;
  let issue: ApprovalIssue | null = null;

  if (!options.approval.required) approvedBy = 'nobody (approval.required: false; every gate passed)';
  else if (ctx.trigger === 'schedule' || decided) {
    const asked = await askInIssue(ctx, options, {
      plan,
      outcomes,
      gates,
      bot: await bot(),
      releaseNotes: async () =>
        releaseNotesMarkdown(await notesOfOutcomes(ctx, forge, outcomes, ['planned'])),
    });
    actions.push(...asked.actions);
    if (asked.issue) links.push({ text: 'Approval issue', url: asked.issue.webUrl });
    if (!asked.approvedBy)
      return {
        status: 'skipped',
        summary: asked.waiting,
        actions,
        links,
        items: items(),
        details: details(plan, gates, { ignored: asked.ignored }),
      };
    approvedBy = `${asked.approvedBy} in ${options.approval.project}#${asked.issue!.iid}`;
  } else if (ctx.args.yes) approvedBy = `${process.env.USER ?? 'the operator'} (--yes)`;
  else {
    // Only a person's `release-bot run` may be asked: an API-triggered run in a daemon never is.
    const answer =
      ctx.trigger === 'manual' ? await confirmOnTerminal(terminalReport(outcomes, gates), ctx.signal) : null;
    if (answer === null)
      return {
        status: 'skipped',
        summary: `approval needed, nothing moved: ${moving} stable branch(es) would move (plan ${plan.hash}); run again with --yes to confirm, or on a terminal to be asked (scheduled runs ask for approval in an issue${options.approval.project ? ` in ${options.approval.project}` : ''})`,
        actions: plannedActions(outcomes),
        links,
        items: items(),
        details: details(plan, gates),
      };
    if (!answer)
      return {
        status: 'skipped',
        summary: `not confirmed on the terminal: nothing moved (plan ${plan.hash})`,
        actions: plannedActions(outcomes),
        links,
        items: items(),
        details: details(plan, gates),
      };
    approvedBy = `${process.env.USER ?? 'the operator'} (confirmed on the terminal)`;
  }

  ctx.progress(`moving ${moving} stable branch(es), approved by ${approvedBy}`);
  const moved = await moveBranches(ctx, options, plan.repos, await bot(), plan.hash);
  actions.push(...moved.actions);
  if (moved.outcomes.some((o) => o.status === 'waiting'))
    return waitingResult(ctx, plan, gates, moved.outcomes, { actions, links, approvedBy });

  if (options.approval.project) {
    const found = await findApprovalIssue(
      approvalForge(ctx, options),
      options.approval.project,
      await bot(),
      plan.hash,
      markerMemory(ctx, approvalForge(ctx, options), options.approval.project),
    );
    issue = found.open;
  }
  const shown = await withRecordedMoves(
    ctx,
    options,
    plan.hash,
    await withEarlierMoves(ctx, options, moved.outcomes, issue?.marker ?? null),
  );
  const notes = releaseNotes(shown);
  const prNotes: RepoNotes[] = await notesOfOutcomes(ctx, forge, shown, ['moved']);
  await saveNotesFile(ctx, plan.hash, prNotes);
  const report = async () => {
    await ctx.notifier.send(
      ctx.slackChannel,
      moveReport(ctx, options, {
        outcomes: shown,
        notes,
        approvedBy,
        issueUrl: issue?.issue.webUrl,
        releaseNotes: releaseNotesItems(prNotes),
      }),
    );
  };
  if (issue) {
    actions.push(
      ...(await finishIssue(ctx, options, {
        issue,
        hash: plan.hash,
        outcomes: shown,
        notes,
        approvedBy,
        bot: await bot(),
        releaseNotes: releaseNotesMarkdown(prNotes),
        report,
      })),
    );
    const url = issue.issue.webUrl;
    if (!links.some((l) => l.url === url)) links.push({ text: 'Approval issue', url });
  } else await report();

  const statuses = shown.map((o) => ITEM_STATUS[o.status]);
  const failed = shown.filter((o) => o.status === 'failed' || o.status === 'blocked');
  const done = shown.filter((o) => o.status === 'moved');
  const skipped = shown.filter((o) => o.status === 'skipped');
  const parts = [
    `moved ${done.length} stable branch(es)${done.length ? ` (${done.map((o) => o.plan.name).join(', ')})` : ''}`,
    ...(failed.length ? [`failed: ${failed.map((o) => `${o.plan.name}: ${o.summary}`).join('; ')}`] : []),
    ...(skipped.length ? [`skipped: ${skipped.map((o) => o.plan.name).join(', ')}`] : []),
  ];
  return {
    status: statuses.includes('failed') ? 'failed' : done.length ? 'ok' : 'noop',
    summary: `${parts.join('; ')}; approved by ${approvedBy}; plan ${plan.hash}`,
    actions,
    links: [
      ...links,
      ...shown.flatMap((o) =>
        o.status === 'moved' && o.plan.compareUrl
          ? [{ text: `${o.plan.name} changes`, url: o.plan.compareUrl }]
          : [],
      ),
    ],
    items: [...repoItems(shown, false), ...gateItems(gates)],
    details: details(plan, gates, { approvedBy }),
  };
}
