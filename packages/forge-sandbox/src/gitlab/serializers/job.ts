import type { SimJob } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { projectUrl } from './project.js';
import { userById } from './user.js';

export function jobUrl(gl: Gitlab, job: SimJob): string {
  const project = gl.world.projects.get(job.projectId)!;
  return `${projectUrl(gl, project)}/-/jobs/${job.id}`;
}

/** GitLab `Ci::Job` entity. `commit` is filled by the caller (it needs git). */
export function jobEntity(
  gl: Gitlab,
  job: SimJob,
  commit: Record<string, unknown> | null,
): Record<string, unknown> {
  const pipeline = gl.world.pipelines.find((p) => p.id === job.pipelineId)!;
  const started = job.startedAt ? Date.parse(job.startedAt) : null;
  const finished = job.finishedAt ? Date.parse(job.finishedAt) : null;
  const now = gl.world.clock.nowMs();
  const duration = started === null ? null : ((finished ?? now) - started) / 1000;
  const queuedFrom = job.queuedAt ? Date.parse(job.queuedAt) : null;
  const queued = queuedFrom === null ? null : ((started ?? now) - queuedFrom) / 1000;
  const entity: Record<string, unknown> = {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: pipeline.ref,
    tag: pipeline.tag,
    coverage: null,
    allow_failure: job.allowFailure,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    erased_at: null,
    duration,
    queued_duration: queued,
    user: userById(gl, job.userId),
    commit,
    pipeline: {
      id: pipeline.id,
      iid: pipeline.iid,
      project_id: pipeline.projectId,
      sha: pipeline.sha,
      ref: pipeline.ref,
      status: pipeline.status,
      source: pipeline.source,
      created_at: pipeline.createdAt,
      updated_at: pipeline.updatedAt,
      web_url: `${jobUrl(gl, job).split('/-/jobs/')[0]}/-/pipelines/${pipeline.id}`,
    },
    failure_reason: job.status === 'failed' ? (job.failureReason ?? 'script_failure') : undefined,
    web_url: jobUrl(gl, job),
    project: { ci_job_token_scope_enabled: false },
    artifacts: [],
    runner: null,
    runner_manager: null,
    artifacts_expire_at: null,
    archived: false,
    tag_list: [],
  };
  if (entity.failure_reason === undefined) delete entity.failure_reason;
  return entity;
}
