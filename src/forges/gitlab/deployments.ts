import type { DeploymentApi } from '../types.js';
import type { GitlabClient } from './client.js';
import { toDeployment } from './map.js';

type Json = Record<string, unknown>;

export function createDeploymentApi(client: GitlabClient): DeploymentApi {
  const { api } = client;
  const projectWeb = (project: string) => `${client.webUrl}/${project}`;

  return {
    /**
     * Newest first unless told otherwise. GitLab insists that `updated_after` comes with
     * `order_by=updated_at` (400 otherwise), so the order follows the filter.
     */
    async list(project, query) {
      const limit = query.limit ?? 20;
      const perPage = Math.min(Math.max(limit, 1), 100);
      const deployments = await api.Deployments.all(project, {
        environment: query.environment,
        status: query.status,
        updatedAfter: query.updatedAfter,
        orderBy: query.updatedAfter ? 'updated_at' : 'id',
        sort: query.sort ?? 'desc',
        perPage,
        maxPages: Math.ceil(limit / perPage),
      } as never);
      return (deployments as unknown as Json[])
        .slice(0, limit)
        .map((d) => toDeployment(d, projectWeb(project)));
    },

    async get(project, id) {
      const d = await client.find(() => api.Deployments.show(project, id));
      return d ? toDeployment(d as unknown as Json, projectWeb(project)) : null;
    },

    /** Records a finished (successful) deployment; GitLab deployments carry no version field. */
    async create(project, input) {
      client.write(`record a deployment to ${input.environment} in ${project}`);
      const d = await api.Deployments.create(project, input.environment, input.sha, input.ref, false, {
        status: 'success',
      } as never);
      return toDeployment(d as unknown as Json, projectWeb(project));
    },
  };
}
