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

  // "Pipelines must succeed" is a project setting that rarely changes: read once per adapter.
  const mustSucceed = new Map<string, Promise<boolean>>();
  function pipelinesMustSucceed(project: string): Promise<boolean> {
    let known = mustSucceed.get(project);
    if (!known) {
      known = api.Projects.show(project).then(
        (p) => (p as unknown as Json).only_allow_merge_if_pipeline_succeeds === true,
      );
      known.catch(() => mustSucceed.delete(project));
      mustSucceed.set(project, known);
    }
    return known;
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

    async listForCommit(project, sha) {
      const mrs = await api.Commits.allMergeRequests(project, sha, { perPage: 100 } as never);
      return (mrs as unknown as Json[]).map(toChangeRequest);
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
     * `auto_merge` (GitLab 17+) and the older `merge_when_pipeline_succeeds` are both sent, with
     * the `sha` guard (409 when the head moved since the caller looked). Guarded so it cannot
     * merge an untested head (docs/dev/forge-behaviour.md):
     * - asked only once the head pipeline of exactly this sha exists: GitLab creates it after the
     *   push, and before it exists 16 answers 405 (gitlab-org/gitlab#353984) while 17's
     *   merge-when-checks-pass may merge at once → `pending`, a later run asks again;
     * - on a project that does not require pipelines to succeed, 17's strategy merges as soon as
     *   the other checks pass (an approval while the pipeline runs) → `unsupported`: the caller
     *   merges itself once the head is green;
     * - a 405 (not mergeable now: pipeline failed, a check pending) → `pending`.
     * If the pipeline already passed, GitLab merges right away — that is "enabled" too.
     */
    async enableAutoMerge(project, iid, options) {
      client.write(`enable auto-merge of !${iid} in ${project}`);
      const current = await show(project, iid);
      if (!current) throw new ForgeError(`${client.forge}: ${project}!${iid} not found`, 404, client.forge);
      if (current.merge_when_pipeline_succeeds === true && current.sha === options.sha)
        return 'already-enabled';
      // A head that moved since the caller looked is GitLab's to refuse (409) below.
      if (current.sha === options.sha) {
        const pipeline = current.head_pipeline as Json | null | undefined;
        if (pipeline?.sha !== options.sha) return 'pending';
        if (!(await pipelinesMustSucceed(project))) return 'unsupported';
      }
      try {
        await api.MergeRequests.merge(project, iid, {
          sha: options.sha,
          autoMerge: true,
          mergeWhenPipelineSucceeds: true,
          squash: options.squash,
          shouldRemoveSourceBranch: options.removeSourceBranch,
        } as never);
      } catch (error) {
        if (error instanceof ForgeError && error.status === 405) return 'pending';
        throw error;
      }
      return 'enabled';
    },

    /**
     * Approving twice is not an error here: GitLab 18 answers 304 Not Modified to a repeated
     * approval, older versions 401 (then the approval state says whether it was ours).
     */
    async approve(project, iid, options) {
      client.write(`approve !${iid} in ${project}`);
      try {
        await api.MergeRequestApprovals.approve(project, iid, { sha: options.sha });
      } catch (error) {
        if (error instanceof ForgeError && error.status === 304) return;
        if (!(error instanceof ForgeError) || error.status !== 401) throw error;
        const state = (await api.MergeRequestApprovals.showConfiguration(project, {
          mergerequestIId: iid,
        })) as unknown as { approved_by?: { user?: { id?: number } }[] };
        const me = await client.userId();
        if (!state.approved_by?.some((a) => a.user?.id === me)) throw error;
      }
    },

    async disableAutoMerge(project, iid) {
      client.write(`cancel auto-merge of !${iid} in ${project}`);
      try {
        await api.MergeRequests.cancelOnPipelineSuccess(project, iid);
        return true;
      } catch (error) {
        // 405/406: auto-merge is not set (any more).
        if (error instanceof ForgeError && (error.status === 405 || error.status === 406)) return false;
        throw error;
      }
    },
  };
}
