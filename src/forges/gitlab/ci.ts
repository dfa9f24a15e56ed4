import { ForgeError } from '../../errors.js';
import type { CiApi } from '../types.js';
import type { GitlabClient } from './client.js';
import { reasonOf } from './errors.js';
import { pipelineCheck, statusCheck, toCommit, toJob, toJobs, toPipeline } from './map.js';

type Json = Record<string, unknown>;

const DEFAULT_LIMIT = 20;

export function createCiApi(client: GitlabClient): CiApi {
  const { api } = client;

  const ci: CiApi = {
    /** One request for up to 100 pipelines: filters, order and page size go to GitLab. */
    async listPipelines(project, query) {
      const limit = query.limit ?? DEFAULT_LIMIT;
      const perPage = Math.min(Math.max(limit, 1), 100);
      const pipelines = await api.Pipelines.all(project, {
        ref: query.ref,
        sha: query.sha,
        status: query.status,
        updatedAfter: query.updatedAfter,
        orderBy: 'id',
        sort: query.sort ?? 'desc',
        perPage,
        maxPages: Math.ceil(limit / perPage),
      } as never);
      return (pipelines as unknown as Json[]).slice(0, limit).map(toPipeline);
    },

    async getPipeline(project, id) {
      const p = await client.find(() => api.Pipelines.show(project, id));
      return p ? toPipeline(p as unknown as Json) : null;
    },

    async listJobs(project, pipelineId, options = {}) {
      const jobs = await api.Jobs.all(project, {
        pipelineId,
        includeRetried: options.includeRetried ?? false,
        perPage: 100,
      } as never);
      return toJobs(jobs as unknown as Json[]);
    },

    async retryJob(project, jobId) {
      client.write(`retry job ${jobId} in ${project}`);
      return toJob((await api.Jobs.retry(project, jobId)) as unknown as Json);
    },

    async retryPipeline(project, pipelineId) {
      client.write(`retry pipeline ${pipelineId} in ${project}`);
      return toPipeline((await api.Pipelines.retry(project, pipelineId)) as unknown as Json);
    },

    async playJob(project, jobId) {
      client.write(`play job ${jobId} in ${project}`);
      try {
        return toJob((await api.Jobs.play(project, jobId)) as unknown as Json);
      } catch (error) {
        // Someone (or an earlier run) already played it.
        if (error instanceof ForgeError && error.status === 400 && /Unplayable Job/.test(reasonOf(error)))
          return null;
        throw error;
      }
    },

    /**
     * Two requests: the commit's pipelines, and its commit statuses (every attempt of every CI job
     * plus external statuses, `all=true`), newest-per-name left to the caller.
     */
    async commitChecks(project, sha) {
      const [pipelines, statuses] = await Promise.all([
        api.Pipelines.all(project, { sha, perPage: 100 } as never),
        api.Commits.allStatuses(project, sha, { all: true, perPage: 100 } as never),
      ]);
      return [
        ...(pipelines as unknown as Json[]).map(pipelineCheck),
        ...(statuses as unknown as Json[]).map(statusCheck),
      ];
    },

    async listTagPipelines(project, tag) {
      const pipelines = await api.Pipelines.all(project, { ref: tag, perPage: 100 } as never);
      return (pipelines as unknown as Json[]).map(toPipeline);
    },

    /**
     * The commits, then each commit's checks (two requests per commit). update-component does not
     * use this on GitLab: the branch's successful pipelines answer it in one request.
     */
    async branchChecks(project, branch, limit) {
      const perPage = Math.min(Math.max(limit, 1), 100);
      const commits = await api.Commits.all(project, {
        refName: branch,
        perPage,
        maxPages: Math.ceil(limit / perPage),
      });
      const out = [];
      for (const commit of (commits as unknown as Json[]).slice(0, limit).map(toCommit)) {
        out.push({
          commit: { sha: commit.sha, shortSha: commit.shortSha, webUrl: commit.webUrl },
          checks: await ci.commitChecks(project, commit.sha),
        });
      }
      return out;
    },
  };
  return ci;
}
