import { z } from 'zod';
import { recordCommand } from '../control/commands.js';
import { errorMessage, LeaseHeldError } from '../errors.js';
import { actorName } from './access.js';
import type { SlackDeps } from './commands.js';
import { reply, safe } from './reply.js';

/**
 * Buttons (`/slack/actions`): Approve / Decline on a job's approval message. The button names the
 * job and the plan it was shown for; a click asks that job to take the decision in a run of its
 * own (trigger `api`), which checks everything as it checks the approval issue — the clicker is an
 * approver, the plan is still the current one — records the decision where the job keeps its
 * approvals, and moves on. A run is the only place a job writes, so a click is as safe as a
 * scheduled poll, and a run killed after the click converges on the next one. The answer goes to
 * the message's `response_url` once the run has decided.
 */

export const DECISION_ACTIONS = {
  'release-bot:approve': 'approve',
  'release-bot:decline': 'decline',
} as const;

/** The button's value, as the job wrote it into the message. */
export const buttonValue = z
  .object({ job: z.string().min(1).max(100), hash: z.string().regex(/^[0-9a-f]{6,64}$/) })
  .strict();
export type ButtonValue = z.infer<typeof buttonValue>;

/** What the job receives in `ctx.args.decision`. */
export interface SlackDecision {
  kind: 'approve' | 'decline';
  /** The plan hash the button was shown with. */
  hash: string;
  /** The clicker's name from slack.app.users (matched against the job's approvers). */
  user: string;
  slackUser: string;
}

const payloadSchema = z.object({
  type: z.string(),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  team: z.object({ id: z.string() }).nullish(),
  response_url: z.string().optional(),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().optional() }))
    .min(1)
    .optional(),
});

export type ActionAnswer = { status: number; body: string };

export async function handleAction(deps: SlackDeps, raw: string): Promise<ActionAnswer> {
  let payload: z.infer<typeof payloadSchema>;
  try {
    payload = payloadSchema.parse(JSON.parse(raw));
  } catch {
    return { status: 400, body: 'bad payload\n' };
  }
  if (deps.app.teamId && payload.team?.id !== deps.app.teamId)
    return { status: 403, body: 'wrong workspace\n' };
  const action = payload.actions?.[0];
  const kind = action ? DECISION_ACTIONS[action.action_id as keyof typeof DECISION_ACTIONS] : undefined;
  // Link buttons (action ids `link-N`) also report clicks: nothing to do for them.
  if (payload.type !== 'block_actions' || !action || !kind) return { status: 200, body: '' };
  const userId = payload.user.id;
  const actor = actorName(deps.app, userId, payload.user.username ?? payload.user.name);
  const respond = async (text: string, visible: 'ephemeral' | 'in_channel' = 'ephemeral') => {
    if (payload.response_url)
      await deps.respond(payload.response_url, { ...reply(text, visible), replace_original: false });
  };
  const log = (ok: boolean, command: string, outcome: string) =>
    recordCommand(deps.store, { actor, via: 'slack', command, ok, outcome, at: deps.now() });

  const value = buttonValue.safeParse(safeJson(action.value));
  // Only a job that takes decisions is run for a click: a button is not a way to start any job.
  if (!value.success || !deps.jobs.some((j) => j.name === value.data.job && j.slackDecisions)) {
    await log(
      false,
      `button ${kind}`,
      'refused: the button does not name a job that takes decisions, and a plan',
    );
    return { status: 200, body: '' };
  }
  const { job, hash } = value.data;
  const command = `button ${kind} ${job} plan ${hash}`;
  const user = deps.app.users[userId];
  if (!user) {
    await log(false, command, `refused: ${userId} is not in slack.app.users`);
    await respond(
      `⛔ Your Slack user is not known to release-bot (slack.app.users), so it cannot count as an approver. Nothing was recorded.`,
    );
    return { status: 200, body: '' };
  }
  await log(true, command, `asked ${job} to take the decision`);
  const decision: SlackDecision = { kind, hash, user, slackUser: userId };
  const work = deps.runner
    .run(job, {
      trigger: 'api',
      args: { decision },
      note: `${kind} button on Slack by ${actor}`,
      // A poll of the same job may be finishing: wait a little rather than lose the click.
      leaseWaitMs: 30_000,
    })
    .then(
      async ({ run, result }) => {
        // A job refuses a decision it cannot take (not an approver, outdated plan) in `details`;
        // a paused or frozen job does not take one at all.
        const details = (result?.details ?? {}) as { decision?: unknown; paused?: unknown; frozen?: unknown };
        const refused =
          details.decision === 'refused' || details.paused !== undefined || details.frozen !== undefined;
        const ok = !refused && run.status !== 'failed' && run.status !== 'aborted';
        await log(ok, command, `run ${run.id}: ${run.status}: ${run.summary}`.slice(0, 500));
        const mark = refused ? '⛔' : ok ? '✅' : '❌';
        // Refusals only concern the clicker; what was decided (or failed) the channel sees.
        await respond(`${mark} ${safe(run.summary).slice(0, 2500)}`, refused ? 'ephemeral' : 'in_channel');
      },
      async (error: unknown) => {
        const why =
          error instanceof LeaseHeldError
            ? `${job} is busy in another run; click again in a minute`
            : `${job} could not run: ${errorMessage(error)}`;
        await log(false, command, why);
        await respond(`⏳ ${safe(why)}. Nothing was recorded.`);
      },
    )
    .catch((error: unknown) => deps.log.warn({ err: error }, 'could not answer a Slack button'));
  deps.track(work);
  return { status: 200, body: '' };
}

function safeJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
