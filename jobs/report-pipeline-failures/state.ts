/**
 * What this job keeps in the store (ctx.state). The forges hold the rest: labels and hidden
 * markers on the bot's MRs, retried attempts of CI jobs.
 *
 * Keys (forge is the config name, so two forges never share a key):
 *   initialized                          when the job first ran (nothing older is reported)
 *   cursor:<forge>:<project>:<ref>       Cursor: what changed on a watched ref was handled up to here
 *   pipeline:<forge>:<project>:<id>      PipelineRecord: the retry and the report of one failed pipeline
 *   pipeline:<forge>:<project>:<id>:green  PipelineRecord: the recovery message it (or a later one) gave
 *   closed:<forge>:<project>!<iid>       PipelineRecord: the "closed stale MR" message of one MR
 *   streak:<forge>:<project>:<ref>       Streak of a watched ref (recovery message, Sentry)
 *   branch:<forge>:<project>:<branch>    BranchState of a bot branch (its MR, failures, waiting)
 *   default-branch:<forge>:<project>     cached default branch
 */

import type { Verdict } from './triage.js';

/** Pipelines updated this long before the cursor are fetched again (clock skew, equal timestamps); `seen` drops the repeats. */
export const OVERLAP_MS = 60_000;
/** Records of handled pipelines are kept this long (long enough for any retry or restart). */
export const RECORD_TTL_MS = 30 * 86_400_000;

export interface Cursor {
  /** The newest `updatedAt` seen on the ref (forge time, not ours). */
  at: string;
  /** Pipelines already seen within OVERLAP_MS of `at`: id → updatedAt. */
  seen: Record<string, string>;
}

/**
 * One pipeline's handling. Slack has no way to ask "did this arrive?", so the message is
 * guarded by an intent: `sending` is written before the webhook POST and `sent` after it. A run
 * that finds `sending` cannot know whether the POST happened (killed in between) and never
 * resends: it marks the record `unconfirmed` (at most once beats a duplicate page).
 */
export interface PipelineRecord {
  /** First handled (ISO), for pruning. */
  at: string;
  /** Failed jobs retried once as a flake. */
  retried?: number[];
  /** The verdict the report was sent with: a re-planned run (after a crash) keeps it. */
  verdict?: Verdict;
  slack?: 'sending' | 'sent' | 'unconfirmed';
  sentry?: boolean;
  done?: boolean;
}

/** A watched ref's failures in a row (reported ones; a retried flake that passed is none). */
export interface Streak {
  failed: number[];
  since: string | null;
  lastGreen: { id: number; sha: string } | null;
}

export interface BranchMr {
  iid: number;
  title: string;
  webUrl: string;
  targetBranch: string;
}

/** A bot branch (e.g. `release-bot/update-gitaly`): its current MR and what the job waits for. */
export interface BranchState {
  mr: BranchMr | null;
  /** Reported failed pipelines of this MR since it was last green. */
  failed: number[];
  /** Failed on a broken target branch: close the MR once that branch is green again. */
  waiting: { targetBranch: string; staleSha: string; pipelineId: number; since: string } | null;
  /** Green and open: labelled ready-to-merge, watched until merged or closed. */
  awaitingMerge: boolean;
  /** The branch head when its MR was last looked up: a new head is the only reason to look again. */
  headSha?: string;
}

export const emptyStreak = (): Streak => ({ failed: [], since: null, lastGreen: null });
export const emptyBranch = (): BranchState => ({ mr: null, failed: [], waiting: null, awaitingMerge: false });

export function needsAttention(state: BranchState): boolean {
  return Boolean(state.mr && (state.awaitingMerge || state.waiting || state.failed.length > 0));
}

export const keys = {
  initialized: 'initialized',
  cursor: (forge: string, project: string, ref: string) => `cursor:${forge}:${project}:${ref}`,
  /** A failed pipeline's record; its recovery (the same pipeline passing after a retry, or a later one) is another. */
  pipeline: (forge: string, project: string, id: number, status: 'failed' | 'success' = 'failed') =>
    `pipeline:${forge}:${project}:${id}${status === 'success' ? ':green' : ''}`,
  closed: (forge: string, project: string, iid: number) => `closed:${forge}:${project}!${iid}`,
  streak: (forge: string, project: string, ref: string) => `streak:${forge}:${project}:${ref}`,
  branchPrefix: (forge: string, project: string) => `branch:${forge}:${project}:`,
  branch: (forge: string, project: string, branch: string) => `branch:${forge}:${project}:${branch}`,
  defaultBranch: (forge: string, project: string) => `default-branch:${forge}:${project}`,
  prunedAt: 'pruned-at',
};
