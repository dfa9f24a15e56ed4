import type { SimIssue } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { milestoneById } from './milestone.js';
import { projectUrl } from './project.js';
import { taskCompletion } from './tasks.js';
import { userById } from './user.js';

export function issueEntity(gl: Gitlab, issue: SimIssue): Record<string, unknown> {
  const project = gl.world.projects.get(issue.projectId)!;
  const api = `${gl.web()}/api/v4/projects/${project.id}/issues/${issue.iid}`;
  const assignees = issue.assigneeIds.map((id) => userById(gl, id)).filter(Boolean);
  return {
    id: issue.id,
    iid: issue.iid,
    project_id: issue.projectId,
    title: issue.title,
    description: issue.description,
    state: issue.state,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    closed_by: issue.state === 'closed' ? userById(gl, issue.updatedById) : null,
    labels: [...issue.labels],
    milestone: milestoneById(gl, issue.milestoneId),
    assignees,
    author: userById(gl, issue.authorId),
    type: 'ISSUE',
    assignee: assignees[0] ?? null,
    user_notes_count: gl.world.notes.filter(
      (n) =>
        n.projectId === issue.projectId &&
        n.noteableType === 'Issue' &&
        n.noteableIid === issue.iid &&
        !n.system,
    ).length,
    merge_requests_count: 0,
    upvotes: 0,
    downvotes: 0,
    due_date: null,
    confidential: issue.confidential,
    discussion_locked: null,
    issue_type: 'issue',
    web_url: `${projectUrl(gl, project)}/-/issues/${issue.iid}`,
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    task_completion_status: taskCompletion(issue.description),
    has_tasks: taskCompletion(issue.description).count > 0,
    _links: {
      self: api,
      notes: `${api}/notes`,
      award_emoji: `${api}/award_emoji`,
      project: `${gl.web()}/api/v4/projects/${project.id}`,
      closed_as_duplicate_of: null,
    },
    references: { short: `#${issue.iid}`, relative: `#${issue.iid}`, full: `${project.path}#${issue.iid}` },
    severity: 'UNKNOWN',
    subscribed: false,
    moved_to_id: null,
    service_desk_reply_to: null,
  };
}
