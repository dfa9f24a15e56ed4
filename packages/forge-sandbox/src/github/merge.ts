import type { SimMergeRequest, SimProject } from '../core/model.js';
import { SimError } from '../core/world.js';
import { commitVerdicts } from './checks.js';
import { GhError, type Gh } from './context.js';
import { logCommits, mergesCleanly, replayCommits } from './git-objects.js';
import { repoSettings, type MergeMethod } from './state.js';

/**
 * Pull request mergeability and merging, as GitHub decides them. Checks are required only when
 * the base branch is protected (as with a branch protection rule requiring status checks): then
 * every check run and status reported on the head is required, and `approvalsRequired`
 * approving reviews. Without protection, pending or failing checks make the PR `unstable` but
 * still mergeable.
 */

export type MergeStateStatus = 'clean' | 'unstable' | 'blocked' | 'dirty' | 'draft' | 'unknown';

export interface MergeState {
  status: MergeStateStatus;
  mergeable: boolean | null;
  /** Why a `blocked` PR cannot merge, in GitHub's words. */
  blockers: string[];
  headSha: string;
  baseSha: string | null;
}

export function approvalsOf(gh: Gh, mr: SimMergeRequest): number {
  return new Set(mr.approvedBy).size;
}

export async function mergeState(gh: Gh, project: SimProject, mr: SimMergeRequest): Promise<MergeState> {
  const headSha = await gh.world.mrHeadSha(mr);
  const baseSha = await project.repo.branchSha(mr.targetBranch);
  if (mr.state !== 'opened' || !baseSha)
    return { status: 'unknown', mergeable: null, blockers: [], headSha, baseSha };
  if (!(await mergesCleanly(project.repo.dir, baseSha, headSha)))
    return { status: 'dirty', mergeable: false, blockers: [], headSha, baseSha };
  if (mr.draft) return { status: 'draft', mergeable: true, blockers: [], headSha, baseSha };
  const verdicts = commitVerdicts(gh, project, headSha);
  if (project.protectedBranches.has(mr.targetBranch)) {
    const blockers = verdicts
      .filter((v) => v.verdict !== 'success')
      .map(
        (v) => `Required status check "${v.name}" is ${v.verdict === 'failure' ? 'failing' : 'expected'}.`,
      );
    // A required check that has not reported on the head yet (its workflow is still being
    // created after the push) is "expected": the PR waits for it instead of merging untested.
    for (const name of requiredCheckNames(project))
      if (!verdicts.some((v) => v.name === name))
        blockers.push(`Required status check "${name}" is expected.`);
    const approvals = approvalsOf(gh, mr);
    if (approvals < project.approvalsRequired) {
      const n = project.approvalsRequired;
      blockers.push(
        `At least ${n} approving review${n === 1 ? ' is' : 's are'} required by reviewers with write access.`,
      );
    }
    if (blockers.length > 0) return { status: 'blocked', mergeable: true, blockers, headSha, baseSha };
  } else if (verdicts.some((v) => v.verdict !== 'success')) {
    return { status: 'unstable', mergeable: true, blockers: [], headSha, baseSha };
  }
  return { status: 'clean', mergeable: true, blockers: [], headSha, baseSha };
}

/**
 * The checks the protection rule of a protected base names: the jobs of the repository's CI, as
 * they report (check runs by job name, commit statuses as `ci/<job>`). On GitHub the rule lists
 * them by name; every other check reported on the head must pass too (merge.ts decides so).
 */
export function requiredCheckNames(project: SimProject): string[] {
  if (!project.ciEnabled) return [];
  const jobs = project.ciJobs.filter((j) => j.when !== 'manual').map((j) => j.name);
  return [
    ...(project.ciReports === 'statuses' ? [] : jobs),
    ...(project.ciReports === 'checks' ? [] : jobs.map((name) => `ci/${name}`)),
  ];
}

/**
 * Mergeability as a read of the PR shows it. GitHub computes `mergeable` in a background job that
 * a read starts after the head or base moved; until it finished, `mergeable` is null and
 * `mergeable_state` "unknown" (docs "Get a pull request": "If the value is null, then GitHub has
 * started a background job to compute the mergeability"). Here the job has finished by the next
 * read of the same head and base.
 */
export async function viewedMergeState(
  gh: Gh,
  project: SimProject,
  mr: SimMergeRequest,
): Promise<MergeState> {
  const state = await mergeState(gh, project, mr);
  if (!gh.lazyMergeability || mr.state !== 'opened') return state;
  const key = `${state.headSha}:${state.baseSha ?? ''}`;
  if (gh.state.mergeChecks.get(mr.id) === key) return state;
  gh.state.mergeChecks.set(mr.id, key);
  return { ...state, status: 'unknown', mergeable: null, blockers: [] };
}

function person(gh: Gh, userId: number): { name: string; email: string } {
  const user = gh.world.users.get(userId);
  return user ? { name: user.name, email: user.email } : { name: 'GitHub', email: 'noreply@github.com' };
}

/**
 * Merge a PR now with `method` (real git: a merge commit, a squash commit, or the head commits
 * replayed onto the base), move the base branch, record the merge, and delete the head branch
 * when the repository says so. Throws GhError 405 on conflicts, and 405 "Base branch was modified"
 * when another merge moved the base meanwhile (GitHub answers a merge race so; clients retry).
 */
export async function mergePull(
  gh: Gh,
  project: SimProject,
  mr: SimMergeRequest,
  options: { method: MergeMethod; userId: number; commitTitle?: string; commitMessage?: string },
): Promise<string> {
  const head = await gh.world.mrHeadSha(mr);
  const base = await project.repo.branchSha(mr.targetBranch);
  if (!base) throw new GhError(405, 'Base branch was deleted');
  const who = person(gh, options.userId);
  const now = gh.world.clock.now();
  let merged: string | null;
  if (options.method === 'rebase') {
    const commits = await logCommits(project.repo.dir, { ref: head, exclude: base, reverse: true });
    merged = await replayCommits(project.repo.dir, base, commits, { ...who, date: now.toISOString() });
  } else if (options.method === 'squash') {
    const commits = await logCommits(project.repo.dir, { ref: head, exclude: base, reverse: true });
    const title = options.commitTitle ?? `${mr.title} (#${mr.iid})`;
    const body = options.commitMessage ?? commits.map((c) => `* ${c.message}`).join('\n\n');
    merged = await project.repo.merge({
      target: base,
      source: head,
      message: body ? `${title}\n\n${body}` : title,
      author: who,
      date: now,
      squash: true,
    });
  } else {
    const title =
      options.commitTitle ?? `Merge pull request #${mr.iid} from ${project.namespace}/${mr.sourceBranch}`;
    const body = options.commitMessage ?? mr.title;
    merged = await project.repo.merge({
      target: base,
      source: head,
      message: body ? `${title}\n\n${body}` : title,
      author: who,
      date: now,
    });
  }
  if (!merged) throw new GhError(405, 'Pull Request is not mergeable');
  try {
    await gh.world.setBranch(project, mr.targetBranch, merged, { userId: options.userId, expectOld: base });
  } catch (error) {
    if (error instanceof SimError && error.status === 409)
      throw new GhError(405, 'Base branch was modified. Review and try the merge again.');
    throw error;
  }
  const at = gh.world.nowIso();
  mr.state = 'merged';
  mr.headSha = head;
  mr.mergeCommitSha = merged;
  mr.squashCommitSha = options.method === 'squash' ? merged : null;
  mr.mergedById = options.userId;
  mr.mergedAt = at;
  mr.closedAt = at;
  mr.updatedAt = at;
  gh.state.autoMerge.delete(mr.id);
  const deleteHead = repoSettings(gh.world, project).deleteBranchOnMerge || mr.removeSourceBranch;
  if (
    deleteHead &&
    !project.protectedBranches.has(mr.sourceBranch) &&
    mr.sourceBranch !== project.defaultBranch &&
    (await project.repo.branchSha(mr.sourceBranch)) === head
  ) {
    await gh.world.deleteBranch(project, mr.sourceBranch, options.userId);
  }
  return merged;
}
