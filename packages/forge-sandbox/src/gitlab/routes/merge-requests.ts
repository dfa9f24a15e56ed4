import type { SimMergeRequest, SimProject } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { ACCESS } from '../../core/world.js';
import { canPush, currentUser, loadProject, P, page, sortBy, type Gitlab } from '../context.js';
import { gitlabError, notFound, validation } from '../errors.js';
import { fileDiffs } from '../git-extra.js';
import {
  addTaskNotes,
  assigneeChanges,
  ensureLabels,
  labelChanges,
  matchesLabels,
  matchesMilestone,
  milestoneChange,
  reviewerChanges,
  systemNote,
} from '../issuables.js';
import { bool, int, intList, list, oneOf, required, str } from '../params.js';
import { commitBasic } from '../serializers/commit.js';
import {
  closedBy,
  mergeRequestBasic,
  mergeRequestDetail,
  mergeRequestFacts,
} from '../serializers/merge-request.js';
import { pipelineBasic } from '../serializers/pipeline.js';

const UPDATE_PARAMS = [
  'assignee_id',
  'assignee_ids',
  'reviewer_ids',
  'description',
  'labels',
  'add_labels',
  'remove_labels',
  'milestone_id',
  'remove_source_branch',
  'state_event',
  'target_branch',
  'title',
  'discussion_locked',
  'squash',
  'allow_collaboration',
];

export function findMergeRequest(gl: Gitlab, project: SimProject, iid: string | undefined): SimMergeRequest {
  const mr = gl.world.mergeRequests.find((m) => m.projectId === project.id && m.iid === Number(iid));
  if (!mr) throw notFound();
  return mr;
}

/** Who may merge: developers into unprotected targets, maintainers into protected ones. */
export function canMerge(gl: Gitlab, req: SimRequest, project: SimProject, mr: SimMergeRequest): boolean {
  const user = currentUser(req);
  const level = gl.world.accessLevel(user, project);
  if (level < ACCESS.developer) return false;
  return canPush(gl, user, project, mr.targetBranch) || level >= ACCESS.maintainer;
}

/** Commits of an MR, newest first: from the target (or the merge point) to the head. */
export async function mergeRequestCommits(gl: Gitlab, mr: SimMergeRequest) {
  const project = gl.world.projects.get(mr.projectId)!;
  const head = await gl.world.mrHeadSha(mr);
  let exclude: string | null = null;
  const merged = mr.mergeCommitSha ?? mr.squashCommitSha;
  if (mr.state === 'merged' && merged) exclude = (await project.repo.getCommit(merged))?.parents[0] ?? null;
  else exclude = await project.repo.branchSha(mr.targetBranch);
  return project.repo.log(head, exclude ? { exclude } : {});
}

function titleIsDraft(title: string): boolean {
  return /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s|\[wip\]|wip:)/i.test(title);
}

export function registerMergeRequests(gl: Gitlab): void {
  gl.add('GET', `${P}/merge_requests`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const state = oneOf(req, 'state', ['opened', 'closed', 'locked', 'merged', 'all'] as const) ?? 'all';
    const source = str(req, 'source_branch');
    const target = str(req, 'target_branch');
    const labels = list(req, 'labels');
    const milestone = str(req, 'milestone');
    const authorId = int(req, 'author_id');
    const authorUsername = str(req, 'author_username');
    const search = str(req, 'search')?.toLowerCase();
    const iids = intList(req, 'iids');
    const orderBy =
      oneOf(req, 'order_by', ['created_at', 'updated_at', 'title', 'merged_at'] as const) ?? 'created_at';
    const sort = oneOf(req, 'sort', ['asc', 'desc'] as const) ?? 'desc';
    let mrs = gl.world
      .mergeRequestsOf(project)
      .filter(
        (mr) =>
          (state === 'all' || mr.state === state) &&
          (!source || mr.sourceBranch === source) &&
          (!target || mr.targetBranch === target) &&
          matchesLabels(mr.labels, labels) &&
          matchesMilestone(gl, mr.milestoneId, milestone) &&
          (authorId === undefined || mr.authorId === authorId) &&
          (!authorUsername || gl.world.users.get(mr.authorId)?.username === authorUsername) &&
          (!search ||
            mr.title.toLowerCase().includes(search) ||
            mr.description.toLowerCase().includes(search)) &&
          (!iids || iids.includes(mr.iid)),
      );
    const key =
      orderBy === 'title'
        ? (m: SimMergeRequest) => m.title.toLowerCase()
        : orderBy === 'updated_at'
          ? (m: SimMergeRequest) => m.updatedAt
          : orderBy === 'merged_at'
            ? (m: SimMergeRequest) => m.mergedAt ?? ''
            : (m: SimMergeRequest) => m.createdAt;
    mrs = sortBy(
      sortBy(mrs, (m) => m.id, sort),
      key,
      sort,
    );
    const { items, headers } = page(gl, req, mrs);
    // Lists answer the stored merge_status; `with_merge_status_recheck` starts checks (for users
    // who may update MRs) and answers `checking` meanwhile (lib/api/merge_requests.rb).
    const recheck =
      bool(req, 'with_merge_status_recheck') === true &&
      gl.world.accessLevel(currentUser(req), project) >= ACCESS.developer;
    const body = [];
    for (const mr of items)
      body.push(
        await mergeRequestBasic(gl, mr, await mergeRequestFacts(gl, mr, recheck ? 'single' : 'list')),
      );
    return { body, headers };
  });

  gl.add('GET', `${P}/merge_requests/:iid`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    return { body: await mergeRequestDetail(gl, mr, canMerge(gl, req, project, mr)) };
  });

  gl.add('POST', `${P}/merge_requests`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const user = currentUser(req);
    const [source, target, title] = required(req, 'source_branch', 'target_branch', 'title');
    if (source === target)
      throw gitlabError(422, { message: ["You can't use same project/branch for source and target"] });
    const errors: Record<string, string[]> = {};
    if (!(await project.repo.branchSha(source!))) errors.source_branch = ['does not exist'];
    if (!(await project.repo.branchSha(target!))) errors.target_branch = ['does not exist'];
    if (Object.keys(errors).length > 0) throw validation(errors);
    const existing = gl.world
      .mergeRequestsOf(project)
      .find((m) => m.state === 'opened' && m.sourceBranch === source && m.targetBranch === target);
    if (existing)
      throw gitlabError(409, {
        message: [`Another open merge request already exists for this source branch: !${existing.iid}`],
      });
    const now = gl.world.nowIso();
    const head = (await project.repo.branchSha(source!))!;
    const mr: SimMergeRequest = {
      id: gl.world.nextId('merge_request'),
      iid: Math.max(0, ...gl.world.mergeRequestsOf(project).map((m) => m.iid)) + 1,
      projectId: project.id,
      title: title!,
      description: str(req, 'description') ?? '',
      state: 'opened',
      sourceBranch: source!,
      targetBranch: target!,
      authorId: user.id,
      assigneeIds: assigneeChanges(gl, req) ?? [],
      reviewerIds: reviewerChanges(gl, req) ?? [],
      labels: ensureLabels(gl, project, list(req, 'labels') ?? []),
      milestoneId: milestoneChange(gl, req, project) ?? null,
      draft: titleIsDraft(title!),
      squash: bool(req, 'squash') ?? false,
      removeSourceBranch: bool(req, 'remove_source_branch') ?? false,
      headSha: head,
      mergeCommitSha: null,
      squashCommitSha: null,
      mergedById: null,
      mergedAt: null,
      closedAt: null,
      autoMerge: null,
      approvedBy: [],
      createdAt: now,
      updatedAt: now,
    };
    gl.world.mergeRequests.push(mr);
    return { status: 201, body: await mergeRequestDetail(gl, mr, canMerge(gl, req, project, mr)) };
  });

  gl.add('PUT', `${P}/merge_requests/:iid`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    const user = currentUser(req);
    if (gl.world.accessLevel(user, project) < ACCESS.developer && mr.authorId !== user.id) throw notFound();
    if (!UPDATE_PARAMS.some((p) => str(req, p) !== undefined))
      throw gitlabError(400, {
        error: `${UPDATE_PARAMS.join(', ')} are missing, at least one parameter must be provided`,
      });
    const noteable = { type: 'MergeRequest' as const, iid: mr.iid };
    const title = str(req, 'title');
    if (title !== undefined) {
      if (title.trim() === '') throw validation({ title: ["can't be blank"] });
      mr.title = title;
      mr.draft = titleIsDraft(title);
    }
    const description = str(req, 'description');
    if (description !== undefined && description !== mr.description) {
      addTaskNotes(gl, project, noteable, mr.description, description, user);
      mr.description = description;
    }
    const target = str(req, 'target_branch');
    if (target !== undefined) {
      if (!(await project.repo.branchSha(target))) throw validation({ target_branch: ['does not exist'] });
      mr.targetBranch = target;
    }
    const labels = labelChanges(gl, req, project, mr.labels);
    if (labels) mr.labels = labels;
    const assignees = assigneeChanges(gl, req);
    if (assignees) mr.assigneeIds = assignees;
    const reviewers = reviewerChanges(gl, req);
    if (reviewers) mr.reviewerIds = reviewers;
    const milestone = milestoneChange(gl, req, project);
    if (milestone !== undefined) mr.milestoneId = milestone;
    const removeSource = bool(req, 'remove_source_branch');
    if (removeSource !== undefined) mr.removeSourceBranch = removeSource;
    const squash = bool(req, 'squash');
    if (squash !== undefined) mr.squash = squash;
    const event = oneOf(req, 'state_event', ['close', 'reopen'] as const);
    if (event === 'close' && mr.state === 'opened') {
      mr.headSha = await gl.world.mrHeadSha(mr);
      mr.state = 'closed';
      mr.closedAt = gl.world.nowIso();
      mr.autoMerge = null;
      closedBy.set(mr, user.id);
      systemNote(gl, project, noteable, 'closed', user);
    } else if (event === 'reopen' && mr.state === 'closed') {
      if (!(await project.repo.branchSha(mr.sourceBranch)))
        throw validation({ source_branch: ['does not exist'] });
      mr.state = 'opened';
      mr.closedAt = null;
      systemNote(gl, project, noteable, 'reopened', user);
    }
    mr.updatedAt = gl.world.nowIso();
    return { body: await mergeRequestDetail(gl, mr, canMerge(gl, req, project, mr)) };
  });

  gl.add('GET', `${P}/merge_requests/:iid/commits`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    const { items, headers } = page(gl, req, await mergeRequestCommits(gl, mr));
    return { body: items.map((c) => commitBasic(gl, project, c)), headers };
  });

  gl.add('GET', `${P}/merge_requests/:iid/pipelines`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    const shas = new Set((await mergeRequestCommits(gl, mr)).map((c) => c.sha));
    shas.add(await gl.world.mrHeadSha(mr));
    const pipelines = gl.world.pipelines
      .filter((p) => p.projectId === project.id && p.ref === mr.sourceBranch && shas.has(p.sha))
      .sort((a, b) => b.id - a.id);
    const { items, headers } = page(gl, req, pipelines);
    return { body: items.map((p) => pipelineBasic(gl, p)), headers };
  });

  gl.add('GET', `${P}/merge_requests/:iid/diffs`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    const head = await gl.world.mrHeadSha(mr);
    const commits = await mergeRequestCommits(gl, mr);
    const oldest = commits[commits.length - 1];
    const base = oldest ? (oldest.parents[0] ?? null) : head;
    const diffs = base && base !== head ? await fileDiffs(project.repo.dir, base, head) : [];
    const { items, headers } = page(gl, req, diffs);
    return { body: items, headers };
  });

  gl.add('DELETE', `${P}/merge_requests/:iid`, (req) => {
    const project = loadProject(gl, req, ACCESS.owner);
    const mr = findMergeRequest(gl, project, req.params.iid);
    gl.world.mergeRequests.splice(gl.world.mergeRequests.indexOf(mr), 1);
    return { status: 204 };
  });
}
