import type { JobContext } from '../../src/runner/job.js';

/**
 * Where the move of one plan stands, kept in the job's store per repo: which stable branch the
 * bot created or moved for the plan (written *before* the forge write, so a run killed right
 * after the push still knows the new head must be built before its dependents move), and since
 * when a dependency has been found not ready. The forge holds the branches; this holds what the
 * forge cannot say: that this head is new this week and since when the dependents have waited.
 */

export interface RepoProgress {
  /** The write the bot made (or was about to make) for this plan. */
  action: 'create' | 'move';
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
  set(name: string, value: RepoProgress): Promise<void>;
}

export function planProgress(ctx: JobContext, hash: string): Progress {
  const key = (name: string) => `progress:${hash}:${name}`;
  return {
    get: (name) => ctx.state.get<RepoProgress>(key(name)),
    set: (name, value) => ctx.state.set(key(name), value),
  };
}

/** The bot wrote this head for this plan: its dependents wait for it to be ready. */
export function isNewHead(record: RepoProgress | undefined, head: string | null): boolean {
  return record !== undefined && head !== null && record.to === head;
}
