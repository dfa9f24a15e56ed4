import type { CommitCheck } from '../forges/types.js';
import { matchesAny } from './glob.js';

/**
 * Only the newest signal per check name counts: a re-run that passed replaces the old failure
 * (Renovate #36837 judged commits by a stale failed run).
 */
export function newestPerName(checks: readonly CommitCheck[]): CommitCheck[] {
  const newest = new Map<string, CommitCheck>();
  for (const check of checks) {
    const key = `${check.kind}:${check.name}`;
    const seen = newest.get(key);
    if (
      !seen ||
      check.createdAt > seen.createdAt ||
      (check.createdAt === seen.createdAt && check.id > seen.id)
    )
      newest.set(key, check);
  }
  return [...newest.values()];
}

export type ChecksVerdict = 'green' | 'red' | 'pending' | 'none';

/**
 * The verdict of a commit's CI: green only when every (newest) check passed and none is still
 * running; a canceled check is not green. `patterns` limits which checks count.
 */
export function checksVerdict(checks: readonly CommitCheck[], patterns?: readonly string[]): ChecksVerdict {
  const relevant = newestPerName(checks).filter((c) => !patterns?.length || matchesAny(c.name, patterns));
  if (relevant.length === 0) return 'none';
  if (relevant.some((c) => c.status === 'failed' || c.status === 'canceled')) return 'red';
  if (relevant.some((c) => c.status === 'pending' || c.status === 'running')) return 'pending';
  return 'green';
}
