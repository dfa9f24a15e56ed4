import type { SimEnvironment, SimJob, SimPipeline, SimProject } from '../../core/model.js';
import { ghTime, nodeId, type Gh } from '../context.js';
import { loadCommit } from './commits.js';
import { minimalRepoJson, repoHtml, repoUrl } from './repos.js';
import { userJson } from './users.js';

/**
 * The CI engine's pipelines are GitHub Actions workflow runs and its jobs are workflow jobs.
 * A retried job is a later attempt of the same run (`run_attempt` grows), as with "Re-run jobs".
 */

export const WORKFLOW_NAME = 'CI';
export const WORKFLOW_PATH = '.github/workflows/ci.yml';

export interface RunState {
  status: 'queued' | 'in_progress' | 'completed' | 'waiting';
  conclusion: 'success' | 'failure' | 'cancelled' | 'skipped' | null;
}

function stateOf(status: SimPipeline['status'] | SimJob['status']): RunState {
  switch (status) {
    case 'running':
      return { status: 'in_progress', conclusion: null };
    case 'manual':
      return { status: 'waiting', conclusion: null };
    case 'success':
      return { status: 'completed', conclusion: 'success' };
    case 'failed':
      return { status: 'completed', conclusion: 'failure' };
    case 'canceled':
      return { status: 'completed', conclusion: 'cancelled' };
    case 'skipped':
      return { status: 'completed', conclusion: 'skipped' };
    default:
      return { status: 'queued', conclusion: null };
  }
}

/** A run with a job waiting for an environment approval (a manual job) is `waiting`, as on GitHub. */
export function runState(gh: Gh, p: SimPipeline): RunState {
  // A failed run is failed: on GitHub the approval job would need the failed one and be skipped.
  if (
    p.status !== 'canceled' &&
    p.status !== 'failed' &&
    gh.world.jobs.some((j) => j.pipelineId === p.id && j.status === 'manual')
  )
    return { status: 'waiting', conclusion: null };
  return stateOf(p.status);
}
export const jobState = (j: SimJob): RunState => stateOf(j.status);

export function runAttempt(gh: Gh, p: SimPipeline): number {
  let attempt = 0;
  for (const j of gh.world.jobs) if (j.pipelineId === p.id && j.attempt > attempt) attempt = j.attempt;
  return attempt + 1;
}

export function runEvent(p: SimPipeline): string {
  switch (p.source) {
    case 'merge_request_event':
      return 'pull_request';
    case 'api':
    case 'web':
      return 'workflow_dispatch';
    case 'trigger':
      return 'repository_dispatch';
    default:
      return p.source;
  }
}

export async function runJson(gh: Gh, project: SimProject, p: SimPipeline): Promise<Record<string, unknown>> {
  const url = `${repoUrl(gh, project)}/actions/runs/${p.id}`;
  const state = runState(gh, p);
  const commit = await loadCommit(gh, project, p.sha);
  const repo = minimalRepoJson(gh, project);
  return {
    id: p.id,
    name: WORKFLOW_NAME,
    node_id: nodeId('WFR', p.id),
    head_branch: p.ref,
    head_sha: p.sha,
    path: WORKFLOW_PATH,
    display_title: commit?.message.split('\n')[0] ?? p.ref,
    run_number: p.iid,
    event: runEvent(p),
    status: state.status,
    conclusion: state.conclusion,
    workflow_id: project.id,
    check_suite_id: p.id,
    check_suite_node_id: nodeId('CS', p.id),
    url,
    html_url: `${repoHtml(gh, project)}/actions/runs/${p.id}`,
    pull_requests: [],
    created_at: ghTime(p.createdAt),
    updated_at: ghTime(p.updatedAt),
    actor: userJson(gh, p.userId),
    run_attempt: runAttempt(gh, p),
    referenced_workflows: [],
    run_started_at: ghTime(p.startedAt ?? p.createdAt),
    triggering_actor: userJson(gh, p.userId),
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${repoUrl(gh, project)}/check-suites/${p.id}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${repoUrl(gh, project)}/actions/workflows/${project.id}`,
    head_commit: commit
      ? {
          id: commit.sha,
          tree_id: commit.tree,
          message: commit.message,
          timestamp: ghTime(commit.committer.date),
          author: { name: commit.author.name, email: commit.author.email },
          committer: { name: commit.committer.name, email: commit.committer.email },
        }
      : null,
    repository: repo,
    head_repository: repo,
  };
}

export function jobJson(gh: Gh, project: SimProject, job: SimJob): Record<string, unknown> {
  const pipeline = gh.world.pipelines.find((p) => p.id === job.pipelineId)!;
  const state = jobState(job);
  const check = gh.world.checkRuns.find((c) => c.jobId === job.id);
  return {
    id: job.id,
    run_id: job.pipelineId,
    workflow_name: WORKFLOW_NAME,
    head_branch: pipeline.ref,
    run_url: `${repoUrl(gh, project)}/actions/runs/${job.pipelineId}`,
    run_attempt: job.attempt + 1,
    node_id: nodeId('CR', job.id),
    head_sha: pipeline.sha,
    url: `${repoUrl(gh, project)}/actions/jobs/${job.id}`,
    html_url: `${repoHtml(gh, project)}/actions/runs/${job.pipelineId}/job/${job.id}`,
    status: state.status,
    conclusion: state.conclusion,
    created_at: ghTime(job.createdAt),
    started_at: ghTime(job.startedAt ?? job.queuedAt ?? job.createdAt),
    completed_at: ghTime(job.finishedAt),
    name: job.name,
    steps: [
      {
        name: job.name,
        status: state.status === 'waiting' ? 'queued' : state.status,
        conclusion: state.conclusion,
        number: 1,
        started_at: ghTime(job.startedAt),
        completed_at: ghTime(job.finishedAt),
      },
    ],
    // Every job is a check run on GitHub (the run may not exist in the sim before the job starts).
    check_run_url: `${repoUrl(gh, project)}/check-runs/${check?.id ?? job.id}`,
    labels: ['ubuntu-latest'],
    runner_id: job.startedAt ? 1 : null,
    runner_name: job.startedAt ? 'GitHub Actions 1' : null,
    runner_group_id: job.startedAt ? 1 : null,
    runner_group_name: job.startedAt ? 'GitHub Actions' : null,
  };
}

/** The environment as a pending deployment names it (no timestamps there). */
export function environmentJson(gh: Gh, project: SimProject, env: SimEnvironment): Record<string, unknown> {
  return {
    id: env.id,
    node_id: nodeId('EN', env.id),
    name: env.name,
    url: `${repoUrl(gh, project)}/environments/${encodeURIComponent(env.name)}`,
    html_url: `${repoHtml(gh, project)}/deployments/activity_log?environments_filter=${encodeURIComponent(env.name)}`,
  };
}
