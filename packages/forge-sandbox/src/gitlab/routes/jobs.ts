import type { SimJob } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { ACCESS, SimError } from '../../core/world.js';
import { currentUser, loadProject, P, page, type Gitlab } from '../context.js';
import { badRequest, forbidden, invalidValue, notFound } from '../errors.js';
import { bool, list } from '../params.js';
import { commitBasic } from '../serializers/commit.js';
import { jobEntity } from '../serializers/job.js';
import { findPipeline } from './pipelines.js';

const SCOPES = [
  'created',
  'pending',
  'running',
  'failed',
  'success',
  'canceled',
  'skipped',
  'waiting_for_resource',
  'manual',
];
const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);

async function jobBody(gl: Gitlab, job: SimJob): Promise<Record<string, unknown>> {
  const project = gl.world.projects.get(job.projectId)!;
  const pipeline = gl.world.pipelines.find((p) => p.id === job.pipelineId)!;
  const commit = await project.repo.getCommit(pipeline.sha);
  return jobEntity(gl, job, commit ? commitBasic(gl, project, commit) : null);
}

function scopeFilter(req: SimRequest): (job: SimJob) => boolean {
  const scopes = list(req, 'scope');
  if (!scopes) return () => true;
  scopes.forEach((s, i) => {
    if (!SCOPES.includes(s)) throw invalidValue(`scope[${i}]`);
  });
  return (job) => scopes.includes(job.status);
}

function findJob(gl: Gitlab, projectId: number, id: string | undefined): SimJob {
  const job = gl.world.jobs.find((j) => j.projectId === projectId && j.id === Number(id));
  if (!job) throw notFound();
  return job;
}

/** A simple job log: enough for a failure report to quote. */
function trace(gl: Gitlab, job: SimJob): string {
  const pipeline = gl.world.pipelines.find((p) => p.id === job.pipelineId)!;
  const lines = [
    `Running with gitlab-runner 17.0.0 (sim)`,
    `Getting source from Git repository`,
    `Checking out ${pipeline.sha.slice(0, 8)} as detached HEAD (ref is ${pipeline.ref})...`,
    `$ make ${job.name}`,
  ];
  if (job.status === 'success') lines.push('Job succeeded');
  else if (job.status === 'failed')
    lines.push(`ERROR: ${job.name} failed`, `ERROR: Job failed: ${job.failureReason ?? 'script_failure'}`);
  else if (job.status === 'canceled') lines.push('ERROR: Job failed: canceled');
  return `${lines.join('\n')}\n`;
}

export function registerJobs(gl: Gitlab): void {
  gl.add('GET', `${P}/pipelines/:pipeline_id/jobs`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const pipeline = findPipeline(gl, project.id, req.params.pipeline_id);
    const keep = scopeFilter(req);
    const jobs = gl.ci
      .jobsOf(pipeline, bool(req, 'include_retried') ?? false)
      .filter(keep)
      .sort((a, b) => b.id - a.id);
    const { items, headers } = page(gl, req, jobs);
    const body = [];
    for (const job of items) body.push(await jobBody(gl, job));
    return { body, headers };
  });

  gl.add('GET', `${P}/jobs`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const keep = scopeFilter(req);
    const jobs = gl.world.jobs
      .filter((j) => j.projectId === project.id && keep(j))
      .sort((a, b) => b.id - a.id);
    const { items, headers } = page(gl, req, jobs);
    const body = [];
    for (const job of items) body.push(await jobBody(gl, job));
    return { body, headers };
  });

  gl.add('GET', `${P}/jobs/:job_id`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    return { body: await jobBody(gl, findJob(gl, project.id, req.params.job_id)) };
  });

  gl.add('GET', `${P}/jobs/:job_id/trace`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    return { body: trace(gl, findJob(gl, project.id, req.params.job_id)) };
  });

  gl.add('POST', `${P}/jobs/:job_id/retry`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const job = findJob(gl, project.id, req.params.job_id);
    let retry: SimJob;
    try {
      retry = await gl.ci.retryJob(job, currentUser(req).id);
    } catch (error) {
      if (error instanceof SimError) throw forbidden('Job is not retryable');
      throw error;
    }
    return { status: 201, body: await jobBody(gl, retry) };
  });

  gl.add('POST', `${P}/jobs/:job_id/play`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const job = findJob(gl, project.id, req.params.job_id);
    try {
      await gl.ci.playJob(job, currentUser(req).id);
    } catch (error) {
      if (error instanceof SimError) throw badRequest('Unplayable Job');
      throw error;
    }
    // lib/api/ci/jobs.rb sets `status 200` for play.
    return { status: 200, body: await jobBody(gl, job) };
  });

  gl.add('POST', `${P}/jobs/:job_id/cancel`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const job = findJob(gl, project.id, req.params.job_id);
    if (!FINISHED.has(job.status) && job.status !== 'manual') {
      job.status = 'canceled';
      job.finishedAt = gl.world.nowIso();
      // tick() recomputes every unfinished pipeline's status from its jobs.
      await gl.ci.tick();
    }
    return { status: 201, body: await jobBody(gl, job) };
  });
}
