import type { SimMergeRequest, SimProject } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { bool, GhError, ok, repoOf, str, validationFailed, type Gh } from '../context.js';
import { fileStats, logCommits } from '../git-objects.js';
import { mergePull, mergeState } from '../merge.js';
import { findPull, nextNumber } from '../numbers.js';
import { paged, sortBy } from '../paging.js';
import { commitJson, fileJson, loadCommit, remember } from '../serializers/commits.js';
import { pullJson } from '../serializers/pulls.js';
import { simpleUser } from '../serializers/users.js';
import { repoSettings, type MergeMethod } from '../state.js';

/** `owner:branch` or `branch` → branch of this repository, or null for another owner's fork. */
function branchName(project: SimProject, head: string): string | null {
  const colon = head.indexOf(':');
  if (colon < 0) return head;
  return head.slice(0, colon).toLowerCase() === project.namespace.toLowerCase()
    ? head.slice(colon + 1)
    : null;
}

/** The base the PR's commits and files are measured from (for a merged PR: the base before the merge). */
async function baseOf(gh: Gh, project: SimProject, mr: SimMergeRequest): Promise<string | null> {
  if (mr.state === 'merged' && mr.mergeCommitSha) {
    const merge = await loadCommit(gh, project, mr.mergeCommitSha);
    return merge?.parents[0] ?? null;
  }
  return project.repo.branchSha(mr.targetBranch);
}

function listFilter(gh: Gh, project: SimProject, req: SimRequest): SimMergeRequest[] {
  const state = req.query.get('state') ?? 'open';
  const head = req.query.get('head');
  const base = req.query.get('base');
  const headBranch = head ? branchName(project, head) : undefined;
  const sort = req.query.get('sort') ?? 'created';
  const direction = (req.query.get('direction') ?? (sort === 'created' ? 'desc' : 'asc')) as 'asc' | 'desc';
  const pulls = gh.world
    .mergeRequestsOf(project)
    .filter((m) => state === 'all' || (state === 'open' ? m.state === 'opened' : m.state !== 'opened'))
    .filter((m) => headBranch === undefined || m.sourceBranch === headBranch)
    .filter((m) => !base || m.targetBranch === base);
  const key =
    sort === 'updated'
      ? (m: SimMergeRequest) => `${m.updatedAt}${String(m.iid).padStart(9, '0')}`
      : (m: SimMergeRequest) => m.iid;
  return sortBy(pulls, key, direction);
}

/** Pull requests: list, get, create, update, merge, commits, files, reviewers, reviews. */
export function registerPulls(gh: Gh, onChange: () => Promise<void>): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/pulls',
    async (req) => {
      const project = repoOf(gh, req);
      const page = paged(gh, req, listFilter(gh, project, req));
      return ok(
        await Promise.all(page.items.map((m) => pullJson(gh, project, m, req.user, false))),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/pulls/:number',
    async (req) => {
      const project = repoOf(gh, req);
      return ok(await pullJson(gh, project, findPull(gh, project, req.params.number), req.user, true));
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/pulls', async (req) => {
    const project = repoOf(gh, req);
    const user = req.user!;
    const title = str(req.body.title);
    const head = str(req.body.head);
    const base = str(req.body.base);
    if (!title) throw validationFailed({ resource: 'PullRequest', code: 'missing_field', field: 'title' });
    if (!head) throw validationFailed({ resource: 'PullRequest', code: 'missing_field', field: 'head' });
    if (!base) throw validationFailed({ resource: 'PullRequest', code: 'missing_field', field: 'base' });
    const source = branchName(project, head);
    const headSha = source ? await project.repo.branchSha(source) : null;
    // A branch created a moment ago may not be visible to PR creation yet (read-after-write lag).
    const lagging = source !== null && gh.state.laggingRefs.delete(`${project.id}:${source}`);
    if (!source || !headSha || lagging)
      throw validationFailed({ resource: 'PullRequest', field: 'head', code: 'invalid' });
    const baseSha = await project.repo.branchSha(base);
    if (!baseSha) throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
    if (
      gh.world
        .mergeRequestsOf(project)
        .some((m) => m.state === 'opened' && m.sourceBranch === source && m.targetBranch === base)
    )
      throw validationFailed({
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for ${project.namespace}:${source}.`,
      });
    if ((await project.repo.countCommits(headSha, baseSha)) === 0)
      throw validationFailed({
        resource: 'PullRequest',
        code: 'custom',
        message: `No commits between ${base} and ${source}`,
      });
    const now = gh.world.nowIso();
    const mr: SimMergeRequest = {
      id: gh.world.nextId('merge_request'),
      iid: nextNumber(gh, project),
      projectId: project.id,
      title,
      description: str(req.body.body) ?? '',
      state: 'opened',
      sourceBranch: source,
      targetBranch: base,
      authorId: user.id,
      assigneeIds: [],
      reviewerIds: [],
      labels: [],
      milestoneId: null,
      draft: bool(req.body.draft) ?? false,
      squash: false,
      removeSourceBranch: false,
      headSha,
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
    gh.world.mergeRequests.push(mr);
    return ok(await pullJson(gh, project, mr, user, true), 201);
  });

  gh.add('PATCH', '/repos/:owner/:repo/pulls/:number', async (req) => {
    const project = repoOf(gh, req);
    const mr = findPull(gh, project, req.params.number);
    const user = req.user!;
    const level = gh.world.accessLevel(user, project);
    if (user.id !== mr.authorId && level < 30) throw new GhError(403, 'Must have push access to repository');
    const title = str(req.body.title);
    const body = str(req.body.body);
    const state = str(req.body.state);
    const base = str(req.body.base);
    if (state !== undefined && state !== 'open' && state !== 'closed')
      throw validationFailed({ resource: 'PullRequest', code: 'invalid', field: 'state' });
    if (base !== undefined && base !== mr.targetBranch) {
      if (mr.state !== 'opened')
        throw validationFailed({ resource: 'PullRequest', code: 'invalid', field: 'base' });
      if (!(await project.repo.branchSha(base)))
        throw validationFailed({ resource: 'PullRequest', code: 'invalid', field: 'base' });
      mr.targetBranch = base;
    }
    if (title !== undefined) mr.title = title;
    if (body !== undefined) mr.description = body;
    if (state === 'closed' && mr.state === 'opened') {
      mr.headSha = await gh.world.mrHeadSha(mr);
      mr.state = 'closed';
      mr.closedAt = gh.world.nowIso();
      gh.state.autoMerge.delete(mr.id);
    } else if (state === 'open' && mr.state === 'closed') {
      const head = await project.repo.branchSha(mr.sourceBranch);
      if (!head)
        throw validationFailed({
          resource: 'PullRequest',
          code: 'custom',
          field: 'state',
          message: 'state cannot be changed. The head branch was deleted.',
        });
      mr.state = 'opened';
      mr.closedAt = null;
      mr.headSha = head;
    } else if (state === 'open' && mr.state === 'merged') {
      throw validationFailed({
        resource: 'PullRequest',
        code: 'custom',
        field: 'state',
        message: 'state cannot be changed. The pull request has been merged.',
      });
    }
    mr.updatedAt = gh.world.nowIso();
    return ok(await pullJson(gh, project, mr, user, true));
  });

  gh.add('PUT', '/repos/:owner/:repo/pulls/:number/merge', async (req) => {
    const project = repoOf(gh, req, 'push', 403);
    const mr = findPull(gh, project, req.params.number);
    if (mr.state !== 'opened') throw new GhError(405, 'Pull Request is not mergeable');
    const method = (str(req.body.merge_method) ?? 'merge') as MergeMethod;
    if (!['merge', 'squash', 'rebase'].includes(method))
      throw validationFailed({ resource: 'PullRequest', code: 'invalid', field: 'merge_method' });
    const settings = repoSettings(gh.world, project);
    if (method === 'merge' && !settings.allowMergeCommit)
      throw new GhError(405, 'Merge commits are not allowed on this repository.');
    if (method === 'squash' && !settings.allowSquashMerge)
      throw new GhError(405, 'Squash merges are not allowed on this repository.');
    if (method === 'rebase' && !settings.allowRebaseMerge)
      throw new GhError(405, 'Rebase merges are not allowed on this repository.');
    const state = await mergeState(gh, project, mr);
    const sha = str(req.body.sha);
    if (sha && sha !== state.headSha)
      throw new GhError(409, 'Head branch was modified. Review and try the merge again.');
    if (state.status === 'dirty') throw new GhError(405, 'Pull Request is not mergeable');
    if (state.status === 'draft') throw new GhError(405, 'Pull Request is still a draft');
    if (state.status === 'blocked')
      throw new GhError(405, state.blockers[0] ?? 'Pull Request is not mergeable');
    const merged = await mergePull(gh, project, mr, {
      method,
      userId: req.user!.id,
      commitTitle: str(req.body.commit_title),
      commitMessage: str(req.body.commit_message),
    });
    return ok({ sha: merged, merged: true, message: 'Pull Request successfully merged' });
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/pulls/:number/commits',
    async (req) => {
      const project = repoOf(gh, req);
      const mr = findPull(gh, project, req.params.number);
      const head = await gh.world.mrHeadSha(mr);
      const base = await baseOf(gh, project, mr);
      const commits = (
        await logCommits(project.repo.dir, { ref: head, exclude: base ?? undefined, reverse: true })
      ).slice(0, 250);
      remember(gh, project, commits);
      const page = paged(gh, req, commits);
      return ok(
        page.items.map((c) => commitJson(gh, project, c)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/pulls/:number/files',
    async (req) => {
      const project = repoOf(gh, req);
      const mr = findPull(gh, project, req.params.number);
      const head = await gh.world.mrHeadSha(mr);
      const base = (await baseOf(gh, project, mr)) ?? head;
      const files = await fileStats(project.repo.dir, base, head, true);
      const page = paged(gh, req, files);
      return ok(
        page.items.map((f) => fileJson(gh, project, head, f)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/pulls/:number/requested_reviewers',
    (req) => {
      const project = repoOf(gh, req);
      const mr = findPull(gh, project, req.params.number);
      return ok({
        users: mr.reviewerIds
          .map((id) => gh.world.users.get(id))
          .filter(Boolean)
          .map((u) => ({ login: u!.username, id: u!.id, type: u!.bot ? 'Bot' : 'User' })),
        teams: [],
      });
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/pulls/:number/requested_reviewers', async (req) => {
    const project = repoOf(gh, req, 'triage', 403);
    const mr = findPull(gh, project, req.params.number);
    const logins = Array.isArray(req.body.reviewers) ? req.body.reviewers.map(String) : [];
    for (const login of logins) {
      const user = gh.world.userByName(login);
      if (user && user.id === mr.authorId)
        throw new GhError(422, 'Review cannot be requested from pull request author.');
      if (!user || !project.members.has(user.id))
        throw new GhError(
          422,
          `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${project.path} repository.`,
        );
      if (!mr.reviewerIds.includes(user.id)) mr.reviewerIds.push(user.id);
    }
    mr.updatedAt = gh.world.nowIso();
    return ok(await pullJson(gh, project, mr, req.user, false), 201);
  });

  gh.add('DELETE', '/repos/:owner/:repo/pulls/:number/requested_reviewers', async (req) => {
    const project = repoOf(gh, req, 'triage', 403);
    const mr = findPull(gh, project, req.params.number);
    const logins = Array.isArray(req.body.reviewers) ? req.body.reviewers.map(String) : [];
    mr.reviewerIds = mr.reviewerIds.filter((id) => !logins.includes(gh.world.users.get(id)?.username ?? ''));
    return ok(await pullJson(gh, project, mr, req.user, false));
  });

  registerReviews(gh, onChange);
}

function registerReviews(gh: Gh, onChange: () => Promise<void>): void {
  function reviewJson(project: SimProject, r: (typeof gh.state.reviews)[number]) {
    const pull = `${gh.api()}/repos/${project.path}/pulls/${r.number}`;
    const html = `${gh.web()}/${project.path}/pull/${r.number}#pullrequestreview-${r.id}`;
    const user = gh.world.users.get(r.userId)!;
    return {
      id: r.id,
      node_id: `PRR_${r.id}`,
      user: simpleUser(gh, user),
      body: r.body,
      state: r.state,
      html_url: html,
      pull_request_url: pull,
      author_association: project.members.has(r.userId) ? 'COLLABORATOR' : 'NONE',
      _links: { html: { href: html }, pull_request: { href: pull } },
      submitted_at: r.submittedAt.replace(/\.\d{3}Z$/, 'Z'),
      commit_id: r.commitId,
    };
  }

  gh.add(
    'GET',
    '/repos/:owner/:repo/pulls/:number/reviews',
    (req) => {
      const project = repoOf(gh, req);
      const mr = findPull(gh, project, req.params.number);
      const reviews = gh.state.reviews.filter((r) => r.projectId === project.id && r.number === mr.iid);
      const page = paged(gh, req, reviews);
      return ok(
        page.items.map((r) => reviewJson(project, r)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/pulls/:number/reviews', async (req) => {
    const project = repoOf(gh, req);
    const mr = findPull(gh, project, req.params.number);
    const user = req.user!;
    const event = str(req.body.event);
    const body = str(req.body.body) ?? '';
    if (event && !['APPROVE', 'REQUEST_CHANGES', 'COMMENT'].includes(event))
      throw validationFailed({ resource: 'PullRequestReview', code: 'invalid', field: 'event' });
    if (event === 'APPROVE' && user.id === mr.authorId)
      throw new GhError(422, 'Unprocessable Entity', { errors: ['Can not approve your own pull request'] });
    if (event === 'REQUEST_CHANGES' && user.id === mr.authorId)
      throw new GhError(422, 'Unprocessable Entity', {
        errors: ['Can not request changes on your own pull request'],
      });
    if ((event === 'REQUEST_CHANGES' || event === 'COMMENT') && !body)
      throw new GhError(422, 'Unprocessable Entity', { errors: [`Review Can't be blank`] });
    const head = await gh.world.mrHeadSha(mr);
    const commitId = str(req.body.commit_id) ?? head;
    if (!(await project.repo.resolve(commitId)))
      throw new GhError(422, 'Unprocessable Entity', { errors: ['Commit not found'] });
    const review = {
      id: gh.world.nextId('review'),
      projectId: project.id,
      number: mr.iid,
      userId: user.id,
      state: (event === 'APPROVE'
        ? 'APPROVED'
        : event === 'REQUEST_CHANGES'
          ? 'CHANGES_REQUESTED'
          : event === 'COMMENT'
            ? 'COMMENTED'
            : 'PENDING') as (typeof gh.state.reviews)[number]['state'],
      body,
      commitId,
      submittedAt: gh.world.nowIso(),
    };
    gh.state.reviews.push(review);
    // Only approvals of the current head by people with write access count toward protection.
    if (review.state === 'APPROVED' && commitId === head && gh.world.accessLevel(user, project) >= 30) {
      if (!mr.approvedBy.includes(user.id)) mr.approvedBy.push(user.id);
      mr.reviewerIds = mr.reviewerIds.filter((id) => id !== user.id);
      await onChange();
    }
    return ok(reviewJson(project, review));
  });
}
