import type { SimCommitStatus, SimJob } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { jobUrl } from './job.js';
import { userById } from './user.js';

/** GitLab `CommitStatus` entity for an external status (POST /statuses/:sha). */
export function externalStatusEntity(
  gl: Gitlab,
  s: SimCommitStatus,
  ref: string | null,
): Record<string, unknown> {
  const finished = ['success', 'failed', 'canceled'].includes(s.state);
  return {
    id: s.id,
    sha: s.sha,
    ref,
    status: s.state === 'error' ? 'failed' : s.state,
    name: s.context,
    target_url: s.targetUrl,
    description: s.description,
    created_at: s.createdAt,
    started_at: s.state === 'pending' ? null : s.createdAt,
    finished_at: finished ? s.updatedAt : null,
    allow_failure: false,
    coverage: null,
    pipeline_id: null,
    author: userById(gl, s.creatorId),
  };
}

/** CI jobs are commit statuses on GitLab too: `GET .../commits/:sha/statuses` lists them. */
export function jobStatusEntity(gl: Gitlab, job: SimJob): Record<string, unknown> {
  const pipeline = gl.world.pipelines.find((p) => p.id === job.pipelineId)!;
  return {
    id: job.id,
    sha: pipeline.sha,
    ref: pipeline.ref,
    status: job.status,
    name: job.name,
    target_url: jobUrl(gl, job),
    description: null,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    allow_failure: job.allowFailure,
    coverage: null,
    pipeline_id: pipeline.id,
    author: userById(gl, job.userId),
  };
}
