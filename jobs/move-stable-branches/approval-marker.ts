import type { Forge } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { IssueMarker } from './report.js';

/**
 * The approval issue's marker as the bot last wrote it, kept in the job state too: anyone who
 * may edit the issue (GitLab ticks edit the description) can rewrite the marker in it — its plan
 * hash, the note an approval must follow — and so make an approval of an older plan count for
 * the current one. The description's marker is used only when the state has none (a new store).
 */

export interface MarkerMemory {
  get(iid: number): Promise<IssueMarker | undefined>;
  /** After the forge write: a run killed in between re-reads the older marker and converges. */
  set(iid: number, marker: IssueMarker): Promise<void>;
}

export function markerMemory(ctx: JobContext, forge: Forge, project: string): MarkerMemory {
  const key = (iid: number) => `issue-marker:${forge.name}:${project}#${iid}`;
  return {
    get: (iid) => ctx.state.get<IssueMarker>(key(iid)),
    set: (iid, marker) => ctx.state.set(key(iid), marker),
  };
}
