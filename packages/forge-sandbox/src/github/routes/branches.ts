import { bool, notFound, ok, repoOf, type Gh } from '../context.js';
import { paged } from '../paging.js';
import { commitJson, loadCommit } from '../serializers/commits.js';
import { repoHtml, repoUrl } from '../serializers/repos.js';
import { MAINTAINER, requiredContexts } from './protection.js';
import type { SimProject } from '../../core/model.js';

function protectionJson(
  gh: Gh,
  project: SimProject,
  branch: string,
  contexts: string[],
): Record<string, unknown> {
  const url = `${repoUrl(gh, project)}/branches/${encodeURIComponent(branch)}/protection`;
  const rule = project.protectedBranches.get(branch)!;
  return {
    url,
    required_status_checks: {
      url: `${url}/required_status_checks`,
      strict: false,
      contexts,
      contexts_url: `${url}/required_status_checks/contexts`,
      checks: contexts.map((context) => ({ context, app_id: null })),
    },
    enforce_admins: { url: `${url}/enforce_admins`, enabled: false },
    ...(project.approvalsRequired > 0
      ? {
          required_pull_request_reviews: {
            url: `${url}/required_pull_request_reviews`,
            dismiss_stale_reviews: true,
            require_code_owner_reviews: false,
            require_last_push_approval: false,
            required_approving_review_count: project.approvalsRequired,
          },
        }
      : {}),
    required_linear_history: { enabled: false },
    allow_force_pushes: { enabled: rule.allowForcePush },
    allow_deletions: { enabled: false },
    block_creations: { enabled: false },
    required_conversation_resolution: { enabled: false },
    lock_branch: { enabled: false },
    allow_fork_syncing: { enabled: false },
  };
}

/** Branches: list, get, and branch protection. */
export function registerBranches(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/branches',
    async (req) => {
      const project = repoOf(gh, req);
      const onlyProtected = bool(req.query.get('protected'));
      const branches = (await project.repo.listBranches())
        .filter((b) => onlyProtected === undefined || project.protectedBranches.has(b.name) === onlyProtected)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const page = paged(gh, req, branches);
      return ok(
        page.items.map((b) => ({
          name: b.name,
          commit: { sha: b.sha, url: `${repoUrl(gh, project)}/commits/${b.sha}` },
          protected: project.protectedBranches.has(b.name),
        })),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/branches/:branch/protection',
    async (req) => {
      const project = repoOf(gh, req);
      const branch = req.params.branch!;
      if (!req.user || gh.world.accessLevel(req.user, project) < MAINTAINER) throw notFound();
      if (!(await project.repo.branchSha(branch))) throw notFound('Branch not found');
      if (!project.protectedBranches.has(branch)) throw notFound('Branch not protected');
      return ok(protectionJson(gh, project, branch, await requiredContexts(gh, project, branch)));
    },
    { anonymous: true },
  );

  gh.add('PUT', '/repos/:owner/:repo/branches/:branch/protection', async (req) => {
    const project = repoOf(gh, req, 'admin', 404);
    const branch = req.params.branch!;
    if (!(await project.repo.branchSha(branch))) throw notFound('Branch not found');
    const force = req.body.allow_force_pushes;
    const reviews = req.body.required_pull_request_reviews as Record<string, unknown> | null | undefined;
    project.protectedBranches.set(branch, {
      pushAccessLevel: project.protectedBranches.get(branch)?.pushAccessLevel ?? MAINTAINER,
      allowForcePush: force === true,
    });
    if (reviews && typeof reviews.required_approving_review_count === 'number')
      project.approvalsRequired = reviews.required_approving_review_count;
    return ok(protectionJson(gh, project, branch, await requiredContexts(gh, project, branch)));
  });

  gh.add('DELETE', '/repos/:owner/:repo/branches/:branch/protection', async (req) => {
    const project = repoOf(gh, req, 'admin', 404);
    const branch = req.params.branch!;
    if (!project.protectedBranches.delete(branch)) throw notFound('Branch not protected');
    return { status: 204 };
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/branches/:branch*',
    async (req) => {
      const project = repoOf(gh, req);
      const branch = req.params.branch!;
      const sha = await project.repo.branchSha(branch);
      if (!sha) throw notFound('Branch not found');
      const commit = (await loadCommit(gh, project, sha))!;
      const isProtected = project.protectedBranches.has(branch);
      const contexts = isProtected ? await requiredContexts(gh, project, branch) : [];
      return ok({
        name: branch,
        commit: commitJson(gh, project, commit),
        _links: {
          self: `${repoUrl(gh, project)}/branches/${encodeURIComponent(branch)}`,
          html: `${repoHtml(gh, project)}/tree/${branch}`,
        },
        protected: isProtected,
        protection: {
          enabled: isProtected,
          required_status_checks: {
            enforcement_level: isProtected ? 'non_admins' : 'off',
            contexts,
            checks: contexts.map((context) => ({ context, app_id: null })),
          },
        },
        protection_url: `${repoUrl(gh, project)}/branches/${encodeURIComponent(branch)}/protection`,
      });
    },
    { anonymous: true },
  );
}
