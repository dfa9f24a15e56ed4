import type { SimProject } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { SimError } from '../../core/world.js';
import { GhError, notFound, ok, repoOf, str, unprocessable, validationFailed, type Gh } from '../context.js';
import { listTree } from '../git-objects.js';
import { gitCommitJson, loadCommit } from '../serializers/commits.js';
import { repoHtml, repoUrl } from '../serializers/repos.js';
import { checkBranchWrite } from './protection.js';

function entryJson(
  gh: Gh,
  project: SimProject,
  ref: string,
  entry: { path: string; sha: string; type: string; size: number },
): Record<string, unknown> {
  const api = `${repoUrl(gh, project)}/contents/${entry.path}?ref=${encodeURIComponent(ref)}`;
  const kind = entry.type === 'tree' ? 'dir' : entry.type === 'commit' ? 'submodule' : 'file';
  const git = `${repoUrl(gh, project)}/git/${kind === 'dir' ? 'trees' : 'blobs'}/${entry.sha}`;
  const html = `${repoHtml(gh, project)}/${kind === 'dir' ? 'tree' : 'blob'}/${ref}/${entry.path}`;
  return {
    type: kind,
    size: kind === 'file' ? entry.size : 0,
    name: entry.path.split('/').pop(),
    path: entry.path,
    sha: entry.sha,
    url: api,
    git_url: git,
    html_url: html,
    download_url: kind === 'file' ? `${gh.web()}/${project.path}/raw/${ref}/${entry.path}` : null,
    _links: { self: api, git, html },
  };
}

function wantsRaw(req: SimRequest): boolean {
  return /vnd\.github(\.v3)?\.raw/.test(String(req.headers.accept ?? ''));
}

async function getContents(gh: Gh, req: SimRequest, path: string) {
  const project = repoOf(gh, req);
  const ref = req.query.get('ref') || project.defaultBranch;
  const sha = await project.repo.resolve(ref);
  if (!sha) throw notFound(`No commit found for the ref ${ref}`);
  const clean = path.replace(/^\/+|\/+$/g, '');
  if (clean === '') {
    const entries = await listTree(project.repo.dir, sha, false);
    return ok(entries.map((e) => entryJson(gh, project, ref, { ...e, size: e.size ?? 0 })));
  }
  const parent = clean.includes('/') ? clean.slice(0, clean.lastIndexOf('/')) : '';
  const siblings = await listTree(project.repo.dir, parent ? `${sha}:${parent}` : sha, false).catch(() => []);
  const name = clean.split('/').pop();
  const found = siblings.find((e) => e.path === name);
  if (!found) throw notFound();
  if (found.type === 'tree') {
    const entries = await listTree(project.repo.dir, `${sha}:${clean}`, false);
    return ok(
      entries.map((e) =>
        entryJson(gh, project, ref, { ...e, path: `${clean}/${e.path}`, size: e.size ?? 0 }),
      ),
    );
  }
  const content = (await project.repo.readFile(sha, clean)) ?? Buffer.alloc(0);
  if (wantsRaw(req))
    return {
      status: 200,
      body: content,
      headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' },
    };
  return ok({
    ...entryJson(gh, project, ref, { path: clean, sha: found.sha, type: 'blob', size: content.length }),
    content: content.toString('base64').replace(/(.{60})/g, '$1\n'),
    encoding: 'base64',
  });
}

/** Repository contents: read files and directories (JSON or raw), create or update a file. */
export function registerContents(gh: Gh): void {
  gh.add('GET', '/repos/:owner/:repo/contents', (req) => getContents(gh, req, ''), { anonymous: true });
  gh.add('GET', '/repos/:owner/:repo/contents/:path*', (req) => getContents(gh, req, req.params.path!), {
    anonymous: true,
  });

  // download_url (raw.githubusercontent.com on GitHub): the file's bytes, for whoever can read the repository.
  gh.add(
    'GET',
    '/:owner/:repo/raw/:ref/:path*',
    async (req) => {
      const project = repoOf(gh, req);
      const sha = await project.repo.resolve(req.params.ref!);
      const content = sha ? await project.repo.readFile(sha, req.params.path!) : null;
      if (!content)
        return {
          status: 404,
          body: '404: Not Found',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        };
      return { status: 200, body: content, headers: { 'content-type': 'text/plain; charset=utf-8' } };
    },
    { anonymous: true },
  );

  gh.add('PUT', '/repos/:owner/:repo/contents/:path*', async (req) => {
    const project = repoOf(gh, req, 'push');
    const path = req.params.path!.replace(/^\/+|\/+$/g, '');
    const message = str(req.body.message);
    const content = str(req.body.content);
    if (message === undefined)
      throw validationFailed({ resource: 'Commit', code: 'missing_field', field: 'message' });
    if (content === undefined)
      throw validationFailed({ resource: 'Commit', code: 'missing_field', field: 'content' });
    const branch = str(req.body.branch) ?? project.defaultBranch;
    const head = await project.repo.branchSha(branch);
    if (!head) throw notFound(`Branch ${branch} not found`);
    const current = await project.repo.blobSha(head, path);
    const given = str(req.body.sha);
    if (current && !given) throw unprocessable('Invalid request.\n\n"sha" wasn\'t supplied.');
    if (current && given !== current) throw new GhError(409, `${path} does not match ${given}`);
    if (!current && given) throw new GhError(409, `${path} does not match ${given}`);
    checkBranchWrite(gh, project, req.user, branch, {});
    const user = req.user!;
    const author = req.body.author as { name?: string; email?: string } | undefined;
    let sha: string;
    try {
      sha = await gh.world.commit({
        project,
        branch,
        files: { [path]: Buffer.from(content, 'base64') },
        message,
        userId: user.id,
        author:
          author?.name && author.email
            ? { name: author.name, email: author.email }
            : { name: user.name, email: user.email },
      });
    } catch (error) {
      if (error instanceof SimError && error.status === 409)
        throw new GhError(409, `${path} does not match ${given}`);
      throw error;
    }
    const blob = (await project.repo.blobSha(sha, path))!;
    const size = (await project.repo.readFile(sha, path))?.length ?? 0;
    return ok(
      {
        content: entryJson(gh, project, branch, { path, sha: blob, type: 'blob', size }),
        commit: gitCommitJson(gh, project, (await loadCommit(gh, project, sha))!),
      },
      current ? 200 : 201,
    );
  });
}
