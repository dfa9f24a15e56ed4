import type { SimProject } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { notFound, ok, repoOf, unprocessable, type Gh } from '../context.js';
import { countCommits, fileStats, logCommits } from '../git-objects.js';
import { paged, pageParams, linkHeader } from '../paging.js';
import { commitJson, loadCommit, remember } from '../serializers/commits.js';
import { pullJson } from '../serializers/pulls.js';

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Resolve a `{ref}` path parameter (sha, branch, tag) or answer 422 as GitHub does. */
export async function commitOf(project: SimProject, ref: string): Promise<string> {
  const sha = await project.repo.resolve(ref);
  if (!sha) throw unprocessable(`No commit found for SHA: ${ref}`);
  return sha;
}

function wantsSha(req: SimRequest): boolean {
  return /vnd\.github(\.v3)?\.sha/.test(String(req.headers.accept ?? ''));
}

/** Commits: list (by branch, path, dates), get one (with files), and PRs of a commit. */
export function registerCommits(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/commits',
    async (req) => {
      const project = repoOf(gh, req);
      const ref = req.query.get('sha') || project.defaultBranch;
      const head = await project.repo.resolve(ref);
      if (!head) throw notFound();
      const { page, perPage } = pageParams(req);
      const query = {
        ref: head,
        path: req.query.get('path') ?? undefined,
        since: req.query.get('since') ?? undefined,
        until: req.query.get('until') ?? undefined,
        author: req.query.get('author') ?? undefined,
      };
      const total = await countCommits(project.repo.dir, query);
      const commits = await logCommits(project.repo.dir, {
        ...query,
        skip: (page - 1) * perPage,
        max: perPage,
      });
      remember(gh, project, commits);
      const link = linkHeader(gh, req, page, Math.max(1, Math.ceil(total / perPage)));
      return ok(
        commits.map((c) => commitJson(gh, project, c)),
        200,
        link ? { link } : {},
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/commits/:ref/pulls',
    async (req) => {
      const project = repoOf(gh, req);
      const sha = await commitOf(project, req.params.ref!);
      const pulls = [];
      for (const mr of gh.world.mergeRequestsOf(project)) {
        const head = await gh.world.mrHeadSha(mr);
        if (
          head === sha ||
          mr.mergeCommitSha === sha ||
          (mr.state === 'opened' &&
            (await project.repo.isAncestor(sha, head)) &&
            !(await project.repo.isAncestor(sha, (await project.repo.branchSha(mr.targetBranch)) ?? head)))
        )
          pulls.push(mr);
      }
      const page = paged(
        gh,
        req,
        pulls.sort((a, b) => b.iid - a.iid),
      );
      return ok(
        await Promise.all(page.items.map((mr) => pullJson(gh, project, mr, req.user, false))),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/commits/:ref*',
    async (req) => {
      const project = repoOf(gh, req);
      const sha = await commitOf(project, req.params.ref!);
      if (wantsSha(req))
        return {
          status: 200,
          body: sha,
          headers: { 'content-type': 'application/vnd.github.sha; charset=utf-8' },
        };
      const commit = (await loadCommit(gh, project, sha))!;
      const files = await fileStats(project.repo.dir, commit.parents[0] ?? EMPTY_TREE, sha, false);
      return ok(commitJson(gh, project, commit, files));
    },
    { anonymous: true },
  );
}
