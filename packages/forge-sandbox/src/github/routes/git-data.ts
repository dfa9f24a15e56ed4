import type { SimProject, SimUser } from '../../core/model.js';
import { nodeId, notFound, ok, repoOf, str, unprocessable, validationFailed, type Gh } from '../context.js';
import {
  buildTree,
  commitTree,
  hashBlob,
  listTree,
  objectType,
  readBlob,
  treeOf,
  TreeInputError,
  type GitIdentity,
  type TreeInput,
} from '../git-objects.js';
import { gitCommitJson, loadCommit } from '../serializers/commits.js';
import { repoUrl } from '../serializers/repos.js';

function identityFrom(value: unknown, fallback: SimUser, now: string): GitIdentity {
  const v = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return {
    name: str(v.name) ?? fallback.name,
    email: str(v.email) ?? fallback.email,
    date: str(v.date) ?? now,
  };
}

async function treeJson(gh: Gh, project: SimProject, treeish: string, recursive: boolean) {
  const sha = await treeOf(project.repo.dir, treeish);
  if (!sha) return null;
  const url = repoUrl(gh, project);
  const entries = await listTree(project.repo.dir, sha, recursive);
  return {
    sha,
    url: `${url}/git/trees/${sha}`,
    tree: entries.map((e) => ({
      path: e.path,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.size !== undefined ? { size: e.size } : {}),
      url: `${url}/git/${e.type === 'tree' ? 'trees' : 'blobs'}/${e.sha}`,
    })),
    truncated: false,
  };
}

/** The Git Database API: blobs, trees and commits as objects (refs move through refs.ts). */
export function registerGitData(gh: Gh): void {
  gh.add('POST', '/repos/:owner/:repo/git/blobs', async (req) => {
    const project = repoOf(gh, req, 'push');
    const content = req.body.content;
    if (typeof content !== 'string')
      throw validationFailed({ resource: 'Blob', code: 'missing_field', field: 'content' });
    const encoding = str(req.body.encoding) ?? 'utf-8';
    if (encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'base64')
      throw validationFailed({ resource: 'Blob', code: 'invalid', field: 'encoding' });
    const bytes = encoding === 'base64' ? Buffer.from(content, 'base64') : Buffer.from(content, 'utf8');
    const sha = await hashBlob(project.repo.dir, bytes);
    return ok({ url: `${repoUrl(gh, project)}/git/blobs/${sha}`, sha }, 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/git/blobs/:sha',
    async (req) => {
      const project = repoOf(gh, req);
      const sha = req.params.sha!;
      const bytes = await readBlob(project.repo.dir, sha);
      if (!bytes) throw notFound();
      return ok({
        sha,
        node_id: nodeId('B', sha),
        size: bytes.length,
        url: `${repoUrl(gh, project)}/git/blobs/${sha}`,
        content: bytes.toString('base64').replace(/(.{60})/g, '$1\n'),
        encoding: 'base64',
      });
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/git/trees', async (req) => {
    const project = repoOf(gh, req, 'push');
    const tree = req.body.tree;
    if (!Array.isArray(tree))
      throw validationFailed({ resource: 'Tree', code: 'missing_field', field: 'tree' });
    const baseTree = str(req.body.base_tree);
    let base: string | null = null;
    if (baseTree) {
      base = await treeOf(project.repo.dir, baseTree);
      if (!base) throw unprocessable('base_tree is not a valid tree oid');
    }
    const entries: TreeInput[] = tree.map((raw: unknown) => {
      const e = (raw ?? {}) as Record<string, unknown>;
      return {
        path: str(e.path) ?? '',
        mode: str(e.mode) ?? '',
        type: str(e.type),
        sha: e.sha === null ? null : str(e.sha),
        content: str(e.content),
      };
    });
    let sha: string;
    try {
      sha = await buildTree(project.repo.dir, base, entries);
    } catch (error) {
      if (error instanceof TreeInputError) throw unprocessable(error.message);
      throw error;
    }
    return ok(await treeJson(gh, project, sha, false), 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/git/trees/:sha*',
    async (req) => {
      const project = repoOf(gh, req);
      const recursive = ['1', 'true'].includes(req.query.get('recursive') ?? '');
      const json = await treeJson(gh, project, req.params.sha!, recursive);
      if (!json) throw notFound();
      return ok(json);
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/git/commits', async (req) => {
    const project = repoOf(gh, req, 'push');
    const user = req.user!;
    const message = str(req.body.message);
    const tree = str(req.body.tree);
    if (message === undefined)
      throw validationFailed({ resource: 'Commit', code: 'missing_field', field: 'message' });
    if (!tree || (await objectType(project.repo.dir, tree)) !== 'tree')
      throw unprocessable('Tree SHA does not exist');
    const parents = Array.isArray(req.body.parents) ? req.body.parents.map(String) : [];
    for (const p of parents)
      if ((await objectType(project.repo.dir, p)) !== 'commit')
        throw unprocessable('Parent SHA does not exist or is not a commit object');
    const now = gh.world.nowIso();
    const author = identityFrom(req.body.author, user, now);
    const committer = req.body.committer
      ? identityFrom(req.body.committer, user, now)
      : { ...author, date: now };
    const sha = await commitTree(project.repo.dir, { tree, parents, message, author, committer });
    return ok(gitCommitJson(gh, project, (await loadCommit(gh, project, sha))!), 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/git/commits/:sha',
    async (req) => {
      const project = repoOf(gh, req);
      const sha = req.params.sha!;
      if ((await objectType(project.repo.dir, sha)) !== 'commit') throw notFound();
      const commit = await loadCommit(gh, project, sha);
      if (!commit) throw notFound();
      return ok(gitCommitJson(gh, project, commit));
    },
    { anonymous: true },
  );
}
