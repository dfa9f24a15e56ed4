import { ForgeError } from '../../errors.js';
import type {
  BranchCommitChecks,
  CiApi,
  CiJob,
  CiStatus,
  CommitCheck,
  Pipeline,
  PipelineQuery,
} from '../types.js';
import { branchMemo } from './branch-memo.js';
import type { GithubClient } from './client.js';
import type { GhCheckRun, GhJob, GhPendingDeployment, GhStatus, GhWorkflowRun } from './wire.js';

/**
 * CI on GitHub: pipelines are Actions workflow runs, jobs are workflow jobs, and the signals on
 * a commit are check runs (every attempt) plus commit statuses. Statuses use GitLab's words.
 */

export function ciStatus(status: string | null, conclusion: string | null): CiStatus {
  switch (status) {
    case 'in_progress':
      return 'running';
    case 'waiting':
      return 'manual';
    case 'completed':
      switch (conclusion) {
        case 'success':
        case 'neutral':
          return 'success';
        case 'cancelled':
        case 'stale':
          return 'canceled';
        case 'skipped':
          return 'skipped';
        case 'action_required':
          return 'manual';
        default:
          return 'failed';
      }
    default:
      return 'pending';
  }
}

/** The closest GitHub `status` filter for a CiStatus (results are filtered exactly afterwards). */
function statusFilter(status: CiStatus): string | undefined {
  switch (status) {
    case 'success':
      return 'success';
    case 'failed':
      return 'failure';
    case 'canceled':
      return 'cancelled';
    case 'skipped':
      return 'skipped';
    case 'running':
      return 'in_progress';
    case 'manual':
      return 'waiting';
    case 'pending':
    case 'created':
      return 'queued';
    default:
      return undefined;
  }
}

export function toPipeline(run: GhWorkflowRun): Pipeline {
  const status = ciStatus(run.status, run.conclusion);
  const started = run.run_started_at ?? null;
  const finished = run.status === 'completed' ? run.updated_at : null;
  return {
    id: run.id,
    ref: run.head_branch ?? '',
    sha: run.head_sha,
    status,
    source: run.event,
    webUrl: run.html_url,
    createdAt: run.created_at,
    updatedAt: run.updated_at,
    startedAt: started,
    finishedAt: finished,
    duration: started && finished ? Math.max(0, (Date.parse(finished) - Date.parse(started)) / 1000) : null,
  };
}

function toJobs(jobs: GhJob[]): CiJob[] {
  // A job is "retried" when a later attempt of the same name exists (filter=all lists every attempt).
  const latest = new Map<string, number>();
  for (const j of jobs) latest.set(j.name, Math.max(latest.get(j.name) ?? 0, j.id));
  return jobs.map((j) => {
    const status = ciStatus(j.status, j.conclusion);
    return {
      id: j.id,
      name: j.name,
      stage: j.workflow_name ?? '',
      status,
      failureReason: status === 'failed' ? (j.conclusion ?? 'failure') : null,
      webUrl: j.html_url ?? '',
      retried: latest.get(j.name) !== j.id,
      allowFailure: false,
      startedAt: j.started_at,
      finishedAt: j.completed_at,
      manual: j.status === 'waiting',
    };
  });
}

function checkStatus(status: string, conclusion: string | null): CommitCheck['status'] {
  if (status !== 'completed') return status === 'in_progress' ? 'running' : 'pending';
  switch (conclusion) {
    case 'success':
      return 'success';
    case 'neutral':
      return 'neutral';
    case 'skipped':
      return 'skipped';
    case 'cancelled':
    case 'stale':
      return 'canceled';
    default:
      return 'failed';
  }
}

function runCheck(run: {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  webUrl: string;
  startedAt: string | null;
  completedAt: string | null;
}): CommitCheck {
  return {
    id: run.id,
    name: run.name,
    kind: 'check_run',
    status: checkStatus(run.status, run.conclusion),
    webUrl: run.webUrl,
    createdAt: run.startedAt ?? run.completedAt ?? '',
    completedAt: run.completedAt,
  };
}

function statusCheck(s: {
  id: number;
  context: string;
  state: string;
  targetUrl: string | null;
  createdAt: string;
  updatedAt: string;
}): CommitCheck {
  // GraphQL's EXPECTED (a required context not reported yet) waits like pending.
  const pending = s.state === 'pending' || s.state === 'expected';
  return {
    id: s.id,
    name: s.context,
    kind: 'status',
    status: s.state === 'success' ? 'success' : pending ? 'pending' : 'failed',
    webUrl: s.targetUrl ?? '',
    createdAt: s.createdAt,
    completedAt: pending ? null : s.updatedAt,
  };
}

/**
 * A branch's history with each commit's check runs and statuses, in one request per 100
 * commits. The rollup holds the newest check run per name and the newest status per context,
 * which is all checksVerdict reads.
 */
const BRANCH_CHECKS = `
  query($owner: String!, $name: String!, $ref: String!, $n: Int!, $after: String) {
    repository(owner: $owner, name: $name) {
      ref(qualifiedName: $ref) {
        target {
          ... on Commit {
            history(first: $n, after: $after) {
              pageInfo { hasNextPage endCursor }
              nodes {
                oid abbreviatedOid url
                statusCheckRollup {
                  contexts(first: 100) {
                    pageInfo { hasNextPage }
                    nodes {
                      __typename
                      ... on CheckRun { databaseId name status conclusion startedAt completedAt detailsUrl url }
                      ... on StatusContext { context state targetUrl createdAt }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }`;

type GqlContext =
  | {
      __typename: 'CheckRun';
      databaseId: number | null;
      name: string;
      status: string;
      conclusion: string | null;
      startedAt: string | null;
      completedAt: string | null;
      detailsUrl: string | null;
      url: string | null;
    }
  | {
      __typename: 'StatusContext';
      context: string;
      state: string;
      targetUrl: string | null;
      createdAt: string;
    };

interface GqlHistoryCommit {
  oid: string;
  abbreviatedOid: string;
  url: string;
  statusCheckRollup: {
    contexts: { pageInfo: { hasNextPage: boolean }; nodes: (GqlContext | null)[] };
  } | null;
}

interface GqlBranchChecks {
  repository: {
    ref: {
      target: {
        history?: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: GqlHistoryCommit[] };
      };
    } | null;
  } | null;
}

function contextCheck(c: GqlContext): CommitCheck {
  if (c.__typename === 'CheckRun')
    return runCheck({
      id: c.databaseId ?? 0,
      name: c.name,
      status: c.status.toLowerCase(),
      conclusion: c.conclusion?.toLowerCase() ?? null,
      webUrl: c.url ?? c.detailsUrl ?? '',
      startedAt: c.startedAt,
      completedAt: c.completedAt,
    });
  // A status context has no database id; the rollup holds one (the newest) per context anyway.
  return statusCheck({
    id: 0,
    context: c.context,
    state: c.state.toLowerCase(),
    targetUrl: c.targetUrl,
    createdAt: c.createdAt,
    updatedAt: c.createdAt,
  });
}

export function createCiApi(gh: GithubClient): CiApi {
  const memo = branchMemo(gh, gh.cache?.cache, gh.cache?.identity ?? '', (r) =>
    runCheck({
      id: r.id,
      name: r.name,
      status: r.status,
      conclusion: r.conclusion,
      webUrl: r.html_url ?? r.details_url ?? '',
      startedAt: r.started_at,
      completedAt: r.completed_at,
    }),
  );
  async function runs(project: string, query: PipelineQuery & { branch?: string }): Promise<Pipeline[]> {
    const limit = query.limit ?? 100;
    const wanted = query.status;
    const filter = wanted ? statusFilter(wanted) : undefined;
    // Filtered here: whole pages. Else no more than asked (a smaller answer, cheaper to revalidate).
    const filtered = Boolean(wanted) || Boolean(query.updatedAfter) || query.sort === 'asc';
    const params = {
      ...gh.repo(project),
      per_page: filtered ? 100 : Math.min(Math.max(limit, 1), 100),
      ...(query.ref ? { branch: query.ref } : {}),
      ...(query.sha ? { head_sha: query.sha } : {}),
      ...(filter ? { status: filter } : {}),
    };
    const out: Pipeline[] = [];
    // Newest first; an ascending answer needs every match before taking the oldest.
    for await (const page of gh.pages<GhWorkflowRun>('GET /repos/{owner}/{repo}/actions/runs', params)) {
      for (const run of page) {
        const pipeline = toPipeline(run);
        if (wanted && pipeline.status !== wanted) continue;
        if (query.updatedAfter && Date.parse(pipeline.updatedAt) <= Date.parse(query.updatedAfter)) continue;
        out.push(pipeline);
      }
      if (query.sort !== 'asc' && out.length >= limit) break;
    }
    return query.sort === 'asc' ? out.reverse().slice(0, limit) : out.slice(0, limit);
  }

  async function jobsOf(project: string, runId: number, all: boolean): Promise<GhJob[]> {
    return gh.paginate<GhJob>('GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs', {
      ...gh.repo(project),
      run_id: runId,
      filter: all ? 'all' : 'latest',
      per_page: 100,
    });
  }

  async function job(project: string, jobId: number): Promise<GhJob> {
    return gh.request<GhJob>('GET /repos/{owner}/{repo}/actions/jobs/{job_id}', {
      ...gh.repo(project),
      job_id: jobId,
    });
  }

  const api: CiApi = {
    listPipelines: (project, query) => runs(project, query),

    async getPipeline(project, id) {
      const run = await gh.find<GhWorkflowRun>('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
        ...gh.repo(project),
        run_id: id,
      });
      return run ? toPipeline(run) : null;
    },

    async listJobs(project, pipelineId, options = {}) {
      const jobs = await jobsOf(project, pipelineId, options.includeRetried ?? false);
      return toJobs(jobs);
    },

    async retryJob(project, jobId) {
      gh.write(`re-run job ${jobId}`);
      const before = await job(project, jobId);
      await gh.request('POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun', {
        ...gh.repo(project),
        job_id: jobId,
      });
      const jobs = toJobs(await jobsOf(project, before.run_id, false));
      const retry = jobs.filter((j) => j.name === before.name).sort((a, b) => b.id - a.id)[0];
      return retry ?? toJobs([await job(project, jobId)])[0]!;
    },

    async retryPipeline(project, pipelineId) {
      gh.write(`re-run failed jobs of run ${pipelineId}`);
      await gh.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs', {
        ...gh.repo(project),
        run_id: pipelineId,
      });
      const run = await gh.request<GhWorkflowRun>('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
        ...gh.repo(project),
        run_id: pipelineId,
      });
      return toPipeline(run);
    },

    /**
     * GitHub has no manual jobs; a job waiting on an environment's required reviewers is the
     * equivalent. Approving the run's pending deployments lets it start.
     */
    async playJob(project, jobId) {
      gh.write(`approve the deployment waiting in job ${jobId}`);
      const waiting = await job(project, jobId);
      if (waiting.status !== 'waiting') return null;
      const pending = await gh.request<GhPendingDeployment[]>(
        'GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments',
        { ...gh.repo(project), run_id: waiting.run_id },
      );
      const ids = pending.map((p) => p.environment.id).filter((id): id is number => typeof id === 'number');
      if (ids.length === 0) return null;
      await gh.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments', {
        ...gh.repo(project),
        run_id: waiting.run_id,
        environment_ids: ids,
        state: 'approved',
        comment: 'Approved by release-bot',
      });
      return toJobs([await job(project, jobId)])[0]!;
    },

    async commitChecks(project, sha) {
      const repo = gh.repo(project);
      // filter=all: callers see every attempt and keep the newest per name.
      const [runs, statuses] = await Promise.all([
        gh.paginate<GhCheckRun>('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
          ...repo,
          ref: sha,
          filter: 'all',
          per_page: 100,
        }),
        gh.paginate<GhStatus>('GET /repos/{owner}/{repo}/commits/{ref}/statuses', {
          ...repo,
          ref: sha,
          per_page: 100,
        }),
      ]);
      return [
        ...runs.map((r) =>
          runCheck({
            id: r.id,
            name: r.name,
            status: r.status,
            conclusion: r.conclusion,
            webUrl: r.html_url ?? r.details_url ?? '',
            startedAt: r.started_at,
            completedAt: r.completed_at,
          }),
        ),
        ...statuses.map((s) =>
          statusCheck({
            id: s.id,
            context: s.context,
            state: s.state,
            targetUrl: s.target_url,
            createdAt: s.created_at,
            updatedAt: s.updated_at,
          }),
        ),
      ];
    },

    async branchChecks(project, branch, limit, options) {
      const remembered = await memo.lookup(project, branch, limit, options);
      if (remembered) return remembered;
      const answer = await historyChecks(project, branch, limit);
      await memo.remember(project, branch, limit, answer);
      return answer;
    },

    listTagPipelines: (project, tag) => runs(project, { ref: tag }),
  };

  async function historyChecks(
    project: string,
    branch: string,
    limit: number,
  ): Promise<BranchCommitChecks[]> {
    {
      const { owner, repo } = gh.repo(project);
      const out: BranchCommitChecks[] = [];
      let after: string | null = null;
      while (out.length < limit) {
        const data: GqlBranchChecks = await gh.graphql<GqlBranchChecks>(BRANCH_CHECKS, {
          owner,
          name: repo,
          ref: `refs/heads/${branch}`,
          n: Math.min(100, limit - out.length),
          after,
        });
        const history = data.repository?.ref?.target.history;
        if (!history)
          throw new ForgeError(
            `${gh.forge}: branch ${branch} not found in ${project}`,
            404,
            gh.forge,
            'POST /graphql',
          );
        for (const c of history.nodes) {
          const contexts = c.statusCheckRollup?.contexts;
          const checks = contexts?.pageInfo.hasNextPage
            ? await api.commitChecks(project, c.oid) // over 100 signals: all of them, over REST
            : (contexts?.nodes ?? []).filter((n): n is GqlContext => n !== null).map(contextCheck);
          out.push({ commit: { sha: c.oid, shortSha: c.abbreviatedOid, webUrl: c.url }, checks });
        }
        // An empty page that says "more" would loop for ever (the HTTP page cap sees no Link here).
        if (!history.pageInfo.hasNextPage || !history.pageInfo.endCursor || history.nodes.length === 0) break;
        after = history.pageInfo.endCursor;
      }
      return out.slice(0, limit);
    }
  }
  return api;
}
