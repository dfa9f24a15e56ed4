import type { SimIssue, SimMergeRequest, SimProject, SimUser } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { GhError, notFound, ok, repoOf, str, strList, validationFailed, type Gh } from '../context.js';
import { findIssueOrPull, nextNumber, type IssueOrPull } from '../numbers.js';
import { paged, sortBy } from '../paging.js';
import { ensureLabels, findLabel, issueJson, labelJson, pullIssueJson } from '../serializers/issues.js';
import { repoSettings } from '../state.js';

export function issueOrPullJson(gh: Gh, project: SimProject, item: IssueOrPull): Record<string, unknown> {
  return item.kind === 'issue' ? issueJson(gh, project, item.issue) : pullIssueJson(gh, project, item.mr);
}

function labelsOf(item: IssueOrPull): string[] {
  return item.kind === 'issue' ? item.issue.labels : item.mr.labels;
}

function setLabels(gh: Gh, item: IssueOrPull, labels: string[]): void {
  const target: SimIssue | SimMergeRequest = item.kind === 'issue' ? item.issue : item.mr;
  target.labels = labels;
  target.updatedAt = gh.world.nowIso();
}

function userIds(gh: Gh, logins: string[] | undefined): number[] | undefined {
  if (!logins) return undefined;
  return logins.map((login) => {
    const user = gh.world.userByName(login);
    if (!user)
      throw validationFailed({ resource: 'Issue', code: 'invalid', field: 'assignees', value: login });
    return user.id;
  });
}

function milestoneId(gh: Gh, project: SimProject, value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const m = gh.world.milestones.find((x) => x.projectId === project.id && x.iid === Number(value));
  if (!m) throw validationFailed({ resource: 'Issue', code: 'invalid', field: 'milestone', value });
  return m.id;
}

function canTriage(gh: Gh, user: SimUser, project: SimProject): boolean {
  return gh.world.accessLevel(user, project) >= 20;
}

/** Every issue and pull request of a repository (GitHub's issue lists include PRs). */
export function allItems(gh: Gh, project: SimProject): IssueOrPull[] {
  return [
    ...gh.world.issues
      .filter((i) => i.projectId === project.id)
      .map((issue) => ({ kind: 'issue' as const, issue })),
    ...gh.world.mergeRequestsOf(project).map((mr) => ({ kind: 'pull' as const, mr })),
  ];
}

export function itemFields(item: IssueOrPull) {
  const x = item.kind === 'issue' ? item.issue : item.mr;
  return {
    number: x.iid,
    title: x.title,
    body: x.description,
    open: x.state === 'opened',
    merged: item.kind === 'pull' && item.mr.state === 'merged',
    labels: x.labels,
    authorId: x.authorId,
    assigneeIds: x.assigneeIds,
    milestoneId: x.milestoneId,
    createdAt: x.createdAt,
    updatedAt: x.updatedAt,
  };
}

function listItems(gh: Gh, project: SimProject, req: SimRequest): IssueOrPull[] {
  const state = req.query.get('state') ?? 'open';
  const labels = (req.query.get('labels') ?? '')
    .split(',')
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean);
  const creator = req.query.get('creator');
  const assignee = req.query.get('assignee');
  const milestone = req.query.get('milestone');
  const since = req.query.get('since');
  const sort = req.query.get('sort') ?? 'created';
  const direction = (req.query.get('direction') ?? 'desc') as 'asc' | 'desc';
  const items = allItems(gh, project).filter((item) => {
    const f = itemFields(item);
    if (state !== 'all' && (state === 'open') !== f.open) return false;
    if (labels.length && !labels.every((l) => f.labels.some((x) => x.toLowerCase() === l))) return false;
    if (creator && gh.world.users.get(f.authorId)?.username !== creator) return false;
    if (assignee === 'none' && f.assigneeIds.length > 0) return false;
    if (assignee === '*' && f.assigneeIds.length === 0) return false;
    if (
      assignee &&
      assignee !== '*' &&
      assignee !== 'none' &&
      !f.assigneeIds.some((id) => gh.world.users.get(id)?.username === assignee)
    )
      return false;
    if (milestone === 'none' && f.milestoneId !== null) return false;
    if (milestone === '*' && f.milestoneId === null) return false;
    if (milestone && milestone !== '*' && milestone !== 'none') {
      const m = gh.world.milestones.find((x) => x.id === f.milestoneId);
      if (!m || m.iid !== Number(milestone)) return false;
    }
    if (since && Date.parse(f.updatedAt) < Date.parse(since)) return false;
    return true;
  });
  const key = (item: IssueOrPull) => {
    const f = itemFields(item);
    return sort === 'updated' ? `${f.updatedAt}${String(f.number).padStart(9, '0')}` : f.number;
  };
  return sortBy(items, key, direction);
}

/** Issues (which include pull requests), and labels on them. */
export function registerIssues(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/issues',
    (req) => {
      const project = repoOf(gh, req);
      const page = paged(gh, req, listItems(gh, project, req));
      return ok(
        page.items.map((item) => issueOrPullJson(gh, project, item)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/issues', (req) => {
    const project = repoOf(gh, req);
    if (!repoSettings(gh.world, project).hasIssues)
      throw new GhError(410, 'Issues are disabled for this repo');
    const user = req.user!;
    const title =
      str(req.body.title) ?? (typeof req.body.title === 'number' ? String(req.body.title) : undefined);
    if (!title) throw validationFailed({ resource: 'Issue', code: 'missing_field', field: 'title' });
    const triage = canTriage(gh, user, project);
    const now = gh.world.nowIso();
    const issue: SimIssue = {
      id: gh.world.nextId('issue'),
      iid: nextNumber(gh, project),
      projectId: project.id,
      title,
      description: str(req.body.body) ?? '',
      state: 'opened',
      authorId: user.id,
      // Without triage rights GitHub silently drops labels, assignees and milestone.
      assigneeIds: triage ? (userIds(gh, strList(req.body.assignees)) ?? []) : [],
      labels: triage ? ensureLabels(gh, project, strList(req.body.labels) ?? []) : [],
      milestoneId: triage ? (milestoneId(gh, project, req.body.milestone) ?? null) : null,
      confidential: false,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      updatedById: null,
    };
    gh.world.issues.push(issue);
    return ok(issueJson(gh, project, issue), 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/issues/:number',
    (req) => {
      const project = repoOf(gh, req);
      return ok(issueOrPullJson(gh, project, findIssueOrPull(gh, project, req.params.number)));
    },
    { anonymous: true },
  );

  gh.add('PATCH', '/repos/:owner/:repo/issues/:number', async (req) => {
    const project = repoOf(gh, req);
    const user = req.user!;
    const item = findIssueOrPull(gh, project, req.params.number);
    const target: SimIssue | SimMergeRequest = item.kind === 'issue' ? item.issue : item.mr;
    if (target.authorId !== user.id && !canTriage(gh, user, project))
      throw new GhError(403, 'Must have triage access to repository');
    const b = req.body;
    const title = str(b.title);
    const body = str(b.body);
    const state = str(b.state);
    if (state !== undefined && state !== 'open' && state !== 'closed')
      throw validationFailed({ resource: 'Issue', code: 'invalid', field: 'state' });
    if (title !== undefined) target.title = title;
    if (body !== undefined) target.description = body;
    if (canTriage(gh, user, project)) {
      const labels = strList(b.labels);
      if (labels) target.labels = ensureLabels(gh, project, labels);
      const assignees = userIds(gh, strList(b.assignees));
      if (assignees) target.assigneeIds = assignees;
      const milestone = milestoneId(gh, project, b.milestone);
      if (milestone !== undefined) target.milestoneId = milestone;
    }
    const now = gh.world.nowIso();
    if (item.kind === 'issue') {
      if (state === 'closed' && item.issue.state === 'opened') {
        item.issue.state = 'closed';
        item.issue.closedAt = now;
      } else if (state === 'open' && item.issue.state === 'closed') {
        item.issue.state = 'opened';
        item.issue.closedAt = null;
      }
    } else if (state === 'closed' && item.mr.state === 'opened') {
      item.mr.headSha = await gh.world.mrHeadSha(item.mr);
      item.mr.state = 'closed';
      item.mr.closedAt = now;
      gh.state.autoMerge.delete(item.mr.id);
    } else if (state === 'open' && item.mr.state === 'closed') {
      const head = await project.repo.branchSha(item.mr.sourceBranch);
      if (!head)
        throw validationFailed({
          resource: 'Issue',
          code: 'custom',
          field: 'state',
          message: 'state cannot be changed. The head branch was deleted.',
        });
      item.mr.state = 'opened';
      item.mr.closedAt = null;
    }
    target.updatedAt = now;
    return ok(issueOrPullJson(gh, project, item));
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/issues/:number/labels',
    (req) => {
      const project = repoOf(gh, req);
      const item = findIssueOrPull(gh, project, req.params.number);
      const page = paged(gh, req, labelsOf(item));
      return ok(
        page.items.map((name) => labelJson(gh, project, name)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  const labelsBody = (body: Record<string, unknown>): string[] => {
    const labels = strList(body.labels) ?? (Array.isArray(body.value) ? strList(body.value) : undefined);
    if (!labels) throw validationFailed({ resource: 'Label', code: 'missing_field', field: 'labels' });
    return labels;
  };

  gh.add('POST', '/repos/:owner/:repo/issues/:number/labels', (req) => {
    const project = repoOf(gh, req, 'triage', 403);
    const item = findIssueOrPull(gh, project, req.params.number);
    const added = ensureLabels(gh, project, labelsBody(req.body));
    const merged = [...labelsOf(item)];
    for (const name of added)
      if (!merged.some((l) => l.toLowerCase() === name.toLowerCase())) merged.push(name);
    setLabels(gh, item, merged);
    return ok(merged.map((name) => labelJson(gh, project, name)));
  });

  gh.add('PUT', '/repos/:owner/:repo/issues/:number/labels', (req) => {
    const project = repoOf(gh, req, 'triage', 403);
    const item = findIssueOrPull(gh, project, req.params.number);
    const labels = ensureLabels(gh, project, labelsBody(req.body));
    setLabels(gh, item, labels);
    return ok(labels.map((name) => labelJson(gh, project, name)));
  });

  gh.add('DELETE', '/repos/:owner/:repo/issues/:number/labels', (req) => {
    const project = repoOf(gh, req, 'triage', 403);
    setLabels(gh, findIssueOrPull(gh, project, req.params.number), []);
    return { status: 204 };
  });

  gh.add('DELETE', '/repos/:owner/:repo/issues/:number/labels/:name', (req) => {
    const project = repoOf(gh, req, 'triage', 403);
    const item = findIssueOrPull(gh, project, req.params.number);
    const name = req.params.name!.toLowerCase();
    const current = labelsOf(item);
    if (!current.some((l) => l.toLowerCase() === name) || !findLabel(gh, project, name))
      throw notFound('Label does not exist');
    const rest = current.filter((l) => l.toLowerCase() !== name);
    setLabels(gh, item, rest);
    return ok(rest.map((l) => labelJson(gh, project, l)));
  });
}
