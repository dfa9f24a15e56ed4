import type { Deployment, DeploymentApi } from '../types.js';
import { toDeployment as mapDeployment } from './deployment-map.js';
import { etagKey } from '../etag-cache.js';
import type { GithubClient } from './client.js';
import type { GhDeployment, GhDeploymentStatus } from './wire.js';

/** Deployments: the deployments API plus each deployment's latest status (deployment-map.ts). */

/**
 * How long after its creation a deployment may still get the status a window read looks for:
 * deploy jobs finish well within it. A deployment whose status comes later still shows in reads
 * without `updatedAfter`.
 */
export const STATUS_GRACE_MS = 6 * 3_600_000;

export function createDeploymentApi(gh: GithubClient): DeploymentApi {
  const toDeployment = (project: string, d: GhDeployment, latest: GhDeploymentStatus | undefined) =>
    mapDeployment(gh.webUrl, project, d, latest);

  const memoKey = (project: string, id: number) =>
    etagKey(gh.cache?.identity ?? '', `memo:deployment-status:${project}:${id}`, null);

  /**
   * In a list, a deployment whose latest status was `success` or `inactive` is not asked again:
   * GitHub adds `inactive` after `success` (which we read as success too) and nothing after
   * `inactive`, so a window read costs a request only for deployments still moving.
   */
  async function listedStatus(project: string, id: number): Promise<GhDeploymentStatus | undefined> {
    const cache = gh.cache?.cache;
    const known = cache ? await cache.get(memoKey(project, id)) : undefined;
    if (known) return JSON.parse(known.body) as GhDeploymentStatus;
    const latest = await latestStatus(project, id);
    if (cache && (latest?.state === 'success' || latest?.state === 'inactive'))
      await cache.set(memoKey(project, id), {
        etag: 'settled',
        headers: {},
        body: JSON.stringify(latest),
        at: Date.now(),
      });
    return latest;
  }

  async function latestStatus(project: string, id: number): Promise<GhDeploymentStatus | undefined> {
    const statuses = await gh.request<GhDeploymentStatus[]>(
      'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      {
        ...gh.repo(project),
        deployment_id: id,
        per_page: 1,
      },
    );
    return statuses[0];
  }

  return {
    /**
     * GitHub lists deployments newest first with no status or time filter, and a deployment's
     * state is one more request. Reading oldest first walked every page and asked every status:
     * a poll cost as much as the history. Now the read is always newest first and, with
     * `updatedAfter`, stops at the first deployment created before it (less STATUS_GRACE_MS, for
     * a status that comes late); only deployments inside that window cost a status read, which
     * the ETag cache answers for free when it did not change.
     */
    async list(project, query) {
      const limit = query.limit ?? 100;
      const after = query.updatedAfter ? Date.parse(query.updatedAfter) : undefined;
      const floor = after !== undefined ? after - STATUS_GRACE_MS : undefined;
      const out: Deployment[] = [];
      // A window read takes whole pages (it stops on time, not on count); else no more than asked.
      const perPage = floor !== undefined || query.sort === 'asc' ? 100 : Math.min(Math.max(limit, 1), 100);
      const params = { ...gh.repo(project), environment: query.environment, per_page: perPage };
      for await (const page of gh.pages<GhDeployment>('GET /repos/{owner}/{repo}/deployments', params)) {
        const inWindow = floor === undefined ? page : page.filter((d) => Date.parse(d.created_at) >= floor);
        const withStatus = await Promise.all(
          inWindow.map(async (d) => toDeployment(project, d, await listedStatus(project, d.id))),
        );
        for (const d of withStatus) {
          if (query.status && d.status !== query.status) continue;
          if (after !== undefined && Date.parse(d.updatedAt) <= after) continue;
          out.push(d);
        }
        if (inWindow.length < page.length) break; // the rest is older than the window
        if (query.sort !== 'asc' && out.length >= limit) break;
      }
      if (query.sort !== 'asc') return out.slice(0, limit);
      // Oldest first: the oldest `limit` of what changed (a caller pages on by moving updatedAfter).
      return out.reverse().slice(0, limit);
    },

    async get(project, id) {
      const d = await gh.find<GhDeployment>('GET /repos/{owner}/{repo}/deployments/{deployment_id}', {
        ...gh.repo(project),
        deployment_id: id,
      });
      return d ? toDeployment(project, d, await latestStatus(project, id)) : null;
    },

    async create(project, input) {
      gh.write(`create a deployment to ${input.environment}`);
      // No auto-merge of the default branch and no status gate: the caller decided what to deploy.
      const d = await gh.request<GhDeployment>('POST /repos/{owner}/{repo}/deployments', {
        ...gh.repo(project),
        ref: input.sha,
        environment: input.environment,
        task: 'deploy',
        auto_merge: false,
        required_contexts: [],
        payload: { ref: input.ref, ...(input.version ? { version: input.version } : {}) },
        description: input.description ?? '',
      });
      return toDeployment(project, d, undefined);
    },
  };
}
