import { ForgeError } from '../../errors.js';
import type { ChangeRequestApi, CreateChangeRequestInput } from '../types.js';
import type { GitlabClient } from './client.js';
import { toChangeRequest } from './map.js';
import { resolveMilestone, resolveUsers } from './people.js';

type Json = Record<string, unknown>;

export function createChangeRequestApi(client: GitlabClient): ChangeRequestApi {
  const { api } = client;

  async function show(project: string, iid: number): Promise<Json | null> {
    return (await client.find(() => api.MergeRequests.show(project, iid))) as Json | null;
  }

  return {
    async list(project, query) {
      const mrs = await api.MergeRequests.all({
        projectId: project,
        sourceBranch: query.sourceBranch,
        targetBranch: query.targetBranch,
        state: query.state ?? 'all',
        labels: query.labels?.length ? query.labels.join(',') : undefined,
        // Newest first (created_at desc is GitLab's default order).
        perPage: query.limit ? Math.min(Math.max(query.limit, 1), 100) : 100,
        ...(query.limit
          ? { maxPages: Math.ceil(query.limit / Math.min(Math.max(query.limit, 1), 100)) }
          : {}),
      } as never);
      return (mrs as unknown as Json[]).slice(0, query.limit ?? Infinity).map(toChangeRequest);
    },

    async get(project, iid) {
      const mr = await show(project, iid);
      return mr ? toChangeRequest(mr) : null;
    },

    async create(project, input: CreateChangeRequestInput) {
      client.write(`open a merge request from ${input.sourceBranch} in ${project}`);
      const [assigneeIds, reviewerIds, milestoneId] = await Promise.all([
        resolveUsers(client, input.assignees),
        resolveUsers(client, input.reviewers),
        resolveMilestone(client, project, input.milestone),
      ]);
      const mr = await api.MergeRequests.create(
        project,
        input.sourceBranch,
        input.targetBranch,
        input.title,
        {
          description: input.description,
          labels: input.labels?.join(','),
          assigneeIds,
          reviewerIds,
          milestoneId,
          removeSourceBranch: input.removeSourceBranch,
          squash: input.squash,
        } as never,
      );
      return toChangeRequest(mr as unknown as Json);
    },

    async update(project, iid, input) {
      client.write(`update merge request !${iid} in ${project}`);
      const mr = await api.MergeRequests.edit(project, iid, {
        title: input.title,
        description: input.description,
        labels: input.labels?.join(','),
        addLabels: input.addLabels?.join(','),
        removeLabels: input.removeLabels?.join(','),
        stateEvent: input.state,
      } as never);
      return toChangeRequest(mr as unknown as Json);
    },

    async merge(project, iid, options) {
      client.write(`merge merge request !${iid} in ${project}`);
      const mr = await api.MergeRequests.merge(project, iid, {
        sha: options.sha,
        squash: options.squash,
        shouldRemoveSourceBranch: options.removeSourceBranch,
      });
      return toChangeRequest(mr as unknown as Json);
    },

    /**
     * `auto_merge` (GitLab 17+) and the older `merge_when_pipeline_succeeds` are both sent; the
     * `sha` guard makes GitLab refuse (409) when the head moved since the caller looked. If the
     * pipeline already passed, GitLab merges right away — that is "enabled" too.
     */
    async enableAutoMerge(project, iid, options) {
      client.write(`enable auto-merge of !${iid} in ${project}`);
      const current = await show(project, iid);
      if (!current) throw new ForgeError(`${client.forge}: ${project}!${iid} not found`, 404, client.forge);
      if (current.merge_when_pipeline_succeeds === true && current.sha === options.sha)
        return 'already-enabled';
      await api.MergeRequests.merge(project, iid, {
        sha: options.sha,
        autoMerge: true,
        mergeWhenPipelineSucceeds: true,
        squash: options.squash,
        shouldRemoveSourceBranch: options.removeSourceBranch,
      } as never);
      return 'enabled';
    },

    /** Approving twice is not an error here (GitLab answers 401 to a repeated approval). */
    async approve(project, iid, options) {
      client.write(`approve !${iid} in ${project}`);
      try {
        await api.MergeRequestApprovals.approve(project, iid, { sha: options.sha });
      } catch (error) {
        if (!(error instanceof ForgeError) || error.status !== 401) throw error;
        const state = (await api.MergeRequestApprovals.showConfiguration(project, {
          mergerequestIId: iid,
        })) as unknown as { approved_by?: { user?: { id?: number } }[] };
        const me = await client.userId();
        if (!state.approved_by?.some((a) => a.user?.id === me)) throw error;
      }
    },
  };
}
