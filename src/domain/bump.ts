/**
 * The version-bump merge request of `update-component`, as other jobs may know it: its branch
 * name and the hidden marker in its description. One owner here, so report-pipeline-failures
 * (and any job that follows a bump) reads the same names update-component writes.
 */

/** Every bump branch starts with this: `release-bot/update-<component>`. */
export const BUMP_BRANCH_PREFIX = 'release-bot/update-';

/** The branch update-component pushes a component's bump to. */
export function bumpBranch(component: string): string {
  return `${BUMP_BRANCH_PREFIX}${component}`;
}

/** The kind of the hidden marker (src/kit/marker.ts) in a bump MR's description. */
export const BUMP_MARKER_KIND = 'update-component';

/** The marker's payload: which component, bumped from which sha to which. */
export interface BumpMarker {
  component: string;
  sha: string;
  from: string | null;
}
