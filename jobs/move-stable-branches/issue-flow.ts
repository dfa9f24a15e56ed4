import { createHash } from 'node:crypto';
import type { Commit, Forge, Issue, Note } from '../../src/forges/types.js';
import { render } from '../../src/kit/template.js';
import type { Action, JobContext } from '../../src/runner/job.js';
import {
  botNotes,
  evaluateApprovals,
  findApprovalIssue,
  noteEdits,
  type ApprovalIssue,
  type IgnoredApproval,
} from './approval.js';
import { markerMemory } from './approval-marker.js';
import type { GateResult } from './gates.js';
import { approvalRequested } from './messages.js';
import { sendOnce } from './once.js';
import type { RepoOutcome } from './move.js';
import type { Options } from './options.js';
import type { Plan } from './plan.js';
import {
  gatesMarkdown,
  issueDescription,
  noteMarker,
  reportMarkdown,
  safe,
  withMarker,
  type IssueMarker,
} from './report.js';

/**
 * The scheduled run's approval: one issue per plan in `approval.project`, kept up to date, read
 * on every poll. Every write is found again by a marker, so a run killed after any write
 * converges on the next run without a duplicate issue or note.
 */

export interface IssueApproval {
  approvedBy: string | null;
  /** Why nothing moves yet (when not approved). */
  waiting: string;
  issue: Issue | null;
  actions: Action[];
  ignored: IgnoredApproval[];
}

/** The Slack request for an approval: once per plan (also when a run died right after the issue write). */
function announce(
  ctx: JobContext,
  options: Options,
  input: { plan: Plan; outcomes: RepoOutcome[]; issueUrl: string; voided: boolean },
): Promise<boolean> {
  return sendOnce(ctx, `asked:${input.plan.hash}:${input.issueUrl}`, () =>
    ctx.notifier
      .send(
        ctx.slackChannel,
        approvalRequested(ctx, options, {
          hash: input.plan.hash,
          outcomes: input.outcomes,
          issueUrl: input.issueUrl,
          voided: input.voided,
        }),
      )
      .then(() => undefined),
  );
}

export function approvalForge(ctx: JobContext, options: Options): Forge {
  return ctx.forge(options.approval.forge ?? options.forge);
}

function markerFor(plan: Plan, afterNote: number): IssueMarker {
  const repos: IssueMarker['repos'] = {};
  for (const r of plan.repos)
    repos[r.name] = { project: r.repo.project, stable: r.repo.stable, from: r.stable, to: r.target };
  return { hash: plan.hash, afterNote, repos };
}

function lastNoteId(notes: Note[], floor: number): number {
  return notes.reduce((max, n) => Math.max(max, n.id), floor);
}

async function write<T>(
  ctx: JobContext,
  actions: Action[],
  action: Omit<Action, 'done'>,
  perform: () => Promise<T>,
): Promise<T | null> {
  const entry: Action = { ...action, done: false };
  actions.push(entry);
  if (ctx.dryRun) return null;
  const value = await perform();
  entry.done = true;
  return value;
}

export async function askInIssue(
  ctx: JobContext,
  options: Options,
  input: {
    plan: Plan;
    outcomes: RepoOutcome[];
    gates: GateResult[];
    bot: string;
    /** The release notes of the planned moves, read only when the description is written. */
    releaseNotes?: () => Promise<string>;
  },
): Promise<IssueApproval> {
  const { plan, outcomes, gates, bot } = input;
  const forge = approvalForge(ctx, options);
  const project = options.approval.project!;
  const approvers = options.approval.approvers;
  const actions: Action[] = [];
  const memory = markerMemory(ctx, forge, project);
  const { open, closed } = await findApprovalIssue(forge, project, bot, plan.hash, memory);

  if (!open) {
    if (closed) {
      const why = closed.marker.executed
        ? `plan ${plan.hash} was already carried out in ${project}#${closed.issue.iid}; what is left needs a manual run (\`release-bot run move-stable-branches --yes\`) or waits for the plan to change`
        : `the approval issue ${project}#${closed.issue.iid} for plan ${plan.hash} was closed without approval: not asking again until a source branch moves`;
      return { approvedBy: null, waiting: why, issue: closed.issue, actions, ignored: [] };
    }
    const title = render(options.approval.title, { date: ctx.now().toISOString().slice(0, 10) });
    const issue = await write(
      ctx,
      actions,
      { kind: 'open-issue', description: `open the approval issue "${title}" in ${project}` },
      async () => {
        const marker = markerFor(plan, 0);
        const created = await forge.issues.create(project, {
          title,
          description: issueDescription({
            checkboxes: forge.capabilities.attributedCheckboxes,
            hash: plan.hash,
            outcomes,
            gates,
            approvers,
            marker,
            releaseNotes: await input.releaseNotes?.(),
            runUrl: ctx.runUrl,
          }),
          labels: options.approval.labels,
        });
        await memory.set(created.iid, marker);
        return created;
      },
    );
    if (issue) await announce(ctx, options, { plan, outcomes, issueUrl: issue.webUrl, voided: false });
    return {
      approvedBy: null,
      waiting: issue
        ? `waiting for approval in ${project}#${issue.iid} (plan ${plan.hash})`
        : `would open an approval issue in ${project}`,
      issue,
      actions,
      ignored: [],
    };
  }

  const iid = open.issue.iid;
  const notes = await forge.notes.list(project, { kind: 'issue', iid });
  const edits = await noteEdits(forge, project, iid, notes, bot);
  const mine = botNotes(notes, bot, edits);

  if (open.marker.hash !== plan.hash) {
    const before = evaluateApprovals({
      notes,
      marker: open.marker,
      hash: open.marker.hash,
      approvers,
      bot,
      edits,
    });
    let after = lastNoteId(notes, open.marker.afterNote);
    const voided = before.approvedBy !== null;
    if (voided && !mine.some((m) => m.type === 'void' && m.hash === open.marker.hash)) {
      const note = await write(
        ctx,
        actions,
        {
          kind: 'post-note',
          description: `say on #${iid} that the approval of plan ${open.marker.hash} is void`,
        },
        () =>
          forge.notes.create(
            project,
            { kind: 'issue', iid },
            [
              `⚠️ A source branch moved after ${safe(before.approvedBy!)} approved plan \`${open.marker.hash}\`: **that approval is void**.`,
              '',
              `The plan is now \`${plan.hash}\` (updated in the description). Please review and approve again.`,
              noteMarker({ type: 'void', hash: open.marker.hash }),
            ].join('\n'),
          ),
      );
      if (note) after = Math.max(after, note.id);
    }
    const updated = await write(
      ctx,
      actions,
      { kind: 'update-issue', description: `update #${iid} to plan ${plan.hash}`, url: open.issue.webUrl },
      async () => {
        const marker = markerFor(plan, after);
        const updated = await forge.issues.update(project, iid, {
          description: issueDescription({
            checkboxes: forge.capabilities.attributedCheckboxes,
            hash: plan.hash,
            outcomes,
            gates,
            approvers,
            marker,
            releaseNotes: await input.releaseNotes?.(),
            runUrl: ctx.runUrl,
          }),
        });
        await memory.set(iid, marker);
        return updated;
      },
    );
    if (updated) await announce(ctx, options, { plan, outcomes, issueUrl: open.issue.webUrl, voided });
    return {
      approvedBy: null,
      waiting: voided
        ? `a source branch moved after the approval of plan ${open.marker.hash}: approval void, asked again in ${project}#${iid} (plan ${plan.hash})`
        : `the plan changed to ${plan.hash}: waiting for approval in ${project}#${iid}`,
      issue: open.issue,
      actions,
      ignored: [],
    };
  }

  await announce(ctx, options, { plan, outcomes, issueUrl: open.issue.webUrl, voided: false });
  const state = evaluateApprovals({ notes, marker: open.marker, hash: plan.hash, approvers, bot, edits });
  for (const ignored of state.ignored) {
    if (mine.some((m) => m.type === 'ignored' && m.note === ignored.note)) continue;
    await write(
      ctx,
      actions,
      { kind: 'post-note', description: `say on #${iid} that ${ignored.user}'s approval is ignored` },
      () =>
        forge.notes.create(
          project,
          { kind: 'issue', iid },
          [
            `ℹ️ Ignored: \`${safe(ignored.user)}\` ${safe(ignored.why)}. Approvers: ${approvers.map((a) => `\`${a}\``).join(', ')}.`,
            forge.capabilities.attributedCheckboxes
              ? 'An approver can untick and tick the box again, or comment `/approve`.'
              : 'An approver can comment `/approve`.',
            noteMarker({ type: 'ignored', note: ignored.note }),
          ].join('\n'),
        ),
    );
  }
  return {
    approvedBy: state.approvedBy,
    waiting: state.approvedBy
      ? ''
      : `waiting for approval in ${project}#${iid} (plan ${plan.hash}; approvers: ${approvers.join(', ')})${
          state.ignored.length
            ? `; ignored: ${state.ignored.map((i) => `${i.user} (${i.why})`).join(', ')}`
            : ''
        }`,
    issue: open.issue,
    actions,
    ignored: state.ignored,
  };
}

/** Gate failures while an approval issue is open: said there once per plan and failure. */
export async function noteGatesOnIssue(
  ctx: JobContext,
  options: Options,
  input: { plan: Plan; gates: GateResult[]; signature: string; bot: string },
): Promise<{ issue: Issue | null; actions: Action[] }> {
  const actions: Action[] = [];
  if (!options.approval.project) return { issue: null, actions };
  const forge = approvalForge(ctx, options);
  const project = options.approval.project;
  const { open } = await findApprovalIssue(
    forge,
    project,
    input.bot,
    input.plan.hash,
    markerMemory(ctx, forge, project),
  );
  if (!open) return { issue: null, actions };
  const signature = createHash('sha256').update(input.signature).digest('hex').slice(0, 16);
  const notes = await forge.notes.list(project, { kind: 'issue', iid: open.issue.iid });
  const edits = await noteEdits(forge, project, open.issue.iid, notes, input.bot);
  const said = botNotes(notes, input.bot, edits).some(
    (m) => m.type === 'gates' && m.hash === input.plan.hash && m.signature === signature,
  );
  if (!said)
    await write(
      ctx,
      actions,
      { kind: 'post-note', description: `say on #${open.issue.iid} that stage gates fail` },
      () =>
        forge.notes.create(
          project,
          { kind: 'issue', iid: open.issue.iid },
          [
            '❌ **Stage gates fail now: nothing will move, approved or not, until they pass.**',
            '',
            gatesMarkdown(input.gates),
            noteMarker({ type: 'gates', hash: input.plan.hash, signature }),
          ].join('\n'),
        ),
    );
  return { issue: open.issue, actions };
}

/**
 * Repos the issue's plan moved in an earlier run (killed before it could report) show as moved,
 * with their commits, instead of "even".
 */
export async function withEarlierMoves(
  ctx: JobContext,
  options: Options,
  outcomes: RepoOutcome[],
  marker: IssueMarker | null,
): Promise<RepoOutcome[]> {
  if (!marker) return outcomes;
  const forge = ctx.forge(options.forge);
  return Promise.all(
    outcomes.map(async (o) => {
      const then = marker.repos[o.plan.name];
      if (
        o.status !== 'even' ||
        !then?.from ||
        !then.to ||
        then.from === then.to ||
        o.plan.stable !== then.to
      )
        return o;
      let commits: Commit[] = [];
      try {
        commits = (await forge.repo.compare(o.plan.repo.project, then.from, then.to)).commits;
      } catch (error) {
        ctx.log.warn({ err: error, repo: o.plan.name }, 'could not list the commits of an earlier move');
      }
      return {
        plan: { ...o.plan, stable: then.from, commits, fastForward: true },
        status: 'moved' as const,
        summary: 'moved by an earlier run of this plan',
        earlier: true,
      };
    }),
  );
}

/** After the moves: the report as a note (once), the marker says executed, the issue closes. */
export async function finishIssue(
  ctx: JobContext,
  options: Options,
  input: {
    issue: ApprovalIssue;
    hash: string;
    outcomes: RepoOutcome[];
    notes: { name: string; commits: Commit[] }[];
    approvedBy: string;
    bot: string;
    /** Markdown of the moved PRs/MRs (release-notes.ts). */
    releaseNotes?: string;
    /** The Slack report: after the note, before closing, so a killed run still sends it next time. */
    report: () => Promise<void>;
  },
): Promise<Action[]> {
  const forge = approvalForge(ctx, options);
  const project = options.approval.project!;
  const { issue, marker } = input.issue;
  const actions: Action[] = [];
  const existing = await forge.notes.list(project, { kind: 'issue', iid: issue.iid });
  const edits = await noteEdits(forge, project, issue.iid, existing, input.bot);
  const reported = botNotes(existing, input.bot, edits).some(
    (m) => m.type === 'report' && m.hash === input.hash,
  );
  if (!reported)
    await write(
      ctx,
      actions,
      {
        kind: 'post-note',
        description: `post the report and release notes on #${issue.iid}`,
        url: issue.webUrl,
      },
      () =>
        forge.notes.create(
          project,
          { kind: 'issue', iid: issue.iid },
          `${reportMarkdown({ outcomes: input.outcomes, notes: input.notes, approvedBy: input.approvedBy, hash: input.hash, releaseNotes: input.releaseNotes })}\n${noteMarker({ type: 'report', hash: input.hash })}`,
        ),
    );
  await sendOnce(ctx, `report:${input.hash}:${issue.webUrl}`, input.report);
  await write(
    ctx,
    actions,
    { kind: 'close-issue', description: `close #${issue.iid}`, url: issue.webUrl },
    async () => {
      const done = { ...marker, hash: input.hash, executed: true };
      const closed = await forge.issues.update(project, issue.iid, {
        description: withMarker(issue.description, done),
        state: 'close',
      });
      await markerMemory(ctx, forge, project).set(issue.iid, done);
      return closed;
    },
  );
  return actions;
}
