import type { SimMergeRequest } from '../core/model.js';

/**
 * GitLab keeps an MR's mergeability in its `merge_status` column and recomputes it asynchronously:
 * a push to the source or target branch marks it `unchecked` (MergeRequests::RefreshService), a
 * single-MR read (Entities::MergeRequest `merge_status` → `check_mergeability(async: true)`) starts
 * a check and answers `checking`, lists answer the column as it is unless asked
 * `with_merge_status_recheck=true` (lib/api/merge_requests.rb `skip_merge_status_recheck`), and
 * even then the recheck only starts. `has_conflicts` is derived from the column too.
 */

export type MergeStatus = 'unchecked' | 'checking' | 'can_be_merged' | 'cannot_be_merged';

/** How a read treats the column: `list` reads it, `single` starts a check, `fresh` checks inline. */
export type MergeabilityRead = 'list' | 'single' | 'fresh';

interface Check {
  /** Source head and target head the check ran against: a push to either makes it stale. */
  key: string;
  conflicts: boolean;
}

const lastChecks = new WeakMap<SimMergeRequest, Check>();

export function mergeStatusOf(
  mr: SimMergeRequest,
  key: string,
  actualConflicts: boolean,
  read: MergeabilityRead,
): { status: MergeStatus; conflicts: boolean } {
  const known = lastChecks.get(mr);
  if (read === 'fresh' || (known && known.key === key)) {
    if (read === 'fresh') lastChecks.set(mr, { key, conflicts: actualConflicts });
    const conflicts = read === 'fresh' ? actualConflicts : known!.conflicts;
    return { status: conflicts ? 'cannot_be_merged' : 'can_be_merged', conflicts };
  }
  if (read === 'list') return { status: 'unchecked', conflicts: false };
  // The check runs "in the background": it is done by the next request, this answer says checking.
  lastChecks.set(mr, { key, conflicts: actualConflicts });
  return { status: 'checking', conflicts: false };
}
