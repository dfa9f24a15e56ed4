import type { SimIssue, SimMergeRequest, SimProject } from '../core/model.js';
import { notFound, type Gh } from './context.js';

/** Issues and pull requests share one number sequence per repository on GitHub. */
export function nextNumber(gh: Gh, project: SimProject): number {
  let max = 0;
  for (const i of gh.world.issues) if (i.projectId === project.id && i.iid > max) max = i.iid;
  for (const m of gh.world.mergeRequests) if (m.projectId === project.id && m.iid > max) max = m.iid;
  return max + 1;
}

export function findPull(gh: Gh, project: SimProject, number: string | undefined): SimMergeRequest {
  const mr = gh.world.mergeRequests.find((m) => m.projectId === project.id && m.iid === Number(number));
  if (!mr) throw notFound();
  return mr;
}

export type IssueOrPull = { kind: 'issue'; issue: SimIssue } | { kind: 'pull'; mr: SimMergeRequest };

export function findIssueOrPull(gh: Gh, project: SimProject, number: string | undefined): IssueOrPull {
  const n = Number(number);
  const issue = gh.world.issues.find((i) => i.projectId === project.id && i.iid === n);
  if (issue) return { kind: 'issue', issue };
  const mr = gh.world.mergeRequests.find((m) => m.projectId === project.id && m.iid === n);
  if (mr) return { kind: 'pull', mr };
  throw notFound();
}
