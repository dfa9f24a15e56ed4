import { notFound, ok, repoOf, type Gh } from '../context.js';
import { fileStats, logCommits } from '../git-objects.js';
import { linkHeader, pageParams } from '../paging.js';
import { commitJson, fileJson, loadCommit, remember } from '../serializers/commits.js';
import { repoHtml, repoUrl } from '../serializers/repos.js';

/** GET /compare/{base}...{head}: status, ahead/behind, commits oldest first (paginated), files. */
export function registerCompare(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/compare/:basehead*',
    async (req) => {
      const project = repoOf(gh, req);
      const spec = req.params.basehead!;
      const split = spec.indexOf('...');
      if (split < 0) throw notFound();
      // `owner:branch` names a branch of a fork; only this repository's branches exist here.
      const strip = (ref: string) => (ref.includes(':') ? ref.slice(ref.indexOf(':') + 1) : ref);
      const baseRef = strip(spec.slice(0, split));
      const headRef = strip(spec.slice(split + 3));
      const base = await project.repo.resolve(baseRef);
      const head = await project.repo.resolve(headRef);
      if (!base || !head) throw notFound();
      const mergeBase = await project.repo.mergeBase(base, head);
      const aheadBy = mergeBase
        ? await project.repo.countCommits(head, mergeBase)
        : await project.repo.countCommits(head);
      const behindBy = mergeBase
        ? await project.repo.countCommits(base, mergeBase)
        : await project.repo.countCommits(base);
      const status =
        base === head ? 'identical' : behindBy === 0 ? 'ahead' : aheadBy === 0 ? 'behind' : 'diverged';
      const paginating = req.query.has('page') || req.query.has('per_page');
      const { page, perPage } = paginating ? pageParams(req, 250) : { page: 1, perPage: 250 };
      const commits = await logCommits(project.repo.dir, {
        ref: head,
        exclude: mergeBase ?? undefined,
        reverse: true,
        skip: (page - 1) * perPage,
        max: perPage,
      });
      remember(gh, project, commits);
      const files = page === 1 ? (await fileStats(project.repo.dir, base, head, true)).slice(0, 300) : [];
      const baseCommit = (await loadCommit(gh, project, base))!;
      const mergeBaseCommit = mergeBase ? await loadCommit(gh, project, mergeBase) : null;
      const link = paginating
        ? linkHeader(gh, req, page, Math.max(1, Math.ceil(aheadBy / perPage)))
        : undefined;
      const range = `${baseRef}...${headRef}`;
      return ok(
        {
          url: `${repoUrl(gh, project)}/compare/${range}`,
          html_url: `${repoHtml(gh, project)}/compare/${range}`,
          permalink_url: `${repoHtml(gh, project)}/compare/${project.namespace}:${base.slice(0, 7)}...${project.namespace}:${head.slice(0, 7)}`,
          diff_url: `${repoHtml(gh, project)}/compare/${range}.diff`,
          patch_url: `${repoHtml(gh, project)}/compare/${range}.patch`,
          base_commit: commitJson(gh, project, baseCommit),
          merge_base_commit: mergeBaseCommit ? commitJson(gh, project, mergeBaseCommit) : null,
          status,
          ahead_by: aheadBy,
          behind_by: behindBy,
          total_commits: aheadBy,
          commits: commits.map((c) => commitJson(gh, project, c)),
          files: files.map((f) => fileJson(gh, project, head, f)),
        },
        200,
        link ? { link } : {},
      );
    },
    { anonymous: true },
  );
}
