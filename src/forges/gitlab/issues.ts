import type { IssueApi } from '../types.js';
import type { GitlabClient } from './client.js';
import { toIssue } from './map.js';
import { resolveMilestone, resolveUsers } from './people.js';

type Json = Record<string, unknown>;

export function createIssueApi(client: GitlabClient): IssueApi {
  const { api } = client;

  return {
    async list(project, query) {
      const limit = query.limit ?? 100;
      const perPage = Math.min(limit, 100);
      const issues = await api.Issues.all({
        projectId: project,
        state: query.state === 'all' ? undefined : query.state,
        labels: query.labels?.length ? query.labels.join(',') : undefined,
        search: query.search,
        in: query.search ? 'title' : undefined,
        perPage,
        maxPages: Math.ceil(limit / perPage),
      } as never);
      return (issues as unknown as Json[]).slice(0, limit).map(toIssue);
    },

    async get(project, iid) {
      const issue = await client.find(() => api.Issues.show(iid, { projectId: project }));
      return issue ? toIssue(issue as unknown as Json) : null;
    },

    async create(project, input) {
      client.write(`open an issue in ${project}`);
      const [assigneeIds, milestoneId] = await Promise.all([
        resolveUsers(client, input.assignees),
        resolveMilestone(client, project, input.milestone),
      ]);
      const issue = await api.Issues.create(project, input.title, {
        description: input.description,
        labels: input.labels?.join(','),
        assigneeIds,
        milestoneId,
      } as never);
      return toIssue(issue as unknown as Json);
    },

    async update(project, iid, input) {
      client.write(`update issue #${iid} in ${project}`);
      const issue = await api.Issues.edit(project, iid, {
        title: input.title,
        description: input.description,
        labels: input.labels?.join(','),
        stateEvent: input.state,
      } as never);
      return toIssue(issue as unknown as Json);
    },
  };
}
