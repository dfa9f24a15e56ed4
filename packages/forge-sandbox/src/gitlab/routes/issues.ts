import type { SimIssue, SimProject } from '../../core/model.js';
import { ACCESS } from '../../core/world.js';
import { currentUser, loadProject, P, page, sortBy, type Gitlab } from '../context.js';
import { gitlabError, notFound, validation } from '../errors.js';
import {
  addTaskNotes,
  assigneeChanges,
  ensureLabels,
  labelChanges,
  matchesLabels,
  matchesMilestone,
  milestoneChange,
  systemNote,
} from '../issuables.js';
import { bool, date, int, intList, list, oneOf, required, str } from '../params.js';
import { issueEntity } from '../serializers/issue.js';

const UPDATE_PARAMS = [
  'assignee_id',
  'assignee_ids',
  'confidential',
  'created_at',
  'description',
  'discussion_locked',
  'due_date',
  'labels',
  'add_labels',
  'remove_labels',
  'milestone_id',
  'state_event',
  'title',
  'issue_type',
  'weight',
];

function findIssue(gl: Gitlab, project: SimProject, iid: string | undefined): SimIssue {
  const issue = gl.world.issues.find((i) => i.projectId === project.id && i.iid === Number(iid));
  if (!issue) throw notFound();
  return issue;
}

/** `search` with `in=title`, `in=description` or both (the default). */
function matchesSearch(issue: SimIssue, search: string, fields: string[]): boolean {
  const s = search.toLowerCase();
  return (
    (fields.includes('title') && issue.title.toLowerCase().includes(s)) ||
    (fields.includes('description') && issue.description.toLowerCase().includes(s))
  );
}

export function registerIssues(gl: Gitlab): void {
  gl.add('GET', `${P}/issues`, (req) => {
    const project = loadProject(gl, req);
    const state = oneOf(req, 'state', ['opened', 'closed', 'all'] as const) ?? 'all';
    const labels = list(req, 'labels');
    const milestone = str(req, 'milestone');
    const search = str(req, 'search');
    const within = list(req, 'in') ?? ['title', 'description'];
    const iids = intList(req, 'iids');
    const authorId = int(req, 'author_id');
    const assigneeId = int(req, 'assignee_id');
    const confidential = bool(req, 'confidential');
    const createdAfter = date(req, 'created_after');
    const createdBefore = date(req, 'created_before');
    const updatedAfter = date(req, 'updated_after');
    const updatedBefore = date(req, 'updated_before');
    const orderBy =
      oneOf(req, 'order_by', [
        'created_at',
        'updated_at',
        'title',
        'due_date',
        'priority',
        'relative_position',
        'label_priority',
        'milestone_due',
        'popularity',
        'weight',
      ] as const) ?? 'created_at';
    const sort = oneOf(req, 'sort', ['asc', 'desc'] as const) ?? 'desc';
    const issues = gl.world.issues.filter(
      (i) =>
        i.projectId === project.id &&
        (state === 'all' || i.state === state) &&
        matchesLabels(i.labels, labels) &&
        matchesMilestone(gl, i.milestoneId, milestone) &&
        (!search || matchesSearch(i, search, within)) &&
        (!iids || iids.includes(i.iid)) &&
        (authorId === undefined || i.authorId === authorId) &&
        (assigneeId === undefined || i.assigneeIds.includes(assigneeId)) &&
        (confidential === undefined || i.confidential === confidential) &&
        (createdAfter === undefined || Date.parse(i.createdAt) >= createdAfter) &&
        (createdBefore === undefined || Date.parse(i.createdAt) <= createdBefore) &&
        (updatedAfter === undefined || Date.parse(i.updatedAt) >= updatedAfter) &&
        (updatedBefore === undefined || Date.parse(i.updatedAt) <= updatedBefore),
    );
    const key =
      orderBy === 'title'
        ? (i: SimIssue) => i.title.toLowerCase()
        : orderBy === 'updated_at'
          ? (i: SimIssue) => i.updatedAt
          : (i: SimIssue) => i.createdAt;
    const ordered = sortBy(
      sortBy(issues, (i) => i.id, sort),
      key,
      sort,
    );
    const { items, headers } = page(gl, req, ordered);
    return { body: items.map((i) => issueEntity(gl, i)), headers };
  });

  gl.add('GET', `${P}/issues/:iid`, (req) => {
    const project = loadProject(gl, req);
    return { body: issueEntity(gl, findIssue(gl, project, req.params.iid)) };
  });

  gl.add('POST', `${P}/issues`, (req) => {
    const project = loadProject(gl, req, ACCESS.guest);
    const [title] = required(req, 'title');
    if (title!.length > 255) throw validation({ title: ['is too long (maximum is 255 characters)'] });
    const now = gl.world.nowIso();
    const issue: SimIssue = {
      id: gl.world.nextId('issue'),
      iid: Math.max(0, ...gl.world.issues.filter((i) => i.projectId === project.id).map((i) => i.iid)) + 1,
      projectId: project.id,
      title: title!,
      description: str(req, 'description') ?? '',
      state: 'opened',
      authorId: currentUser(req).id,
      assigneeIds: assigneeChanges(gl, req) ?? [],
      labels: ensureLabels(gl, project, list(req, 'labels') ?? []),
      milestoneId: milestoneChange(gl, req, project) ?? null,
      confidential: bool(req, 'confidential') ?? false,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      updatedById: null,
    };
    gl.world.issues.push(issue);
    return { status: 201, body: issueEntity(gl, issue) };
  });

  gl.add('PUT', `${P}/issues/:iid`, (req) => {
    const project = loadProject(gl, req);
    const issue = findIssue(gl, project, req.params.iid);
    const user = currentUser(req);
    if (gl.world.accessLevel(user, project) < ACCESS.reporter && issue.authorId !== user.id) throw notFound();
    if (!UPDATE_PARAMS.some((p) => str(req, p) !== undefined))
      throw gitlabError(400, {
        error: `${UPDATE_PARAMS.join(', ')} are missing, at least one parameter must be provided`,
      });
    const noteable = { type: 'Issue' as const, iid: issue.iid };
    const title = str(req, 'title');
    if (title !== undefined) {
      if (title.trim() === '') throw validation({ title: ["can't be blank"] });
      issue.title = title;
    }
    const description = str(req, 'description');
    if (description !== undefined && description !== issue.description) {
      addTaskNotes(gl, project, noteable, issue.description, description, user);
      issue.description = description;
    }
    const labels = labelChanges(gl, req, project, issue.labels);
    if (labels) issue.labels = labels;
    const assignees = assigneeChanges(gl, req);
    if (assignees) issue.assigneeIds = assignees;
    const milestone = milestoneChange(gl, req, project);
    if (milestone !== undefined) issue.milestoneId = milestone;
    const confidential = bool(req, 'confidential');
    if (confidential !== undefined) issue.confidential = confidential;
    const event = oneOf(req, 'state_event', ['close', 'reopen'] as const);
    if (event === 'close' && issue.state === 'opened') {
      issue.state = 'closed';
      issue.closedAt = gl.world.nowIso();
      systemNote(gl, project, noteable, 'closed', user);
    } else if (event === 'reopen' && issue.state === 'closed') {
      issue.state = 'opened';
      issue.closedAt = null;
      systemNote(gl, project, noteable, 'reopened', user);
    }
    issue.updatedById = user.id;
    issue.updatedAt = gl.world.nowIso();
    return { body: issueEntity(gl, issue) };
  });
}
