import { createHash } from 'node:crypto';
import { ACCESS } from '../../core/world.js';
import { loadProject, P, page, type Gitlab } from '../context.js';
import { notFound } from '../errors.js';
import { bool, required, str } from '../params.js';

function looksBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

export function registerFiles(gl: Gitlab): void {
  gl.add('GET', `${P}/repository/files/:file_path`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const [ref] = required(req, 'ref');
    const path = req.params.file_path!;
    const commitId = await project.repo.resolve(ref!);
    const content = commitId ? await project.repo.readFile(commitId, path) : null;
    if (!commitId || content === null) throw notFound('File');
    const [last] = await project.repo.log(commitId, { max: 1, path });
    return {
      body: {
        file_name: path.split('/').pop(),
        file_path: path,
        size: content.length,
        encoding: 'base64',
        content_sha256: createHash('sha256').update(content).digest('hex'),
        ref,
        blob_id: await project.repo.blobSha(commitId, path),
        commit_id: commitId,
        last_commit_id: last?.sha ?? commitId,
        execute_filemode: false,
        content: content.toString('base64'),
      },
    };
  });

  gl.add('GET', `${P}/repository/files/:file_path/raw`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const ref = str(req, 'ref') ?? project.defaultBranch;
    const path = req.params.file_path!;
    const commitId = await project.repo.resolve(ref);
    const content = commitId ? await project.repo.readFile(commitId, path) : null;
    if (!commitId || content === null) throw notFound('File');
    const blobId = (await project.repo.blobSha(commitId, path))!;
    return {
      body: content,
      headers: {
        'content-type': looksBinary(content) ? 'application/octet-stream' : 'text/plain; charset=utf-8',
        'x-gitlab-blob-id': blobId,
        'x-gitlab-commit-id': commitId,
        'x-gitlab-file-path': path,
        'x-gitlab-ref': ref,
        'x-gitlab-size': String(content.length),
      },
    };
  });

  gl.add('GET', `${P}/repository/tree`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const ref = str(req, 'ref') ?? project.defaultBranch;
    const path = (str(req, 'path') ?? '').replace(/^\/+|\/+$/g, '');
    const commitId = await project.repo.resolve(ref);
    if (!commitId) throw notFound('Tree');
    const entries = await project.repo.listTree(commitId, path, bool(req, 'recursive') ?? false);
    if (entries.length === 0 && path) throw notFound('Tree');
    const { items, headers } = page(
      gl,
      req,
      entries.map((e) => ({
        id: e.sha,
        name: e.path.split('/').pop(),
        type: e.type,
        path: e.path,
        mode: e.mode,
      })),
    );
    return { body: items, headers };
  });
}
