import type { SimUser } from '../../core/model.js';
import {
  bool,
  ghTime,
  GhError,
  notFound,
  ok,
  repoOf,
  requireUser,
  str,
  validationFailed,
  type Gh,
} from '../context.js';
import { fullRepoJson } from '../serializers/repos.js';
import { simpleUser } from '../serializers/users.js';
import { repoSettings } from '../state.js';

/** GET /user, GET /users/{username}, GET/PATCH /repos/{owner}/{repo}. */
export function registerRepos(gh: Gh): void {
  // The public profile (GitHub's "public-user"): what /users/{username} shows, and what /user
  // shows a token without the `user` scope.
  const publicUser = (user: SimUser) => ({
    ...simpleUser(gh, user),
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: ghTime(user.createdAt),
    updated_at: ghTime(user.createdAt),
  });

  gh.add('GET', '/user', (req) => ok(publicUser(requireUser(req))));

  gh.add(
    'GET',
    '/users/:username',
    (req) => {
      const user = gh.world.userByName(req.params.username!);
      if (!user) throw notFound();
      return ok(publicUser(user));
    },
    { anonymous: true },
  );

  gh.add('GET', '/repos/:owner/:repo', (req) => ok(fullRepoJson(gh, repoOf(gh, req), req.user)), {
    anonymous: true,
  });

  gh.add('PATCH', '/repos/:owner/:repo', async (req) => {
    const project = repoOf(gh, req, 'admin', 403);
    const settings = repoSettings(gh.world, project);
    const b = req.body;
    if (bool(b.allow_auto_merge) !== undefined) project.allowAutoMerge = bool(b.allow_auto_merge)!;
    if (bool(b.delete_branch_on_merge) !== undefined)
      settings.deleteBranchOnMerge = bool(b.delete_branch_on_merge)!;
    if (bool(b.allow_merge_commit) !== undefined) settings.allowMergeCommit = bool(b.allow_merge_commit)!;
    if (bool(b.allow_squash_merge) !== undefined) settings.allowSquashMerge = bool(b.allow_squash_merge)!;
    if (bool(b.allow_rebase_merge) !== undefined) settings.allowRebaseMerge = bool(b.allow_rebase_merge)!;
    if (bool(b.has_issues) !== undefined) settings.hasIssues = bool(b.has_issues)!;
    if (bool(b.archived) !== undefined) project.archived = bool(b.archived)!;
    if (str(b.description) !== undefined) project.description = str(b.description)!;
    if (bool(b.private) !== undefined) project.visibility = bool(b.private) ? 'private' : 'public';
    const visibility = str(b.visibility);
    if (visibility === 'public' || visibility === 'private' || visibility === 'internal')
      project.visibility = visibility;
    const defaultBranch = str(b.default_branch);
    if (defaultBranch !== undefined) {
      if (!(await project.repo.branchSha(defaultBranch)))
        throw validationFailed({ resource: 'Repository', code: 'invalid', field: 'default_branch' });
      project.defaultBranch = defaultBranch;
    }
    if (!settings.allowMergeCommit && !settings.allowSquashMerge && !settings.allowRebaseMerge)
      throw new GhError(422, 'Sorry, you need to allow at least one merge strategy. (no_merge_method)');
    return ok(fullRepoJson(gh, project, req.user));
  });
}
