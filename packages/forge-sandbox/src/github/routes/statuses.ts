import type { SimCommitStatus, SimProject } from '../../core/model.js';
import { combinedState, ghStatusState, latestPerContext, simStatusState, statusesOf } from '../checks.js';
import { ghTime, nodeId, ok, repoOf, str, validationFailed, type Gh } from '../context.js';
import { objectType } from '../git-objects.js';
import { paged } from '../paging.js';
import { minimalRepoJson, repoUrl } from '../serializers/repos.js';
import { userJson } from '../serializers/users.js';
import { commitOf } from './commits.js';

export function statusJson(gh: Gh, project: SimProject, s: SimCommitStatus): Record<string, unknown> {
  return {
    url: `${repoUrl(gh, project)}/statuses/${s.sha}`,
    avatar_url: `${gh.web()}/avatars/u/${s.creatorId}`,
    id: s.id,
    node_id: nodeId('SC', s.id),
    state: ghStatusState(s.state),
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: ghTime(s.createdAt),
    updated_at: ghTime(s.updatedAt),
    creator: userJson(gh, s.creatorId),
  };
}

/** Commit statuses: create, list (every update, newest first) and the combined status. */
export function registerStatuses(gh: Gh, onChange: () => Promise<void>): void {
  gh.add('POST', '/repos/:owner/:repo/statuses/:sha', async (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const sha = req.params.sha!;
    if ((await objectType(project.repo.dir, sha)) !== 'commit')
      throw validationFailed({
        resource: 'Status',
        code: 'custom',
        field: 'sha',
        message: `No commit found for SHA: ${sha}`,
      });
    const full = (await project.repo.resolve(sha))!;
    const state = simStatusState(str(req.body.state) ?? '');
    if (!state)
      throw validationFailed({
        resource: 'Status',
        code: 'custom',
        field: 'state',
        message: 'state is not included in the list',
      });
    const now = gh.world.nowIso();
    const status: SimCommitStatus = {
      id: gh.world.nextId('status'),
      projectId: project.id,
      sha: full,
      context: str(req.body.context) || 'default',
      state,
      description: str(req.body.description) ?? null,
      targetUrl: str(req.body.target_url) ?? null,
      creatorId: req.user!.id,
      createdAt: now,
      updatedAt: now,
    };
    gh.world.statuses.push(status);
    await onChange();
    return ok(statusJson(gh, project, status), 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/commits/:ref/statuses',
    async (req) => {
      const project = repoOf(gh, req);
      const sha = await commitOf(project, req.params.ref!);
      const page = paged(gh, req, statusesOf(gh, project, sha));
      return ok(
        page.items.map((s) => statusJson(gh, project, s)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/commits/:ref/status',
    async (req) => {
      const project = repoOf(gh, req);
      const sha = await commitOf(project, req.params.ref!);
      const latest = latestPerContext(statusesOf(gh, project, sha));
      const page = paged(gh, req, latest, 100);
      return ok(
        {
          state: combinedState(latest),
          statuses: page.items.map((s) => {
            const { creator: _creator, ...rest } = statusJson(gh, project, s);
            return rest;
          }),
          sha,
          total_count: latest.length,
          repository: minimalRepoJson(gh, project),
          commit_url: `${repoUrl(gh, project)}/commits/${sha}`,
          url: `${repoUrl(gh, project)}/commits/${sha}/status`,
        },
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );
}
