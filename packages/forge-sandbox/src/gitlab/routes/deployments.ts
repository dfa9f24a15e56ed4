import type { SimDeployment, SimEnvironment, SimProject } from '../../core/model.js';
import { ACCESS } from '../../core/world.js';
import { currentUser, loadProject, P, page, sortBy, type Gitlab } from '../context.js';
import { badRequest, invalidValue, notFound, validation } from '../errors.js';
import { date, oneOf, required, str } from '../params.js';
import { deploymentEntity, environmentDetail, environmentEntity } from '../serializers/deployment.js';

const STATUSES = ['created', 'running', 'success', 'failed', 'canceled', 'skipped', 'blocked'] as const;
const WRITABLE = ['running', 'success', 'failed', 'canceled'] as const;

export function findOrCreateEnvironment(gl: Gitlab, project: SimProject, name: string): SimEnvironment {
  let env = gl.world.environments.find((e) => e.projectId === project.id && e.name === name);
  if (!env) {
    env = {
      id: gl.world.nextId('environment'),
      projectId: project.id,
      name,
      externalUrl: null,
      state: 'available',
      createdAt: gl.world.nowIso(),
    };
    gl.world.environments.push(env);
  }
  return env;
}

function findDeployment(gl: Gitlab, project: SimProject, id: string | undefined): SimDeployment {
  const d = gl.world.deployments.find((x) => x.projectId === project.id && x.id === Number(id));
  if (!d) throw notFound();
  return d;
}

export function registerDeployments(gl: Gitlab): void {
  /**
   * DeploymentsFinder rules: `updated_after`/`updated_before` must be paired with
   * `order_by=updated_at`, `finished_after`/`finished_before` with `order_by=finished_at` and
   * `status=success`; otherwise 400. Default order: id ascending.
   */
  gl.add('GET', `${P}/deployments`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const environment = str(req, 'environment');
    const status = oneOf(req, 'status', STATUSES);
    const orderBy =
      oneOf(req, 'order_by', ['id', 'iid', 'created_at', 'updated_at', 'finished_at', 'ref'] as const) ??
      'id';
    const sort = oneOf(req, 'sort', ['asc', 'desc'] as const) ?? 'asc';
    const updatedAfter = date(req, 'updated_after');
    const updatedBefore = date(req, 'updated_before');
    const finishedAfter = date(req, 'finished_after');
    const finishedBefore = date(req, 'finished_before');
    if ((updatedAfter !== undefined || updatedBefore !== undefined) && orderBy !== 'updated_at')
      throw badRequest('`updated_at` filter and `updated_at` sorting must be paired');
    if ((finishedAfter !== undefined || finishedBefore !== undefined) && orderBy !== 'finished_at')
      throw badRequest('`finished_at` filter and `finished_at` sorting must be paired');
    if ((finishedAfter !== undefined || finishedBefore !== undefined) && status !== 'success')
      throw badRequest('`finished_at` filter must be combined with `success` status filter.');
    const envIds = environment
      ? new Set(
          gl.world.environments
            .filter((e) => e.projectId === project.id && e.name === environment)
            .map((e) => e.id),
        )
      : null;
    let deployments = gl.world.deployments.filter(
      (d) =>
        d.projectId === project.id &&
        (!envIds || envIds.has(d.environmentId)) &&
        (!status || d.status === status) &&
        (updatedAfter === undefined || Date.parse(d.updatedAt) > updatedAfter) &&
        (updatedBefore === undefined || Date.parse(d.updatedAt) < updatedBefore) &&
        (finishedAfter === undefined ||
          (d.finishedAt !== null && Date.parse(d.finishedAt) > finishedAfter)) &&
        (finishedBefore === undefined ||
          (d.finishedAt !== null && Date.parse(d.finishedAt) < finishedBefore)),
    );
    const key =
      orderBy === 'iid'
        ? (d: SimDeployment) => d.iid
        : orderBy === 'created_at'
          ? (d: SimDeployment) => d.createdAt
          : orderBy === 'updated_at'
            ? (d: SimDeployment) => d.updatedAt
            : orderBy === 'finished_at'
              ? (d: SimDeployment) => d.finishedAt ?? ''
              : orderBy === 'ref'
                ? (d: SimDeployment) => d.ref
                : (d: SimDeployment) => d.id;
    deployments = sortBy(
      sortBy(deployments, (d) => d.id, sort),
      key,
      sort,
    );
    const { items, headers } = page(gl, req, deployments);
    const body = [];
    for (const d of items) body.push(await deploymentEntity(gl, d));
    return { body, headers };
  });

  gl.add('GET', `${P}/deployments/:deployment_id`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    return { body: await deploymentEntity(gl, findDeployment(gl, project, req.params.deployment_id)) };
  });

  gl.add('POST', `${P}/deployments`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const [environment, sha, ref, , status] = required(req, 'environment', 'sha', 'ref', 'tag', 'status');
    if (!WRITABLE.includes(status as (typeof WRITABLE)[number])) throw invalidValue('status');
    const resolved = await project.repo.resolve(sha!);
    if (!resolved) throw validation({ sha: ['is invalid'] });
    const env = findOrCreateEnvironment(gl, project, environment!);
    const now = gl.world.nowIso();
    const finished = status === 'success' || status === 'failed' || status === 'canceled';
    const deployment: SimDeployment = {
      id: gl.world.nextId('deployment'),
      iid: gl.world.deployments.filter((d) => d.projectId === project.id).length + 1,
      projectId: project.id,
      environmentId: env.id,
      ref: ref!,
      sha: resolved,
      status: status as SimDeployment['status'],
      userId: currentUser(req).id,
      jobId: null,
      payload: {},
      description: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: finished ? now : null,
    };
    gl.world.deployments.push(deployment);
    return { status: 201, body: await deploymentEntity(gl, deployment) };
  });

  gl.add('PUT', `${P}/deployments/:deployment_id`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const deployment = findDeployment(gl, project, req.params.deployment_id);
    const [status] = required(req, 'status');
    if (!WRITABLE.includes(status as (typeof WRITABLE)[number])) throw invalidValue('status');
    if (deployment.jobId !== null)
      throw badRequest('Deployment status can only be changed for deployments created through the API');
    deployment.status = status as SimDeployment['status'];
    deployment.updatedAt = gl.world.nowIso();
    if (status !== 'running') deployment.finishedAt = deployment.updatedAt;
    return { body: await deploymentEntity(gl, deployment) };
  });

  gl.add('GET', `${P}/environments`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const name = str(req, 'name');
    const search = str(req, 'search');
    const states = str(req, 'states');
    const envs = gl.world.environments
      .filter(
        (e) =>
          e.projectId === project.id &&
          (!name || e.name === name) &&
          (!search || e.name.includes(search)) &&
          (!states || e.state === states),
      )
      .sort((a, b) => a.id - b.id);
    const { items, headers } = page(gl, req, envs);
    return { body: items.map((e) => environmentEntity(gl, e)), headers };
  });

  gl.add('GET', `${P}/environments/:environment_id`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const env = gl.world.environments.find(
      (e) => e.projectId === project.id && e.id === Number(req.params.environment_id),
    );
    if (!env) throw notFound();
    return { body: await environmentDetail(gl, env) };
  });

  gl.add('POST', `${P}/environments`, (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const [name] = required(req, 'name');
    if (gl.world.environments.some((e) => e.projectId === project.id && e.name === name))
      throw validation({ name: ['has already been taken'] });
    const env = findOrCreateEnvironment(gl, project, name!);
    env.externalUrl = str(req, 'external_url') ?? null;
    return { status: 201, body: environmentEntity(gl, env) };
  });
}
