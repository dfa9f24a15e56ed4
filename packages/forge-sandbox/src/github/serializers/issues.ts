import type { SimIssue, SimLabel, SimMergeRequest, SimMilestone, SimProject } from '../../core/model.js';
import { ghTime, nodeId, type Gh } from '../context.js';
import { repoHtml, repoUrl } from './repos.js';
import { association, userJson } from './users.js';

export function findLabel(gh: Gh, project: SimProject, name: string): SimLabel | undefined {
  const key = name.toLowerCase();
  return gh.world.labels.find((l) => l.projectId === project.id && l.name.toLowerCase() === key);
}

/** Labels added to an issue that do not exist yet are created, as GitHub does. */
export function ensureLabels(gh: Gh, project: SimProject, names: string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    const label = findLabel(gh, project, name) ?? createLabel(gh, project, name, 'ededed', '');
    if (!out.includes(label.name)) out.push(label.name);
  }
  return out;
}

export function createLabel(
  gh: Gh,
  project: SimProject,
  name: string,
  color: string,
  description: string,
): SimLabel {
  const label: SimLabel = { id: gh.world.nextId('label'), projectId: project.id, name, color, description };
  gh.world.labels.push(label);
  return label;
}

export function labelJson(gh: Gh, project: SimProject, name: string): Record<string, unknown> {
  const label = findLabel(gh, project, name);
  const id = label?.id ?? 0;
  return {
    id,
    node_id: nodeId('LA', id),
    url: `${repoUrl(gh, project)}/labels/${encodeURIComponent(label?.name ?? name)}`,
    name: label?.name ?? name,
    color: (label?.color ?? 'ededed').replace(/^#/, '').toLowerCase(),
    default: false,
    description: label?.description || null,
  };
}

export function milestoneDueOn(m: SimMilestone): string | null {
  return m.dueDate ? `${m.dueDate.slice(0, 10)}T00:00:00Z` : null;
}

export function milestoneJson(gh: Gh, project: SimProject, m: SimMilestone): Record<string, unknown> {
  const url = `${repoUrl(gh, project)}/milestones/${m.iid}`;
  const issues = gh.world.issues.filter((i) => i.projectId === project.id && i.milestoneId === m.id);
  const pulls = gh.world.mergeRequests.filter((p) => p.projectId === project.id && p.milestoneId === m.id);
  const open =
    issues.filter((i) => i.state === 'opened').length + pulls.filter((p) => p.state === 'opened').length;
  const closed = issues.length + pulls.length - open;
  return {
    url,
    html_url: `${repoHtml(gh, project)}/milestone/${m.iid}`,
    labels_url: `${url}/labels`,
    id: m.id,
    node_id: nodeId('MI', m.id),
    number: m.iid,
    title: m.title,
    description: m.description || null,
    creator: null,
    open_issues: open,
    closed_issues: closed,
    state: m.state === 'closed' ? 'closed' : 'open',
    created_at: ghTime(m.createdAt),
    updated_at: ghTime(m.createdAt),
    due_on: milestoneDueOn(m),
    closed_at: null,
  };
}

function milestoneOf(gh: Gh, project: SimProject, id: number | null): Record<string, unknown> | null {
  if (id === null) return null;
  const m = gh.world.milestones.find((x) => x.id === id);
  return m ? milestoneJson(gh, project, m) : null;
}

function commentCount(gh: Gh, project: SimProject, number: number): number {
  return gh.world.notes.filter((n) => n.projectId === project.id && n.noteableIid === number && !n.system)
    .length;
}

interface IssueLike {
  id: number;
  iid: number;
  title: string;
  description: string;
  open: boolean;
  authorId: number;
  assigneeIds: number[];
  labels: string[];
  milestoneId: number | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

function issueCommon(gh: Gh, project: SimProject, i: IssueLike, isPull: boolean): Record<string, unknown> {
  const url = `${repoUrl(gh, project)}/issues/${i.iid}`;
  const assignees = i.assigneeIds.map((id) => userJson(gh, id)).filter((u) => u !== null);
  return {
    url,
    repository_url: repoUrl(gh, project),
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${repoHtml(gh, project)}/${isPull ? 'pull' : 'issues'}/${i.iid}`,
    id: i.id,
    node_id: nodeId(isPull ? 'PR' : 'I', i.id),
    number: i.iid,
    title: i.title,
    user: userJson(gh, i.authorId),
    labels: i.labels.map((name) => labelJson(gh, project, name)),
    state: i.open ? 'open' : 'closed',
    locked: false,
    assignee: assignees[0] ?? null,
    assignees,
    milestone: milestoneOf(gh, project, i.milestoneId),
    comments: commentCount(gh, project, i.iid),
    created_at: ghTime(i.createdAt),
    updated_at: ghTime(i.updatedAt),
    closed_at: ghTime(i.closedAt),
    author_association: association(gh, project, i.authorId),
    active_lock_reason: null,
    body: i.description || null,
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
  };
}

export function issueJson(gh: Gh, project: SimProject, issue: SimIssue): Record<string, unknown> {
  return {
    ...issueCommon(gh, project, { ...issue, open: issue.state === 'opened' }, false),
    state_reason: issue.state === 'closed' ? 'completed' : null,
  };
}

/** A pull request as the Issues API shows it (with the `pull_request` key). */
export function pullIssueJson(gh: Gh, project: SimProject, mr: SimMergeRequest): Record<string, unknown> {
  const html = `${repoHtml(gh, project)}/pull/${mr.iid}`;
  return {
    ...issueCommon(gh, project, { ...mr, open: mr.state === 'opened' }, true),
    draft: mr.draft,
    pull_request: {
      url: `${repoUrl(gh, project)}/pulls/${mr.iid}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: ghTime(mr.mergedAt),
    },
    state_reason: null,
  };
}
