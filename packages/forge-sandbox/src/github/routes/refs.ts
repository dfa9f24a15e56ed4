import type { SimProject } from '../../core/model.js';
import { SimError } from '../../core/world.js';
import { bool, GhError, nodeId, notFound, ok, repoOf, str, unprocessable, type Gh } from '../context.js';
import { objectType } from '../git-objects.js';
import { repoUrl } from '../serializers/repos.js';
import { checkBranchWrite } from './protection.js';

interface RefEntry {
  ref: string;
  sha: string;
}

async function allRefs(project: SimProject): Promise<RefEntry[]> {
  const heads = (await project.repo.listBranches()).map((b) => ({ ref: `refs/heads/${b.name}`, sha: b.sha }));
  const tags = (await project.repo.listTags()).map((t) => ({ ref: `refs/tags/${t.name}`, sha: t.sha }));
  return [...heads, ...tags].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

export function refJson(gh: Gh, project: SimProject, entry: RefEntry): Record<string, unknown> {
  const url = repoUrl(gh, project);
  return {
    ref: entry.ref,
    node_id: nodeId('REF', `${project.id}:${entry.ref}`),
    url: `${url}/git/${entry.ref}`,
    object: { sha: entry.sha, type: 'commit', url: `${url}/git/commits/${entry.sha}` },
  };
}

/** `heads/main` (as in the URL) or `refs/heads/main` → `refs/heads/main`. */
function fullRef(ref: string): string {
  const trimmed = ref.replace(/^\/+/, '');
  return trimmed.startsWith('refs/') ? trimmed : `refs/${trimmed}`;
}

function branchOf(ref: string): string | null {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
}

async function readRef(project: SimProject, ref: string): Promise<string | null> {
  const result = await project.repo.resolve(ref);
  return result && (ref.startsWith('refs/heads/') || ref.startsWith('refs/tags/')) ? result : null;
}

/** Git references: get (exact), matching-refs (prefix), create, update (with force), delete. */
export function registerRefs(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/git/ref/:ref*',
    async (req) => {
      const project = repoOf(gh, req);
      const ref = fullRef(req.params.ref!);
      const sha = await readRef(project, ref);
      if (!sha) throw notFound();
      return ok(refJson(gh, project, { ref, sha }));
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/git/matching-refs/:ref*',
    async (req) => {
      const project = repoOf(gh, req);
      const prefix = fullRef(req.params.ref!);
      const refs = (await allRefs(project)).filter((r) => r.ref.startsWith(prefix));
      return ok(refs.map((r) => refJson(gh, project, r)));
    },
    { anonymous: true },
  );

  // The older list form: an exact ref answers one object, a prefix a list.
  gh.add(
    'GET',
    '/repos/:owner/:repo/git/refs',
    async (req) => {
      const project = repoOf(gh, req);
      return ok((await allRefs(project)).map((r) => refJson(gh, project, r)));
    },
    { anonymous: true },
  );
  gh.add(
    'GET',
    '/repos/:owner/:repo/git/refs/:ref*',
    async (req) => {
      const project = repoOf(gh, req);
      const ref = fullRef(req.params.ref!);
      const refs = await allRefs(project);
      const exact = refs.find((r) => r.ref === ref);
      if (exact) return ok(refJson(gh, project, exact));
      const matching = refs.filter((r) => r.ref.startsWith(`${ref}/`));
      if (matching.length === 0) throw notFound();
      return ok(matching.map((r) => refJson(gh, project, r)));
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/git/refs', async (req) => {
    const project = repoOf(gh, req, 'push');
    const ref = str(req.body.ref);
    const sha = str(req.body.sha);
    if (!ref || !sha) throw unprocessable('Invalid request.\n\n"ref" and "sha" are required.');
    if (!ref.startsWith('refs/') || ref.split('/').length < 3)
      throw unprocessable("Reference name must start with 'refs/' and have at least two slashes.");
    if ((await objectType(project.repo.dir, sha)) !== 'commit') throw unprocessable('Object does not exist');
    if (await project.repo.resolve(ref)) throw unprocessable('Reference already exists');
    const user = req.user!;
    const branch = branchOf(ref);
    try {
      if (branch) {
        await gh.world.setBranch(project, branch, sha, { userId: user.id, expectOld: null });
        if (gh.state.refLag) gh.state.laggingRefs.add(`${project.id}:${branch}`);
      } else if (ref.startsWith('refs/tags/'))
        await gh.world.createTag(project, ref.slice('refs/tags/'.length), sha, user.id);
      else throw unprocessable('Reference update failed');
    } catch (error) {
      if (error instanceof SimError)
        throw unprocessable(error.status === 409 ? 'Reference already exists' : error.message);
      throw error;
    }
    return ok(refJson(gh, project, { ref, sha: (await project.repo.resolve(ref))! }), 201);
  });

  gh.add('PATCH', '/repos/:owner/:repo/git/refs/:ref*', async (req) => {
    const project = repoOf(gh, req, 'push');
    const ref = fullRef(req.params.ref!);
    const sha = str(req.body.sha);
    const force = bool(req.body.force) ?? false;
    if (!sha) throw unprocessable('Invalid request.\n\n"sha" wasn\'t supplied.');
    const current = await readRef(project, ref);
    if (!current) throw unprocessable('Reference does not exist');
    if ((await objectType(project.repo.dir, sha)) !== 'commit') throw unprocessable('Object does not exist');
    const fastForward = current === sha || (await project.repo.isAncestor(current, sha));
    if (!fastForward && !force) throw unprocessable('Update is not a fast forward');
    const branch = branchOf(ref);
    if (branch) {
      checkBranchWrite(gh, project, req.user, branch, { force: !fastForward });
      try {
        await gh.world.setBranch(project, branch, sha, { force, userId: req.user!.id, expectOld: current });
      } catch (error) {
        if (!(error instanceof SimError)) throw error;
        if (error.code === 'not_fast_forward') throw unprocessable('Update is not a fast forward');
        throw unprocessable('Reference update failed');
      }
    } else if (!(await project.repo.updateRef(ref, sha, current))) {
      throw unprocessable('Reference update failed');
    }
    return ok(refJson(gh, project, { ref, sha }));
  });

  gh.add('DELETE', '/repos/:owner/:repo/git/refs/:ref*', async (req) => {
    const project = repoOf(gh, req, 'push');
    const ref = fullRef(req.params.ref!);
    if (!(await readRef(project, ref))) throw unprocessable('Reference does not exist');
    const branch = branchOf(ref);
    if (branch) {
      checkBranchWrite(gh, project, req.user, branch, { deletion: true });
      if (branch === project.defaultBranch) throw new GhError(422, 'Cannot delete the default branch');
      await gh.world.deleteBranch(project, branch, req.user!.id);
    } else {
      await project.repo.deleteRef(ref);
    }
    return { status: 204 };
  });
}
