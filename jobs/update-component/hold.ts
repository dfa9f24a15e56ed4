import {
  describeHold,
  endHold,
  getHold,
  holdComponent,
  releasedMr,
  type Hold,
} from '../../src/control/holds.js';
import { BUMP_MARKER_KIND, type BumpMarker } from '../../src/domain/bump.js';
import { ForgeError } from '../../src/errors.js';
import { botUser, sameUser } from '../../src/kit/bot-user.js';
import { readMarker } from '../../src/kit/marker.js';
import { extract } from '../../src/kit/template.js';
import type { JobContext } from '../../src/runner/job.js';
import { shortSha } from './description.js';
import { botBranch, type Component } from './options.js';
import type { ComponentPlan } from './plan.js';
import { reportedAsForeign } from './provenance.js';

/**
 * "Not this version": a component is held at the version its consuming repo has until a green
 * commit newer than the held one appears (src/control/holds.ts). A hold is set by hand
 * (`release-bot hold`), or here when a person closed the bot's own bump MR for the commit the
 * bot would now propose again (`onClose: hold`, the default) — without it, the next run would
 * open the same MR at the same commit. Only a closure the bot can attribute counts: its own MR
 * (author, branch, target, not a fork), whose marker and head commit name exactly that commit,
 * and that the bot did not close itself (a job that closes a bump MR says why in a note whose
 * marker carries `closed`, as report-pipeline-failures does).
 *
 * Reads only; the store changes (a new hold, a hold that ended) are returned for the caller to
 * make after the plan was applied, and never in a dry run. `--sha` (a person's explicit choice)
 * is not held.
 */

export interface HoldCheck {
  plan: ComponentPlan;
  /** The store change to make after a real run, if any. */
  commit: (() => Promise<void>) | null;
}

interface ClosedMr {
  iid: number;
  url: string;
  sha: string;
}

function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}

/** State key: the source commit of the bot's last pushed bump of a component. */
export function proposedKey(component: string): string {
  return `proposed:${component}`;
}

/** Did anything the bot wrote on the MR say the bot closed it? */
function closedByBot(notes: { author: string; body: string; system: boolean }[], bot: string): boolean {
  return notes.some(
    (n) =>
      !n.system &&
      sameUser(n.author, bot) &&
      [...n.body.matchAll(/<!--\s*release-bot:([\w-]+)\s/g)].some(
        (m) => readMarker<Record<string, unknown>>(n.body, m[1]!)?.closed !== undefined,
      ),
  );
}

/** The newest closed (not merged) bump MR, when provably the bot's own, for exactly `sha`. */
async function closedBotMr(
  ctx: JobContext,
  component: Component,
  plan: ComponentPlan,
): Promise<ClosedMr | null> {
  const target = ctx.forge(component.target.forge);
  const project = component.target.project;
  const branch = botBranch(component);
  const [mr] = await target.changeRequests.list(project, { sourceBranch: branch, state: 'closed', limit: 1 });
  if (!mr || mr.state !== 'closed' || mr.mergedAt) return null;
  const bot = await botUser(ctx, target);
  if (!sameUser(mr.author, bot.username) || mr.fromFork || mr.sourceBranch !== branch) return null;
  if (mr.targetBranch !== plan.targetBranch) return null;
  const marker = readMarker<BumpMarker>(mr.description, BUMP_MARKER_KIND);
  if (!marker || marker.component !== component.name || !plan.to || !sameCommit(marker.sha, plan.to))
    return null;
  // The description can be edited by anyone who may edit the MR: the head commit must say the same.
  let file;
  try {
    file = await target.repo.getFile(project, component.target.versionFile, mr.headSha);
  } catch (error) {
    if (error instanceof ForgeError && error.status === 404) return null;
    throw error;
  }
  const onHead = file ? extract(component.target.format, file.content, 'sha') : undefined;
  if (!onHead || !sameCommit(onHead, marker.sha)) return null;
  if (
    await reportedAsForeign(
      ctx,
      component,
      `${target.links.changeRequestNoun} ${target.links.changeRequestRef(mr.iid)}`,
    )
  )
    return null;
  const notes = await target.notes.list(project, { kind: 'change_request', iid: mr.iid });
  if (closedByBot(notes, bot.username)) return null;
  return { iid: mr.iid, url: mr.webUrl, sha: plan.to };
}

/** Is `to` a descendant of `held` (and not the same commit)? Unknown (not comparable) counts as no. */
async function newerThan(ctx: JobContext, component: Component, held: string, to: string): Promise<boolean> {
  if (sameCommit(held, to)) return false;
  try {
    const compare = await ctx.forge(component.source.forge).repo.compare(component.source.project, held, to);
    return compare.behindBy === 0 && compare.commits.length > 0;
  } catch (error) {
    if (error instanceof ForgeError && (error.status === 404 || error.status === 400)) {
      ctx.log.warn(
        { component: component.name },
        `held commit ${held} is not comparable with ${to} in ${component.source.project}: the hold stays until released`,
      );
      return false;
    }
    throw error;
  }
}

export async function checkHold(
  ctx: JobContext,
  component: Component,
  plan: ComponentPlan,
  pinned: boolean,
): Promise<HoldCheck> {
  if (pinned || plan.decision !== 'update' || !plan.to) return { plan, commit: null };
  const stored = await getHold(ctx.store, component.name);
  let hold: Hold | null = stored;
  let fresh = false;
  // Only a commit the bot pushed a bump for can have a closed bump MR: others cost no request.
  const proposed = await ctx.state.get<string>(proposedKey(component.name));
  if (!hold && component.onClose === 'hold' && !plan.mr && proposed && sameCommit(proposed, plan.to)) {
    const closed = await closedBotMr(ctx, component, plan);
    if (closed && !(await releasedMr(ctx.store, component.name, closed.iid))) {
      hold = {
        sha: closed.sha,
        reason: `closed without merging; release-bot release ${component.name} to take this commit after all`,
        by: 'release-bot',
        via: 'job',
        at: ctx.now().toISOString(),
        mr: { iid: closed.iid, url: closed.url },
      };
      fresh = true;
    }
  }
  if (!hold) return { plan, commit: null };
  const to = plan.to;
  const held = hold.sha ?? to;
  if (await newerThan(ctx, component, held, to)) {
    plan.reason = `${plan.reason} (the hold at ${shortSha(held)} ended: a newer green commit)`;
    return { plan, commit: stored ? () => endHold(ctx.store, component.name) : null };
  }
  const kept: Hold = { ...hold, sha: held };
  plan.decision = 'noop';
  plan.reason = `${describeHold(kept)}: not moving from ${shortSha(plan.from ?? '')} to ${shortSha(to)}`;
  plan.steps = plan.steps.filter((s) => s.kind === 'warn-stale' || s.kind === 'report-foreign');
  const changed = fresh || hold.sha === null;
  return { plan, commit: changed ? () => holdComponent(ctx.store, component.name, kept) : null };
}
