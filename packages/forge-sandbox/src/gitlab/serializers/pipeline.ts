import type { SimPipeline } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { projectUrl } from './project.js';
import { userById } from './user.js';

const STATUS_TEXT: Record<string, { icon: string; text: string; label: string; group: string }> = {
  created: { icon: 'status_created', text: 'Created', label: 'created', group: 'created' },
  pending: { icon: 'status_pending', text: 'Pending', label: 'pending', group: 'pending' },
  running: { icon: 'status_running', text: 'Running', label: 'running', group: 'running' },
  success: { icon: 'status_success', text: 'Passed', label: 'passed', group: 'success' },
  failed: { icon: 'status_failed', text: 'Failed', label: 'failed', group: 'failed' },
  canceled: { icon: 'status_canceled', text: 'Canceled', label: 'canceled', group: 'canceled' },
  skipped: { icon: 'status_skipped', text: 'Skipped', label: 'skipped', group: 'skipped' },
  manual: { icon: 'status_manual', text: 'Manual', label: 'manual action', group: 'manual' },
};

export function pipelineUrl(gl: Gitlab, p: SimPipeline): string {
  const project = gl.world.projects.get(p.projectId)!;
  return `${projectUrl(gl, project)}/-/pipelines/${p.id}`;
}

export function detailedStatus(status: string, path: string): Record<string, unknown> {
  const s = STATUS_TEXT[status] ?? STATUS_TEXT.created!;
  return {
    icon: s.icon,
    text: s.text,
    label: s.label,
    group: s.group,
    tooltip: s.label,
    has_details: true,
    details_path: path,
    illustration: null,
    favicon: `/assets/ci_favicons/favicon_${s.icon}.png`,
  };
}

/** GitLab `PipelineBasic` (lists, `last_pipeline`, MR pipelines). */
export function pipelineBasic(gl: Gitlab, p: SimPipeline): Record<string, unknown> {
  return {
    id: p.id,
    iid: p.iid,
    project_id: p.projectId,
    sha: p.sha,
    ref: p.ref,
    status: p.status,
    source: p.source,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    web_url: pipelineUrl(gl, p),
  };
}

/** GitLab `Pipeline` (single pipeline, create, retry, cancel, MR head_pipeline). */
export function pipelineDetail(gl: Gitlab, p: SimPipeline): Record<string, unknown> {
  // A clock jump can take a pipeline from created to finished in one step, skipping the
  // moment the engine stamps startedAt; the first job start is the same instant.
  const startedAt =
    p.startedAt ??
    gl.world.jobs
      .filter((j) => j.pipelineId === p.id && j.startedAt)
      .map((j) => j.startedAt!)
      .sort()[0] ??
    null;
  const started = startedAt ? Date.parse(startedAt) : null;
  const finished = p.finishedAt ? Date.parse(p.finishedAt) : null;
  const duration = started !== null && finished !== null ? Math.round((finished - started) / 1000) : null;
  const queued = started !== null ? Math.round((started - Date.parse(p.createdAt)) / 1000) : null;
  const web = pipelineUrl(gl, p);
  return {
    ...pipelineBasic(gl, p),
    name: null,
    before_sha: '0000000000000000000000000000000000000000',
    tag: p.tag,
    yaml_errors: null,
    user: userById(gl, p.userId),
    started_at: startedAt,
    finished_at: p.finishedAt,
    committed_at: null,
    duration,
    queued_duration: queued,
    coverage: null,
    detailed_status: detailedStatus(p.status, new URL(web).pathname),
  };
}
