import type { GitPerson } from '../../core/git.js';
import type { SimProject } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { ACCESS } from '../../core/world.js';
import { canPush, currentUser, loadProject, P, page, type Gitlab } from '../context.js';
import { apiError, forbidden, invalidValue, missing, notFound } from '../errors.js';
import { commitStats, logShas } from '../git-extra.js';
import { bool, date, param, required, str } from '../params.js';
import { commitBasic, commitDetail } from '../serializers/commit.js';
import { mergeRequestBasic } from '../serializers/merge-request.js';

const ACTIONS = ['create', 'update', 'delete', 'move', 'chmod'] as const;

interface CommitAction {
  action: (typeof ACTIONS)[number];
  file_path: string;
  previous_path?: string;
  content?: string;
  encoding?: 'text' | 'base64';
  last_commit_id?: string;
}

function parseActions(req: SimRequest): CommitAction[] {
  const raw = param(req, 'actions');
  if (raw === undefined) throw missing('actions');
  if (!Array.isArray(raw)) throw invalidValue('actions');
  if (raw.length === 0) throw apiError(400, 'actions is empty');
  return raw.map((entry: unknown, i: number) => {
    const a = (entry ?? {}) as Record<string, unknown>;
    if (a.action === undefined) throw missing(`actions[${i}][action]`);
    if (!ACTIONS.includes(a.action as CommitAction['action'])) throw invalidValue(`actions[${i}][action]`);
    if (a.file_path === undefined || a.file_path === '') throw missing(`actions[${i}][file_path]`);
    if (a.encoding !== undefined && a.encoding !== 'text' && a.encoding !== 'base64')
      throw invalidValue(`actions[${i}][encoding]`);
    return {
      action: a.action as CommitAction['action'],
      file_path: String(a.file_path),
      previous_path: a.previous_path === undefined ? undefined : String(a.previous_path),
      content: a.content === undefined || a.content === null ? undefined : String(a.content),
      encoding: a.encoding as CommitAction['encoding'],
      last_commit_id: a.last_commit_id === undefined ? undefined : String(a.last_commit_id),
    };
  });
}

function decode(a: CommitAction): Buffer {
  return Buffer.from(a.content ?? '', a.encoding === 'base64' ? 'base64' : 'utf8');
}

/** Files::MultiService's checks, against the tree the commit will be based on. */
async function buildChanges(
  project: SimProject,
  base: string | null,
  actions: CommitAction[],
): Promise<Record<string, Buffer | string | null>> {
  const files: Record<string, Buffer | string | null> = {};
  const exists = async (path: string) => {
    if (path in files) return files[path] !== null;
    return base !== null && (await project.repo.blobSha(base, path)) !== null;
  };
  for (const a of actions) {
    const path = a.file_path.replace(/^\/+/, '');
    if (a.last_commit_id && base) {
      const [last] = await project.repo.log(base, { max: 1, path });
      if (last && last.sha !== a.last_commit_id)
        throw apiError(400, `The file has changed since you started editing it: ${path}`);
    }
    switch (a.action) {
      case 'create':
        if (await exists(path)) throw apiError(400, 'A file with this name already exists');
        files[path] = decode(a);
        break;
      case 'update':
        if (!(await exists(path))) throw apiError(400, "A file with this name doesn't exist");
        files[path] = decode(a);
        break;
      case 'delete':
        if (!(await exists(path))) throw apiError(400, "A file with this name doesn't exist");
        files[path] = null;
        break;
      case 'move': {
        const from = (a.previous_path ?? '').replace(/^\/+/, '');
        if (!from || !(await exists(from))) throw apiError(400, "A file with this name doesn't exist");
        if (from !== path && (await exists(path)))
          throw apiError(400, 'A file with this name already exists');
        const content =
          a.content !== undefined
            ? decode(a)
            : from in files
              ? files[from]!
              : ((await project.repo.readFile(base!, from)) ?? Buffer.alloc(0));
        files[from] = null;
        files[path] = content;
        break;
      }
      case 'chmod':
        // The simulator stores every file as 100644; a mode change is accepted and ignored.
        if (!(await exists(path))) throw apiError(400, "A file with this name doesn't exist");
        break;
    }
  }
  return files;
}

export function registerCommits(gl: Gitlab): void {
  gl.add('GET', `${P}/repository/commits`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const ref = str(req, 'ref_name') ?? project.defaultBranch;
    const since = date(req, 'since');
    const until = date(req, 'until');
    const path = str(req, 'path');
    const firstParent = bool(req, 'first_parent') ?? false;
    if (!(await project.repo.resolve(ref))) return { body: [], headers: page(gl, req, []).headers };
    const shas = await logShas(project.repo.dir, ref, { since, until, path, firstParent });
    const { items, headers } = page(gl, req, shas);
    // One `git log` warms the commit cache for the whole page (instead of one git call per commit).
    if (items[0]) await project.repo.log(items[0], { max: items.length, path });
    const body = [];
    for (const sha of items) body.push(commitBasic(gl, project, (await project.repo.getCommit(sha))!));
    if (bool(req, 'with_stats')) {
      for (const entry of body) {
        const c = (await project.repo.getCommit(entry.id as string))!;
        entry.stats = await commitStats(project.repo.dir, c.sha, c.parents[0]);
      }
    }
    return { body, headers };
  });

  gl.add('GET', `${P}/repository/commits/:sha`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const sha = await project.repo.resolve(req.params.sha!);
    const commit = sha ? await project.repo.getCommit(sha) : null;
    if (!commit) throw notFound('Commit');
    return { body: await commitDetail(gl, project, commit) };
  });

  gl.add('GET', `${P}/repository/commits/:sha/refs`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const sha = await project.repo.resolve(req.params.sha!);
    if (!sha) throw notFound('Commit');
    const type = str(req, 'type') ?? 'all';
    const refs: { type: string; name: string }[] = [];
    if (type === 'all' || type === 'branch')
      for (const b of await project.repo.listBranches())
        if (await project.repo.isAncestor(sha, b.sha)) refs.push({ type: 'branch', name: b.name });
    if (type === 'all' || type === 'tag')
      for (const t of await project.repo.listTags())
        if (await project.repo.isAncestor(sha, t.sha)) refs.push({ type: 'tag', name: t.name });
    const { items, headers } = page(gl, req, refs);
    return { body: items, headers };
  });

  gl.add('POST', `${P}/repository/commits`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const user = currentUser(req);
    const [branch, message] = required(req, 'branch', 'commit_message');
    const actions = parseActions(req);
    const startBranch = str(req, 'start_branch');
    const startSha = str(req, 'start_sha');
    const force = bool(req, 'force') ?? false;
    if (!canPush(gl, user, project, branch!)) throw forbidden('You are not allowed to push into this branch');
    const current = await project.repo.branchSha(branch!);
    const startRef = startSha ?? startBranch ?? branch!;
    const differentStart = startSha !== undefined || (startBranch !== undefined && startBranch !== branch);
    if (startSha !== undefined && !(await project.repo.getCommit(startSha)))
      throw apiError(400, `Invalid start_sha: ${startSha}`);
    if (startSha === undefined && !(await project.repo.branchSha(startRef)))
      throw apiError(400, 'You can only create or edit files when you are on a branch');
    if (differentStart && current && !force)
      throw apiError(
        400,
        `A branch called '${branch}' already exists. Switch to that branch in order to make changes`,
      );
    const resetToStart = differentStart && (current === null || force);
    const base = resetToStart ? await project.repo.resolve(startRef) : current;
    const files = await buildChanges(project, base, actions);
    const authorName = str(req, 'author_name');
    const authorEmail = str(req, 'author_email');
    const author: GitPerson | undefined =
      authorName || authorEmail
        ? { name: authorName ?? user.name, email: authorEmail ?? user.email }
        : { name: user.name, email: user.email };
    const sha = await gl.world.commit({
      project,
      branch: branch!,
      files,
      message: message!,
      author,
      userId: user.id,
      startFrom: resetToStart ? base! : undefined,
      force: resetToStart && current !== null,
    });
    const commit = (await project.repo.getCommit(sha))!;
    const detail = await commitDetail(gl, project, commit);
    if (bool(req, 'stats') === false) delete detail.stats;
    // A freshly pushed commit has no status yet on GitLab; its pipeline is created asynchronously.
    return { status: 201, body: { ...detail, status: null, last_pipeline: null } };
  });

  gl.add('GET', `${P}/repository/commits/:sha/merge_requests`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const sha = await project.repo.resolve(req.params.sha!);
    if (!sha) throw notFound('Commit');
    const found = [];
    for (const mr of gl.world.mergeRequestsOf(project)) {
      const head = await gl.world.mrHeadSha(mr);
      if (head === sha || mr.mergeCommitSha === sha || mr.squashCommitSha === sha) found.push(mr);
      else if (await project.repo.isAncestor(sha, head)) {
        const target = await project.repo.branchSha(mr.targetBranch);
        if (!target || !(await project.repo.isAncestor(sha, target)) || mr.state === 'merged') found.push(mr);
      }
    }
    const { items, headers } = page(gl, req, found);
    const body = [];
    for (const mr of items) body.push(await mergeRequestBasic(gl, mr));
    return { body, headers };
  });
}
