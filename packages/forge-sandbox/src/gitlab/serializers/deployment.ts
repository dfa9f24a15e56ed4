import type { SimDeployment, SimEnvironment } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { commitBasic } from './commit.js';
import { jobEntity } from './job.js';
import { projectUrl } from './project.js';
import { userById } from './user.js';

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 24);
}

function tier(name: string): string {
  if (/prod/i.test(name)) return 'production';
  if (/stag|pre/i.test(name)) return 'staging';
  if (/test|qa/i.test(name)) return 'testing';
  return 'other';
}

/** `Entities::EnvironmentBasic`, as nested in deployments: identity, URL and timestamps only. */
export function environmentBasic(env: SimEnvironment): Record<string, unknown> {
  return {
    id: env.id,
    name: env.name,
    slug: slug(env.name),
    external_url: env.externalUrl,
    created_at: env.createdAt,
    updated_at: env.createdAt,
  };
}

/** `Entities::Environment`: what the environments API answers (state, tier and the rest). */
export function environmentEntity(gl: Gitlab, env: SimEnvironment): Record<string, unknown> {
  const project = gl.world.projects.get(env.projectId)!;
  return {
    ...environmentBasic(env),
    state: env.state,
    tier: tier(env.name),
    description: null,
    auto_stop_at: null,
    web_url: `${projectUrl(gl, project)}/-/environments/${env.id}`,
  };
}

export async function deploymentEntity(gl: Gitlab, d: SimDeployment): Promise<Record<string, unknown>> {
  const env = gl.world.environments.find((e) => e.id === d.environmentId)!;
  const job = d.jobId === null ? undefined : gl.world.jobs.find((j) => j.id === d.jobId);
  let deployable: Record<string, unknown> | null = null;
  if (job) {
    const project = gl.world.projects.get(d.projectId)!;
    const pipeline = gl.world.pipelines.find((p) => p.id === job.pipelineId)!;
    const commit = await project.repo.getCommit(pipeline.sha);
    deployable = jobEntity(gl, job, commit ? commitBasic(gl, project, commit) : null);
  }
  return {
    id: d.id,
    iid: d.iid,
    ref: d.ref,
    sha: d.sha,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    status: d.status,
    user: userById(gl, d.userId),
    environment: environmentBasic(env),
    deployable,
  };
}

export async function environmentDetail(gl: Gitlab, env: SimEnvironment): Promise<Record<string, unknown>> {
  const deployments = gl.world.deployments.filter(
    (d) => d.environmentId === env.id && d.status === 'success',
  );
  const last = deployments.reduce<SimDeployment | undefined>(
    (a, d) => (!a || d.id > a.id ? d : a),
    undefined,
  );
  return {
    ...environmentEntity(gl, env),
    project: { id: env.projectId },
    last_deployment: last ? await deploymentEntity(gl, last) : null,
  };
}
