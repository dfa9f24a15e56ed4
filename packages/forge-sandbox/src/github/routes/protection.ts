import type { SimProject, SimUser } from '../../core/model.js';
import { ACCESS } from '../../core/world.js';
import { commitVerdicts } from '../checks.js';
import { requiredCheckNames } from '../merge.js';
import { accessLevel, GhError, type Gh } from '../context.js';

/** Branch protection as it bears on ref updates: who may push, and whether force is allowed. */
export function checkBranchWrite(
  gh: Gh,
  project: SimProject,
  user: SimUser | null,
  branch: string,
  change: { force?: boolean; deletion?: boolean },
): void {
  const rule = project.protectedBranches.get(branch);
  if (!rule) return;
  if (change.deletion) throw new GhError(422, 'Cannot delete this protected branch');
  if (change.force && !rule.allowForcePush)
    throw new GhError(422, 'Cannot force-push to this protected branch');
  if (accessLevel(gh, user, project) < rule.pushAccessLevel)
    throw new GhError(422, `Protected branch update failed for refs/heads/${branch}.`);
}

/**
 * The contexts a protected branch requires: the repository's CI jobs, and every other check
 * reported on its head (see merge.ts).
 */
export async function requiredContexts(gh: Gh, project: SimProject, branch: string): Promise<string[]> {
  const sha = await project.repo.branchSha(branch);
  const reported = sha ? commitVerdicts(gh, project, sha).map((v) => v.name) : [];
  return [...new Set([...requiredCheckNames(project), ...reported])];
}

export const MAINTAINER = ACCESS.maintainer;
