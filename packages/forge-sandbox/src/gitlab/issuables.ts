import type { SimProject, SimUser } from '../core/model.js';
import type { SimRequest } from '../core/server.js';
import type { Gitlab } from './context.js';
import { int, intList, list } from './params.js';
import { taskItems } from './serializers/tasks.js';

/** Shared by issues and merge requests: labels, assignees, milestones and task-list notes. */

export const DEFAULT_LABEL_COLOR = '#6699cc';

/** GitLab creates a project label the first time an unknown label name is applied. */
export function ensureLabels(gl: Gitlab, project: SimProject, names: string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    let label = gl.world.labels.find(
      (l) => l.projectId === project.id && l.name.toLowerCase() === name.toLowerCase(),
    );
    if (!label) {
      label = {
        id: gl.world.nextId('label'),
        projectId: project.id,
        name,
        color: DEFAULT_LABEL_COLOR,
        description: '',
      };
      gl.world.labels.push(label);
    }
    if (!out.includes(label.name)) out.push(label.name);
  }
  return out;
}

/** Apply `labels` (replace), `add_labels` and `remove_labels`; returns the new list or undefined. */
export function labelChanges(
  gl: Gitlab,
  req: SimRequest,
  project: SimProject,
  current: string[],
): string[] | undefined {
  const replace = list(req, 'labels');
  const add = list(req, 'add_labels');
  const remove = list(req, 'remove_labels');
  if (!replace && !add && !remove) return undefined;
  let labels = replace ? ensureLabels(gl, project, replace) : [...current];
  if (add) for (const l of ensureLabels(gl, project, add)) if (!labels.includes(l)) labels.push(l);
  if (remove) {
    const drop = new Set(remove.map((r) => r.toLowerCase()));
    labels = labels.filter((l) => !drop.has(l.toLowerCase()));
  }
  return labels;
}

/** `assignee_ids` (0 or empty clears) or the single `assignee_id`. */
export function assigneeChanges(gl: Gitlab, req: SimRequest): number[] | undefined {
  const ids = intList(req, 'assignee_ids');
  const single = int(req, 'assignee_id');
  const chosen = ids ?? (single === undefined ? undefined : [single]);
  if (chosen === undefined) return undefined;
  return chosen.filter((id) => id > 0 && gl.world.users.has(id));
}

export function reviewerChanges(gl: Gitlab, req: SimRequest): number[] | undefined {
  const ids = intList(req, 'reviewer_ids');
  return ids?.filter((id) => id > 0 && gl.world.users.has(id));
}

/** `milestone_id` (0 clears); unknown ids are ignored as on GitLab. */
export function milestoneChange(gl: Gitlab, req: SimRequest, project: SimProject): number | null | undefined {
  const id = int(req, 'milestone_id');
  if (id === undefined) return undefined;
  if (id === 0) return null;
  return gl.world.milestones.some((m) => m.id === id && m.projectId === project.id) ? id : null;
}

/** System notes GitLab writes when a description update ticks or unticks task-list items. */
export function addTaskNotes(
  gl: Gitlab,
  project: SimProject,
  noteable: { type: 'Issue' | 'MergeRequest'; iid: number },
  before: string,
  after: string,
  user: SimUser,
): void {
  const old = taskItems(before);
  const now = taskItems(after);
  for (let i = 0; i < Math.min(old.length, now.length); i++) {
    const was = old[i]!;
    const is = now[i]!;
    if (was.text !== is.text || was.checked === is.checked) continue;
    gl.world.addNote({
      projectId: project.id,
      noteableType: noteable.type,
      noteableIid: noteable.iid,
      body: `marked the checklist item **${is.text}** as ${is.checked ? 'completed' : 'incomplete'}`,
      authorId: user.id,
      system: true,
    });
  }
}

export function systemNote(
  gl: Gitlab,
  project: SimProject,
  noteable: { type: 'Issue' | 'MergeRequest'; iid: number },
  body: string,
  user: SimUser,
): void {
  gl.world.addNote({
    projectId: project.id,
    noteableType: noteable.type,
    noteableIid: noteable.iid,
    body,
    authorId: user.id,
    system: true,
  });
}

/** Label filter: every listed label must be present; `None` and `Any` as on GitLab. */
export function matchesLabels(labels: string[], wanted: string[] | undefined): boolean {
  if (!wanted || wanted.length === 0) return true;
  if (wanted.length === 1 && wanted[0]!.toLowerCase() === 'none') return labels.length === 0;
  if (wanted.length === 1 && wanted[0]!.toLowerCase() === 'any') return labels.length > 0;
  const have = new Set(labels.map((l) => l.toLowerCase()));
  return wanted.every((w) => have.has(w.toLowerCase()));
}

/** Milestone filter by title; `None`, `Any` as on GitLab. */
export function matchesMilestone(
  gl: Gitlab,
  milestoneId: number | null,
  wanted: string | undefined,
): boolean {
  if (wanted === undefined) return true;
  if (wanted.toLowerCase() === 'none') return milestoneId === null;
  if (wanted.toLowerCase() === 'any') return milestoneId !== null;
  const m = gl.world.milestones.find((x) => x.id === milestoneId);
  return m?.title === wanted;
}
