import type { SimProject, SimUser } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { ACCESS } from '../../core/world.js';
import { canPush, currentUser, loadProject, P, page, protectionFor, type Gitlab } from '../context.js';
import { apiError, badRequest, gitlabError, notFound } from '../errors.js';
import { bool, int, required, str } from '../params.js';
import { commitBasic } from '../serializers/commit.js';
import { projectUrl } from '../serializers/project.js';

const ACCESS_DESCRIPTION: Record<number, string> = {
  0: 'No one',
  30: 'Developers + Maintainers',
  40: 'Maintainers',
  60: 'Admins',
};

/** Git ref-format rules GitLab enforces on new branch names. */
export function validBranchName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.lock') &&
    !name.endsWith('.') &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.includes('@{') &&
    ![...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) &&
    !/[\s~^:?*[\\]/.test(name) &&
    name !== '@' &&
    name !== 'HEAD'
  );
}

async function branchEntity(
  gl: Gitlab,
  project: SimProject,
  user: SimUser,
  name: string,
  sha: string,
): Promise<Record<string, unknown>> {
  const commit = (await project.repo.getCommit(sha))!;
  const defaultSha = await project.repo.branchSha(project.defaultBranch);
  const isDefault = name === project.defaultBranch;
  const merged = !isDefault && defaultSha !== null && (await project.repo.isAncestor(sha, defaultSha));
  const rule = protectionFor(project, name);
  return {
    name,
    commit: commitBasic(gl, project, commit),
    merged,
    protected: Boolean(rule),
    developers_can_push: rule ? rule.pushAccessLevel === ACCESS.developer : false,
    developers_can_merge: false,
    can_push: canPush(gl, user, project, name),
    default: isDefault,
    web_url: `${projectUrl(gl, project)}/-/tree/${name}`,
  };
}

function protectedEntity(
  gl: Gitlab,
  name: string,
  rule: { pushAccessLevel: number; allowForcePush: boolean },
): Record<string, unknown> {
  const level = (accessLevel: number) => ({
    id: protectedIds(gl, `${name}:${accessLevel}`),
    access_level: accessLevel,
    access_level_description: ACCESS_DESCRIPTION[accessLevel] ?? 'Maintainers',
    deploy_key_id: null,
    user_id: null,
    group_id: null,
  });
  return {
    id: protectedIds(gl, name),
    name,
    push_access_levels: [level(rule.pushAccessLevel)],
    merge_access_levels: [level(ACCESS.maintainer)],
    unprotect_access_levels: [],
    allow_force_push: rule.allowForcePush,
    code_owner_approval_required: false,
    inherited: false,
  };
}

const ids = new WeakMap<Gitlab, Map<string, number>>();
function protectedIds(gl: Gitlab, key: string): number {
  let map = ids.get(gl);
  if (!map) ids.set(gl, (map = new Map()));
  let id = map.get(key);
  if (id === undefined) map.set(key, (id = gl.world.nextId('protected_branch')));
  return id;
}

/** GitLab's `search`: substring, `^prefix`, or `suffix$`. */
function matchesSearch(name: string, search: string): boolean {
  const s = search.toLowerCase();
  const n = name.toLowerCase();
  if (s.startsWith('^') && s.endsWith('$')) return n === s.slice(1, -1);
  if (s.startsWith('^')) return n.startsWith(s.slice(1));
  if (s.endsWith('$')) return n.endsWith(s.slice(0, -1));
  return n.includes(s);
}

export function registerBranches(gl: Gitlab): void {
  gl.add('GET', `${P}/repository/branches`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const search = str(req, 'search');
    const regex = str(req, 'regex');
    let branches = (await project.repo.listBranches()).sort((a, b) => a.name.localeCompare(b.name));
    if (search) branches = branches.filter((b) => matchesSearch(b.name, search));
    if (regex) {
      const re = new RegExp(regex);
      branches = branches.filter((b) => re.test(b.name));
    }
    const { items, headers } = page(gl, req, branches);
    const body = [];
    for (const b of items) body.push(await branchEntity(gl, project, currentUser(req), b.name, b.sha));
    return { body, headers };
  });

  gl.add('GET', `${P}/repository/branches/:branch`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const name = req.params.branch!;
    const sha = await project.repo.branchSha(name);
    if (!sha) throw notFound('Branch');
    return { body: await branchEntity(gl, project, currentUser(req), name, sha) };
  });

  gl.add('POST', `${P}/repository/branches`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const [name, ref] = required(req, 'branch', 'ref');
    if (!validBranchName(name!)) throw apiError(400, 'Branch name is invalid');
    if (await project.repo.branchSha(name!)) throw apiError(400, 'Branch already exists');
    const sha = await project.repo.resolve(ref!);
    if (!sha) throw apiError(400, 'Invalid reference name: ' + ref);
    if (!canPush(gl, currentUser(req), project, name!)) throw gitlabError(403, { message: '403 Forbidden' });
    await gl.world.setBranch(project, name!, sha, { userId: currentUser(req).id, expectOld: null });
    return { status: 201, body: await branchEntity(gl, project, currentUser(req), name!, sha) };
  });

  gl.add('DELETE', `${P}/repository/branches/:branch`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const name = req.params.branch!;
    if (!(await project.repo.branchSha(name))) throw notFound('Branch');
    // Branches::DeleteService answers these with render_api_error!(message, 405).
    if (name === project.defaultBranch)
      throw apiError(405, 'The default branch of a project cannot be deleted');
    const level = gl.world.accessLevel(currentUser(req), project);
    if (protectionFor(project, name) && level < ACCESS.maintainer)
      throw apiError(405, 'You dont have push access to repo');
    await gl.world.deleteBranch(project, name, currentUser(req).id);
    return { status: 204 };
  });

  gl.add('GET', `${P}/protected_branches`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const all = [...project.protectedBranches.entries()].map(([name, rule]) =>
      protectedEntity(gl, name, rule),
    );
    const { items, headers } = page(gl, req, all);
    return { body: items, headers };
  });

  gl.add('GET', `${P}/protected_branches/:name`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const rule = project.protectedBranches.get(req.params.name!);
    if (!rule) throw notFound();
    return { body: protectedEntity(gl, req.params.name!, rule) };
  });

  gl.add('POST', `${P}/protected_branches`, (req: SimRequest) => {
    const project = loadProject(gl, req, ACCESS.maintainer);
    const [name] = required(req, 'name');
    if (project.protectedBranches.has(name!))
      throw apiError(409, `Protected branch '${name}' already exists`);
    const pushAccessLevel = int(req, 'push_access_level') ?? ACCESS.maintainer;
    if (![0, 30, 40, 60].includes(pushAccessLevel))
      throw badRequest('push_access_level does not have a valid value');
    const rule = { pushAccessLevel, allowForcePush: bool(req, 'allow_force_push') ?? false };
    project.protectedBranches.set(name!, rule);
    return { status: 201, body: protectedEntity(gl, name!, rule) };
  });

  gl.add('PATCH', `${P}/protected_branches/:name`, (req) => {
    const project = loadProject(gl, req, ACCESS.maintainer);
    const rule = project.protectedBranches.get(req.params.name!);
    if (!rule) throw notFound();
    const force = bool(req, 'allow_force_push');
    if (force !== undefined) rule.allowForcePush = force;
    return { body: protectedEntity(gl, req.params.name!, rule) };
  });

  gl.add('DELETE', `${P}/protected_branches/:name`, (req) => {
    const project = loadProject(gl, req, ACCESS.maintainer);
    if (!project.protectedBranches.delete(req.params.name!)) throw notFound();
    return { status: 204 };
  });
}
