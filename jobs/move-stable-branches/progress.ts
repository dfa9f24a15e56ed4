import type { JobContext } from '../../src/runner/job.js';

/**
 * Where the move stands, kept in the job's store per repo: the stable head the bot last created
 * or moved, for which plan (written *before* the forge write, so a run killed right after the
 * push still knows the new head must be built before its dependents move), and since when that
 * head has been found not ready for them. The forge holds the branches; this holds what the forge
 * cannot say: that the head is the bot's new one and since when the dependents have waited.
 *
 * One record per repo, not per plan: when a source branch moves while dependents wait (a new
 * plan, approved again), the head written under the old plan is still the one to wait for.
 */

export interface RepoProgress {
  /** The write the bot made (or was about to make). */
  action: 'create' | 'move';
  /** The plan it was made for (the report shows it as "by an earlier run of this plan"). */
  hash?: string;
  from: string | null;
  to: string;
  at: string;
  /** First poll that found this head not ready for its dependents (ISO). */
  waitingSince?: string;
  /** How a created branch is protected, as read right after creating it (create.ts). */
  protection?: string;
}

export interface Progress {
  get(name: string): Promise<RepoProgress | undefined>;
  /** Records the write for `hash` (the plan of this progress). */
  set(name: string, value: RepoProgress): Promise<void>;
}

export function planProgress(ctx: JobContext, hash: string): Progress {
  const key = (name: string) => `progress:${name}`;
  return {
    get: (name) => ctx.state.get<RepoProgress>(key(name)),
    set: (name, value) => ctx.state.set(key(name), { ...value, hash: value.hash ?? hash }),
  };
}

/** The bot wrote this head (the branch is still there): its dependents wait for it to be ready. */
export function isNewHead(record: RepoProgress | undefined, head: string | null): boolean {
  return record !== undefined && head !== null && record.to === head;
}
