import type { ChangeRequest, Forge } from '../../src/forges/types.js';
import { readMarker } from '../../src/kit/marker.js';
import { botUser, sameUser } from '../../src/kit/bot-user.js';
import { BUMP_MARKER_KIND, bumpBranch, type BumpMarker } from '../../src/domain/bump.js';
import { bumpRecordKey, type BumpRecord } from '../../src/domain/bump-deployments.js';
import type { JobContext } from '../../src/runner/job.js';
import type { Component, Options } from './options.js';

/**
 * Merged bump MRs of update-component, read only through what is provably the bot's: the branch
 * `release-bot/update-<component>` (src/domain/bump.ts), authored by the bot's account in this
 * project (not a fork), with the bot's hidden marker naming the component. Who merged it does not
 * matter: a human merging the bot's MR is still the bot's bump.
 */

const RECENT = 20;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export interface FoundBump {
  mr: ChangeRequest;
  marker: BumpMarker;
  mergeSha: string;
}

export function provablyBots(mr: ChangeRequest, component: string, bot: string): FoundBump | null {
  if (mr.state !== 'merged' || !mr.mergedAt || !mr.mergeCommitSha || !SHA.test(mr.mergeCommitSha))
    return null;
  if (!sameUser(mr.author, bot) || mr.fromFork || mr.sourceBranch !== bumpBranch(component)) return null;
  const marker = readMarker<BumpMarker>(mr.description, BUMP_MARKER_KIND);
  if (!marker || marker.component !== component || typeof marker.sha !== 'string' || !SHA.test(marker.sha))
    return null;
  if (marker.from !== null && (typeof marker.from !== 'string' || !SHA.test(marker.from))) return null;
  return { mr, marker, mergeSha: mr.mergeCommitSha };
}

/** Merged bumps of one component within the lookback, oldest first. */
export async function mergedBumps(
  ctx: JobContext,
  forge: Forge,
  options: Options,
  component: Component,
  since: number,
): Promise<FoundBump[]> {
  const bot = await botUser(ctx, forge);
  const mrs = await forge.changeRequests.list(options.project, {
    sourceBranch: bumpBranch(component.name),
    state: 'merged',
    limit: RECENT,
  });
  return mrs
    .map((mr) => provablyBots(mr, component.name, bot.username))
    .filter((b): b is FoundBump => b !== null && Date.parse(b.mr.mergedAt!) >= since)
    .sort((a, b) => Date.parse(a.mr.mergedAt!) - Date.parse(b.mr.mergedAt!));
}

/** A new record for a bump: the component commits it carried, read once from the component project. */
export async function newRecord(
  ctx: JobContext,
  options: Options,
  component: Component,
  found: FoundBump,
): Promise<BumpRecord> {
  const { mr, marker } = found;
  let commits = [marker.sha];
  let complete = marker.from === null;
  if (component.source && marker.from) {
    const compare = await ctx
      .forge(component.source.forge)
      .repo.compare(component.source.project, marker.from, marker.sha);
    if (!compare.compareTimeout && compare.behindBy === 0) {
      commits = compare.commits.map((c) => c.sha);
      if (!commits.includes(marker.sha)) commits.push(marker.sha);
      complete = true;
    }
  }
  const record: BumpRecord = {
    component: component.name,
    forge: options.forge,
    project: options.project,
    iid: mr.iid,
    url: mr.webUrl,
    title: mr.title,
    sha: marker.sha,
    from: marker.from,
    commits,
    commitsComplete: complete,
    mergeSha: found.mergeSha,
    mergedAt: mr.mergedAt!,
    environments: options.environments.map((e) => ({ name: e.name, label: e.label })),
    reached: {},
    events: [],
    rolledBack: {},
    settledAt: null,
  };
  return record;
}

export { bumpRecordKey };
