import type { SimDeployment, SimJob, SimPipeline, SimProject } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { SimError } from '../../core/world.js';
import {
  accessLevel,
  GhError,
  notFound,
  ok,
  permissions,
  repoOf,
  str,
  validationFailed,
  type Gh,
} from '../context.js';
import { environmentNamed } from '../environments.js';
import { deploymentJson } from './deployments.js';
import { paged } from '../paging.js';
import { environmentJson, jobJson, jobState, runEvent, runJson, runState } from '../serializers/actions.js';

const RUN_STATUSES = new Set(['completed', 'in_progress', 'queued', 'requested', 'waiting', 'pending']);

function findRun(gh: Gh, project: SimProject, id: string | undefined): SimPipeline {
  const run = gh.world.pipelines.find((p) => p.id === Number(id) && p.projectId === project.id);
  if (!run) throw notFound();
  return run;
}

function findJob(gh: Gh, project: SimProject, id: string | undefined): SimJob {
  const job = gh.world.jobs.find((j) => j.id === Number(id) && j.projectId === project.id);
  if (!job) throw notFound();
  return job;
}

/** `created` filter: `2026-01-01`, `>=2026-01-01`, `<2026-01-01T10:00:00Z`, `a..b`. */
function createdFilter(value: string | null): ((iso: string) => boolean) | null {
  if (!value) return null;
  const range = /^(.+)\.\.(.+)$/.exec(value);
  if (range) {
    const from = Date.parse(range[1]!);
    const to =
      range[2] === '*' ? Infinity : Date.parse(range[2]!.length === 10 ? `${range[2]}T23:59:59Z` : range[2]!);
    return (iso) => Date.parse(iso) >= from && Date.parse(iso) <= to;
  }
  const m = /^(>=|<=|>|<)?(.+)$/.exec(value)!;
  const at = Date.parse(m[2]!);
  if (Number.isNaN(at))
    throw validationFailed({ resource: 'WorkflowRun', code: 'invalid', field: 'created' });
  switch (m[1]) {
    case '>=':
      return (iso) => Date.parse(iso) >= at;
    case '<=':
      return (iso) => Date.parse(iso) <= at;
    case '>':
      return (iso) => Date.parse(iso) > at;
    case '<':
      return (iso) => Date.parse(iso) < at;
    default:
      return (iso) => iso.slice(0, 10) === m[2]!.slice(0, 10);
  }
}

function runsOf(gh: Gh, project: SimProject, req: SimRequest): SimPipeline[] {
  const branch = req.query.get('branch');
  const event = req.query.get('event');
  const status = req.query.get('status');
  const headSha = req.query.get('head_sha');
  const actor = req.query.get('actor');
  const created = createdFilter(req.query.get('created'));
  return gh.world.pipelines
    .filter((p) => p.projectId === project.id)
    .filter((p) => !branch || p.ref === branch)
    .filter((p) => !event || runEvent(p) === event)
    .filter((p) => !headSha || p.sha === headSha)
    .filter((p) => !actor || gh.world.users.get(p.userId)?.username === actor)
    .filter((p) => !created || created(p.createdAt))
    .filter((p) => {
      if (!status) return true;
      const state = runState(gh, p);
      return RUN_STATUSES.has(status) ? state.status === status : state.conclusion === status;
    })
    .sort((a, b) => b.id - a.id);
}

function pendingEnvironments(gh: Gh, project: SimProject, run: SimPipeline) {
  return gh.ci
    .jobsOf(run)
    .filter((j) => j.status === 'manual')
    .map((j) => ({ job: j, env: environmentNamed(gh, project, j.environment ?? j.name) }));
}

/** GitHub Actions: workflow runs and jobs (the CI engine's pipelines and jobs), re-runs, approvals. */
export function registerActions(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/actions/runs',
    async (req) => {
      const project = repoOf(gh, req);
      const page = paged(gh, req, runsOf(gh, project, req));
      const runs = await Promise.all(page.items.map((p) => runJson(gh, project, p)));
      return ok({ total_count: page.total, workflow_runs: runs }, 200, page.headers);
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/actions/runs/:id',
    async (req) => {
      const project = repoOf(gh, req);
      return ok(await runJson(gh, project, findRun(gh, project, req.params.id)));
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/actions/runs/:id/jobs',
    (req) => {
      const project = repoOf(gh, req);
      const run = findRun(gh, project, req.params.id);
      const filter = req.query.get('filter') ?? 'latest';
      if (filter !== 'latest' && filter !== 'all')
        throw validationFailed({ resource: 'WorkflowJob', code: 'invalid', field: 'filter' });
      const jobs = gh.ci.jobsOf(run, filter === 'all').sort((a, b) => a.id - b.id);
      const page = paged(gh, req, jobs);
      return ok(
        { total_count: page.total, jobs: page.items.map((j) => jobJson(gh, project, j)) },
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/actions/jobs/:id',
    (req) => {
      const project = repoOf(gh, req);
      return ok(jobJson(gh, project, findJob(gh, project, req.params.id)));
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/actions/runs/:id/rerun', async (req) => {
    const project = repoOf(gh, req, 'push', 403);
    const run = findRun(gh, project, req.params.id);
    if (runState(gh, run).status !== 'completed') throw new GhError(403, 'This workflow is already running');
    for (const job of gh.ci.jobsOf(run)) {
      if (['success', 'failed', 'canceled'].includes(job.status)) await gh.ci.retryJob(job, req.user!.id);
    }
    return ok({}, 201);
  });

  gh.add('POST', '/repos/:owner/:repo/actions/runs/:id/rerun-failed-jobs', async (req) => {
    const project = repoOf(gh, req, 'push', 403);
    const run = findRun(gh, project, req.params.id);
    if (runState(gh, run).status !== 'completed') throw new GhError(403, 'This workflow is already running');
    try {
      await gh.ci.retryPipeline(run, req.user!.id);
    } catch (error) {
      if (error instanceof SimError) throw new GhError(403, 'This workflow run has no failed jobs to re-run');
      throw error;
    }
    return ok({}, 201);
  });

  gh.add('POST', '/repos/:owner/:repo/actions/jobs/:id/rerun', async (req) => {
    const project = repoOf(gh, req, 'push', 403);
    const job = findJob(gh, project, req.params.id);
    if (jobState(job).status !== 'completed') throw new GhError(403, 'This workflow is already running');
    // Re-running an older attempt re-runs the job as it is now.
    const latest =
      gh.ci
        .jobsOf(findRun(gh, project, String(job.pipelineId)))
        .filter((j) => j.name === job.name)
        .sort((a, b) => b.id - a.id)[0] ?? job;
    try {
      await gh.ci.retryJob(latest, req.user!.id);
    } catch (error) {
      if (error instanceof SimError) throw new GhError(403, 'This job cannot be re-run');
      throw error;
    }
    return ok({}, 201);
  });

  gh.add('POST', '/repos/:owner/:repo/actions/runs/:id/cancel', async (req) => {
    const project = repoOf(gh, req, 'push', 403);
    const run = findRun(gh, project, req.params.id);
    if (runState(gh, run).status === 'completed')
      throw new GhError(409, 'Cannot cancel a workflow run that is completed.');
    await gh.ci.cancelPipeline(run);
    return ok({}, 202);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/actions/runs/:id/pending_deployments',
    (req) => {
      const project = repoOf(gh, req);
      const run = findRun(gh, project, req.params.id);
      const canApprove = permissions(accessLevel(gh, req.user, project)).push;
      return ok(
        pendingEnvironments(gh, project, run).map(({ env }) => ({
          environment: environmentJson(gh, project, env),
          wait_timer: 0,
          wait_timer_started_at: null,
          current_user_can_approve: canApprove,
          reviewers: [],
        })),
      );
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/actions/runs/:id/pending_deployments', async (req) => {
    const project = repoOf(gh, req, 'push', 403);
    const run = findRun(gh, project, req.params.id);
    const ids = Array.isArray(req.body.environment_ids) ? req.body.environment_ids.map(Number) : [];
    const state = str(req.body.state);
    if (state !== 'approved' && state !== 'rejected')
      throw validationFailed({ resource: 'PendingDeployment', code: 'invalid', field: 'state' });
    const pending = pendingEnvironments(gh, project, run).filter((p) => ids.includes(p.env.id));
    if (pending.length === 0) throw unprocessableNoPending();
    if (state === 'rejected') await gh.ci.cancelPipeline(run);
    else for (const { job } of pending) await gh.ci.playJob(job, req.user!.id);
    return ok(pending.map(({ env, job }) => approvedDeployment(gh, project, run, env.id, job, req.user!.id)));
  });
}

/**
 * GitHub answers an approval with the deployments it creates for the approved environments.
 * The sim records a deployment when the deploy job succeeds, so until then the answer shows the
 * deployment-to-be (same ref, sha, environment and payload; its id is not kept).
 */
function approvedDeployment(
  gh: Gh,
  project: SimProject,
  run: SimPipeline,
  environmentId: number,
  job: SimJob,
  userId: number,
): Record<string, unknown> {
  const now = gh.world.nowIso();
  const deployment: SimDeployment = gh.world.deployments.find((d) => d.jobId === job.id) ?? {
    id: gh.world.nextId('deployment'),
    iid: 0,
    projectId: project.id,
    environmentId,
    ref: run.ref,
    sha: run.sha,
    status: 'created',
    userId,
    jobId: job.id,
    payload: { ...run.variables },
    description: run.variables.DEPLOY_VERSION ?? null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  return deploymentJson(gh, project, deployment);
}

function unprocessableNoPending(): GhError {
  return new GhError(422, 'No pending deployment requests to approve or reject');
}
