import type { Issue, IssueApi } from '../types.js';
import type { GithubClient } from './client.js';
import { toIssue } from './map.js';
import { milestoneNumber } from './milestones.js';
import type { GhIssue } from './wire.js';

/** Issues. GitHub's issue endpoints include pull requests; those are left out here. */
export function createIssueApi(gh: GithubClient): IssueApi {
  return {
    async list(project, query) {
      const limit = query.limit ?? 100;
      const search = query.search?.toLowerCase();
      const out: Issue[] = [];
      const params = {
        ...gh.repo(project),
        state: query.state === 'closed' ? 'closed' : query.state === 'all' ? 'all' : 'open',
        per_page: 100,
        ...(query.labels?.length ? { labels: query.labels.join(',') } : {}),
      };
      for await (const page of gh.pages<GhIssue>('GET /repos/{owner}/{repo}/issues', params)) {
        for (const item of page) {
          if (item.pull_request) continue;
          if (search && !item.title.toLowerCase().includes(search)) continue;
          out.push(toIssue(item));
          if (out.length >= limit) return out;
        }
      }
      return out;
    },

    async get(project, iid) {
      const issue = await gh.find<GhIssue>('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        ...gh.repo(project),
        issue_number: iid,
      });
      return issue && !issue.pull_request ? toIssue(issue) : null;
    },

    async create(project, input) {
      gh.write(`open issue "${input.title}"`);
      const milestone = input.milestone ? await milestoneNumber(gh, project, input.milestone) : undefined;
      const issue = await gh.request<GhIssue>('POST /repos/{owner}/{repo}/issues', {
        ...gh.repo(project),
        title: input.title,
        body: input.description,
        ...(input.labels?.length ? { labels: input.labels } : {}),
        ...(input.assignees?.length ? { assignees: input.assignees } : {}),
        ...(milestone !== undefined ? { milestone } : {}),
      });
      return toIssue(issue);
    },

    async update(project, iid, input) {
      gh.write(`update issue #${iid}`);
      const issue = await gh.request<GhIssue>('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
        ...gh.repo(project),
        issue_number: iid,
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.description !== undefined ? { body: input.description } : {}),
        ...(input.labels ? { labels: input.labels } : {}),
        ...(input.state ? { state: input.state === 'close' ? 'closed' : 'open' } : {}),
      });
      return toIssue(issue);
    },
  };
}
