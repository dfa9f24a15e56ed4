import type { SimDeployment, SimProject } from '../../core/model.js';
import { commitVerdicts } from '../checks.js';
import {
  bool,
  GhError,
  ghTime,
  nodeId,
  notFound,
  ok,
  repoOf,
  str,
  validationFailed,
  type Gh,
} from '../context.js';
import { environmentNamed } from '../environments.js';
import { paged } from '../paging.js';
import { repoUrl } from '../serializers/repos.js';
import { userJson } from '../serializers/users.js';
import type { GhDeploymentState, GhDeploymentStatus } from '../state.js';

const STATES = new Set<GhDeploymentState>([
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
]);

function envName(gh: Gh, d: SimDeployment): string {
  return gh.world.environments.find((e) => e.id === d.environmentId)?.name ?? 'production';
}

export function deploymentJson(gh: Gh, project: SimProject, d: SimDeployment): Record<string, unknown> {
  const meta = gh.state.deploymentMeta.get(d.id);
  const env = envName(gh, d);
  const url = `${repoUrl(gh, project)}/deployments/${d.id}`;
  return {
    url,
    id: d.id,
    node_id: nodeId('DE', d.id),
    task: meta?.task ?? 'deploy',
    original_environment: env,
    environment: env,
    description: d.description,
    created_at: ghTime(d.createdAt),
    updated_at: ghTime(d.updatedAt),
    statuses_url: `${url}/statuses`,
    repository_url: repoUrl(gh, project),
    creator: userJson(gh, d.userId),
    sha: d.sha,
    ref: d.ref,
    payload: d.payload,
    transient_environment: meta?.transient ?? false,
    production_environment: meta?.production ?? env === 'production',
    performed_via_github_app: null,
  };
}

/**
 * Statuses of a deployment, newest first. Deployments made by the CI engine or the control API
 * (no GitHub statuses recorded) show one status derived from the deployment's state.
 */
export function statusesOfDeployment(gh: Gh, d: SimDeployment): GhDeploymentStatus[] {
  const explicit = gh.state.deploymentStatuses
    .filter((s) => s.deploymentId === d.id)
    .sort((a, b) => b.id - a.id);
  if (explicit.length > 0 || gh.state.deploymentMeta.has(d.id)) return explicit;
  const state: GhDeploymentState =
    d.status === 'success'
      ? 'success'
      : d.status === 'failed'
        ? 'failure'
        : d.status === 'running'
          ? 'in_progress'
          : d.status === 'canceled'
            ? 'error'
            : 'pending';
  return [
    {
      id: d.id,
      deploymentId: d.id,
      state,
      description: d.description ?? '',
      environment: envName(gh, d),
      targetUrl: '',
      logUrl: '',
      environmentUrl: '',
      creatorId: d.userId,
      createdAt: d.updatedAt,
    },
  ];
}

function deploymentStatusJson(gh: Gh, project: SimProject, s: GhDeploymentStatus): Record<string, unknown> {
  const deployment = `${repoUrl(gh, project)}/deployments/${s.deploymentId}`;
  return {
    url: `${deployment}/statuses/${s.id}`,
    id: s.id,
    node_id: nodeId('DES', s.id),
    state: s.state,
    creator: userJson(gh, s.creatorId),
    description: s.description,
    environment: s.environment,
    target_url: s.targetUrl,
    created_at: ghTime(s.createdAt),
    updated_at: ghTime(s.createdAt),
    deployment_url: deployment,
    repository_url: repoUrl(gh, project),
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
    performed_via_github_app: null,
  };
}

function simStatus(state: GhDeploymentState, previous: SimDeployment['status']): SimDeployment['status'] {
  switch (state) {
    case 'success':
      return 'success';
    case 'failure':
    case 'error':
      return 'failed';
    case 'in_progress':
      return 'running';
    case 'queued':
    case 'pending':
      return 'created';
    default:
      return previous;
  }
}

function findDeployment(gh: Gh, project: SimProject, id: string | undefined): SimDeployment {
  const d = gh.world.deployments.find((x) => x.id === Number(id) && x.projectId === project.id);
  if (!d) throw notFound();
  return d;
}

/** Deployments and deployment statuses (newest first), with GitHub's commit-status gate. */
export function registerDeployments(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/deployments',
    (req) => {
      const project = repoOf(gh, req);
      const sha = req.query.get('sha');
      const ref = req.query.get('ref');
      const task = req.query.get('task');
      const environment = req.query.get('environment');
      const list = gh.world.deployments
        .filter((d) => d.projectId === project.id)
        .filter((d) => !sha || d.sha === sha)
        .filter((d) => !ref || d.ref === ref)
        .filter((d) => !task || (gh.state.deploymentMeta.get(d.id)?.task ?? 'deploy') === task)
        .filter((d) => !environment || envName(gh, d) === environment)
        .sort((a, b) => b.id - a.id);
      const page = paged(gh, req, list);
      return ok(
        page.items.map((d) => deploymentJson(gh, project, d)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/deployments', async (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const user = req.user!;
    const ref = str(req.body.ref);
    if (!ref) throw validationFailed({ resource: 'Deployment', code: 'missing_field', field: 'ref' });
    let sha = await project.repo.resolve(ref);
    if (!sha) throw new GhError(422, `No ref found for: ${ref}`);
    const branchSha = await project.repo.branchSha(ref);
    const defaultSha = await project.repo.branchSha(project.defaultBranch);
    if (
      bool(req.body.auto_merge) !== false &&
      branchSha &&
      defaultSha &&
      ref !== project.defaultBranch &&
      !(await project.repo.isAncestor(defaultSha, branchSha))
    ) {
      // GitHub merges the default branch into the ref first and answers 202 instead of creating.
      const merged = await project.repo.merge({
        target: branchSha,
        source: defaultSha,
        message: `Merge branch '${project.defaultBranch}' into ${ref}`,
        author: { name: user.name, email: user.email },
        date: gh.world.clock.now(),
      });
      if (!merged) throw new GhError(409, `Conflict merging ${project.defaultBranch} into ${ref}.`);
      await gh.world.setBranch(project, ref, merged, { userId: user.id, expectOld: branchSha });
      return ok({ message: `Auto-merged ${project.defaultBranch} into ${ref} on deployment.` }, 202);
    }
    const verdicts = commitVerdicts(gh, project, sha);
    const required = Array.isArray(req.body.required_contexts)
      ? req.body.required_contexts.map(String)
      : verdicts.map((v) => v.name);
    const failing = required
      .map((context) => ({ context, state: verdicts.find((v) => v.name === context)?.verdict ?? 'missing' }))
      .filter((c) => c.state !== 'success');
    if (failing.length > 0)
      throw new GhError(409, `Conflict: Commit status checks failed for ${ref}.`, {
        errors: [{ contexts: failing, resource: 'Deployment', field: 'required_contexts', code: 'invalid' }],
      });
    const environment = str(req.body.environment) ?? 'production';
    const env = environmentNamed(gh, project, environment);
    let payload: Record<string, unknown> = {};
    if (typeof req.body.payload === 'string') {
      try {
        payload = JSON.parse(req.body.payload) as Record<string, unknown>;
      } catch {
        throw validationFailed({ resource: 'Deployment', code: 'invalid', field: 'payload' });
      }
    } else if (req.body.payload && typeof req.body.payload === 'object') {
      payload = req.body.payload as Record<string, unknown>;
    }
    sha = sha!;
    const now = gh.world.nowIso();
    const deployment: SimDeployment = {
      id: gh.world.nextId('deployment'),
      iid: gh.world.deployments.filter((d) => d.projectId === project.id).length + 1,
      projectId: project.id,
      environmentId: env.id,
      ref,
      sha,
      status: 'created',
      userId: user.id,
      jobId: null,
      payload,
      description: str(req.body.description) ?? '',
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    gh.world.deployments.push(deployment);
    gh.state.deploymentMeta.set(deployment.id, {
      task: str(req.body.task) ?? 'deploy',
      transient: bool(req.body.transient_environment) ?? false,
      production: bool(req.body.production_environment) ?? environment === 'production',
    });
    return ok(deploymentJson(gh, project, deployment), 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/deployments/:id',
    (req) => {
      const project = repoOf(gh, req);
      return ok(deploymentJson(gh, project, findDeployment(gh, project, req.params.id)));
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/deployments/:id/statuses',
    (req) => {
      const project = repoOf(gh, req);
      const d = findDeployment(gh, project, req.params.id);
      const page = paged(gh, req, statusesOfDeployment(gh, d));
      return ok(
        page.items.map((s) => deploymentStatusJson(gh, project, s)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/deployments/:id/statuses', (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const d = findDeployment(gh, project, req.params.id);
    const state = str(req.body.state) as GhDeploymentState | undefined;
    if (!state || !STATES.has(state))
      throw validationFailed({ resource: 'DeploymentStatus', code: 'invalid', field: 'state' });
    const environment = str(req.body.environment);
    if (environment && environment !== envName(gh, d))
      d.environmentId = environmentNamed(gh, project, environment).id;
    const add = (
      deployment: SimDeployment,
      s: GhDeploymentState,
      extra: Partial<GhDeploymentStatus> = {},
    ) => {
      const now = gh.world.nowIso();
      const status: GhDeploymentStatus = {
        id: gh.world.nextId('deployment_status'),
        deploymentId: deployment.id,
        state: s,
        description: '',
        environment: envName(gh, deployment),
        targetUrl: '',
        logUrl: '',
        environmentUrl: '',
        creatorId: req.user!.id,
        createdAt: now,
        ...extra,
      };
      gh.state.deploymentStatuses.push(status);
      deployment.status = simStatus(s, deployment.status);
      deployment.updatedAt = now;
      if (s === 'success' || s === 'failure' || s === 'error') deployment.finishedAt = now;
      return status;
    };
    const status = add(d, state, {
      description: str(req.body.description) ?? '',
      targetUrl: str(req.body.target_url) ?? str(req.body.log_url) ?? '',
      logUrl: str(req.body.log_url) ?? str(req.body.target_url) ?? '',
      environmentUrl: str(req.body.environment_url) ?? '',
    });
    if (state === 'success' && bool(req.body.auto_inactive) !== false) {
      // GitHub marks earlier non-transient, non-production deployments of the environment inactive.
      for (const other of gh.world.deployments) {
        const meta = gh.state.deploymentMeta.get(other.id);
        if (other.id === d.id || other.projectId !== project.id || other.environmentId !== d.environmentId)
          continue;
        if (other.id > d.id || meta?.transient || (meta?.production ?? envName(gh, other) === 'production'))
          continue;
        if (statusesOfDeployment(gh, other)[0]?.state === 'success') add(other, 'inactive');
      }
    }
    return ok(deploymentStatusJson(gh, project, status), 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/environments',
    (req) => {
      const project = repoOf(gh, req);
      const envs = gh.world.environments.filter((e) => e.projectId === project.id);
      const page = paged(gh, req, envs);
      return ok(
        {
          total_count: page.total,
          environments: page.items.map((e) => ({
            id: e.id,
            node_id: nodeId('EN', e.id),
            name: e.name,
            url: `${repoUrl(gh, project)}/environments/${encodeURIComponent(e.name)}`,
            created_at: ghTime(e.createdAt),
            updated_at: ghTime(e.createdAt),
          })),
        },
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );
}
