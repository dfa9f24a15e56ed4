import { z } from 'zod';
import type { Action, JobContext, JobResult } from '../../src/runner/job.js';
import { markerMemory } from './approval-marker.js';
import { botNotes, findApprovalIssue, noteEdits } from './approval.js';
import { approvalForge } from './issue-flow.js';
import type { Options } from './options.js';
import type { Plan } from './plan.js';
import { noteMarker, safe } from './report.js';

/**
 * An Approve / Decline click on the Slack approval message (the Slack app runs this job with
 * `args.decision`, src/slack-app/actions.ts). The click counts exactly as the issue approval
 * does: the clicker (their name from `slack.app.users`) must be an approver, the plan the button
 * was shown with must be the current plan and the open approval issue's plan; otherwise it is
 * refused with the reason and nothing is written. An accepted click is recorded on the issue as
 * a note of the bot's with a marker (the issue keeps the decision, and evaluateApprovals counts
 * an approval from it), once: a run killed after the note finds it on the next run and goes on.
 * A decline also closes the issue, which the job reads as "declined: not asking again until a
 * source branch moves".
 */

const decisionSchema = z.object({
  kind: z.enum(['approve', 'decline']),
  hash: z.string().regex(/^[0-9a-f]{6,64}$/),
  user: z.string().min(1),
  slackUser: z.string().min(1),
});

export type SlackDecisionArgs = z.infer<typeof decisionSchema>;

export interface TakenDecision {
  /** Set when the run ends here (refused, or declined). */
  result?: JobResult;
  actions: Action[];
}

function refused(plan: Plan, why: string): TakenDecision {
  return {
    result: {
      status: 'skipped',
      summary: `Slack decision not recorded: ${why}`,
      actions: [],
      links: [],
      details: { hash: plan.hash, decision: 'refused', why },
    },
    actions: [],
  };
}

export async function takeSlackDecision(
  ctx: JobContext,
  options: Options,
  plan: Plan,
  bot: () => Promise<string>,
): Promise<TakenDecision> {
  const parsed = decisionSchema.safeParse(ctx.args.decision);
  if (!parsed.success) return refused(plan, 'the button did not carry a decision');
  const decision = parsed.data;
  const project = options.approval.project;
  if (!project)
    return refused(plan, 'this job asks for approval on the terminal only (approval.project is not set)');
  const approvers = options.approval.approvers;
  if (!approvers.some((a) => a.toLowerCase() === decision.user.toLowerCase()))
    return refused(plan, `${decision.user} is not an approver (approvers: ${approvers.join(', ')})`);
  if (decision.hash !== plan.hash)
    return refused(
      plan,
      `the button was for plan ${decision.hash}, which is outdated: a source branch moved and the plan is now ${plan.hash}. The approval issue shows the new plan; approve that one`,
    );
  const forge = approvalForge(ctx, options);
  const user = await bot();
  const { open, closed } = await findApprovalIssue(
    forge,
    project,
    user,
    plan.hash,
    markerMemory(ctx, forge, project),
  );
  if (!open || open.marker.hash !== plan.hash) {
    if (closed?.marker.executed)
      return refused(plan, `plan ${plan.hash} was already carried out (${project}#${closed.issue.iid})`);
    if (closed)
      return refused(
        plan,
        `the approval issue ${project}#${closed.issue.iid} for plan ${plan.hash} was closed (declined)`,
      );
    return refused(
      plan,
      open
        ? `the approval issue ${project}#${open.issue.iid} still shows plan ${open.marker.hash}: the next poll updates it to plan ${plan.hash}; approve that one`
        : `no approval issue is open for plan ${plan.hash}`,
    );
  }
  const iid = open.issue.iid;
  const actions: Action[] = [];
  const notes = await forge.notes.list(project, { kind: 'issue', iid });
  const edits = await noteEdits(forge, project, iid, notes, user);
  const said = botNotes(notes, user, edits).some(
    (m) =>
      m.type === 'decision' &&
      m.hash === plan.hash &&
      m.user === decision.user &&
      m.decision === decision.kind,
  );
  if (!said) {
    const entry: Action = {
      kind: 'post-note',
      description: `record on #${iid} that ${decision.user} ${decision.kind === 'approve' ? 'approved' : 'declined'} plan ${plan.hash} on Slack`,
      done: false,
      url: open.issue.webUrl,
    };
    actions.push(entry);
    await forge.notes.create(
      project,
      { kind: 'issue', iid },
      [
        decision.kind === 'approve'
          ? `✅ \`${safe(decision.user)}\` approved plan \`${plan.hash}\` with the Slack button.`
          : `❌ \`${safe(decision.user)}\` declined plan \`${plan.hash}\` with the Slack button: not moving, not asking again until a source branch moves.`,
        noteMarker({
          type: 'decision',
          hash: plan.hash,
          user: decision.user,
          decision: decision.kind,
          slackUser: decision.slackUser,
        }),
      ].join('\n'),
    );
    entry.done = true;
  }
  if (decision.kind === 'approve') return { actions };
  const entry: Action = {
    kind: 'close-issue',
    description: `close #${iid}: declined`,
    done: false,
    url: open.issue.webUrl,
  };
  actions.push(entry);
  await forge.issues.update(project, iid, { state: 'close' });
  entry.done = true;
  return {
    result: {
      status: 'skipped',
      summary: `declined by ${decision.user} on Slack: plan ${plan.hash} not carried out; ${project}#${iid} closed`,
      actions,
      links: [{ text: 'Approval issue', url: open.issue.webUrl }],
      details: { hash: plan.hash, decision: 'declined', by: decision.user },
    },
    actions,
  };
}
