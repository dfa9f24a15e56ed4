import { setTimeout as sleep } from 'node:timers/promises';
import { ForgeError } from '../../errors.js';
import { backoffDelay } from '../../kit/backoff.js';
import type { AutoMergeResult, ChangeRequestApi, ChangeRequestState } from '../types.js';
import type { GithubClient } from './client.js';
import { isStatus } from './errors.js';
import { toChangeRequest } from './map.js';
import { milestoneNumber } from './milestones.js';
import type { GhBranch, GhPull } from './wire.js';

const ENABLE_AUTO_MERGE = `mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!, $expectedHeadOid: GitObjectID) {
  enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod, expectedHeadOid: $expectedHeadOid}) {
    pullRequest { id autoMergeRequest { enabledAt mergeMethod } }
  }
}`;

const DISABLE_AUTO_MERGE = `mutation($pullRequestId: ID!) {
  disablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId}) {
    pullRequest { id }
  }
}`;

/**
 * GitHub refuses auto-merge when the repository does not allow it, and also when the PR has
 * nothing left to wait for ("clean"/"unstable" status): both mean "merge it yourself when green".
 */
/**
 * GitHub's answer (405, like a conflict, told apart by the message) to a merge that raced another
 * merge into the same base, or came before GitHub recomputed mergeability after the base moved.
 */
const BASE_MOVED = /base branch was modified/i;
const BASE_MOVED_RETRIES = 6;

const UNSUPPORTED = [/auto merge is not allowed/i, /is in (clean|unstable) status/i];

/** GitHub's answers while a just-pushed head is not visible to PR creation yet. */
function headNotSeenYet(body: unknown, message: string): boolean {
  if (/No commits between/i.test(message)) return true;
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  return (
    Array.isArray(errors) &&
    errors.some((e) => {
      const entry = e as { field?: unknown; code?: unknown };
      return entry.field === 'head' && entry.code === 'invalid';
    })
  );
}

/** Waits before trying a PR creation again that met GitHub's read-after-write lag. */
const CREATE_RETRY_MS = [500, 1000, 2000];

export function createChangeRequestApi(gh: GithubClient): ChangeRequestApi {
  const getPull = (project: string, iid: number) =>
    gh.request<GhPull>('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...gh.repo(project),
      pull_number: iid,
    });

  /**
   * POST a pull request. A branch pushed a moment ago may not be visible to PR creation yet: GitHub
   * answers 422 `head` invalid or "No commits between" (mislav/hub#1518, octokit/octokit.rb#622);
   * the same request is tried again after a short wait, a few times, before the error stands.
   */
  async function createPull(params: Record<string, unknown>): Promise<GhPull> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await gh.request<GhPull>('POST /repos/{owner}/{repo}/pulls', params);
      } catch (error) {
        const lag = isStatus(error, 422) && headNotSeenYet(error.body, error.message);
        if (!lag || attempt >= CREATE_RETRY_MS.length) throw error;
        await sleep(CREATE_RETRY_MS[attempt]);
      }
    }
  }

  /** Whether the branch's protection requires status checks ("Get a branch" shows it to readers). */
  async function requiresChecks(project: string, branch: string): Promise<boolean> {
    const b = await gh.find<GhBranch>('GET /repos/{owner}/{repo}/branches/{branch}', {
      ...gh.repo(project),
      branch,
    });
    const required = b?.protection?.required_status_checks;
    if (!b?.protected || !required || required.enforcement_level === 'off') return false;
    return (required.contexts?.length ?? 0) > 0 || (required.checks?.length ?? 0) > 0;
  }

  const api: ChangeRequestApi = {
    async list(project, query) {
      const { owner, repo } = gh.repo(project);
      const state: ChangeRequestState | 'all' = query.state ?? 'opened';
      // Newest first (GitHub's default for sort=created).
      const pulls = await gh.paginate<GhPull>(
        'GET /repos/{owner}/{repo}/pulls',
        {
          owner,
          repo,
          state: state === 'opened' ? 'open' : state === 'all' ? 'all' : 'closed',
          per_page: query.limit ? Math.min(Math.max(query.limit, 1), 100) : 100,
          ...(query.sourceBranch ? { head: `${owner}:${query.sourceBranch}` } : {}),
          ...(query.targetBranch ? { base: query.targetBranch } : {}),
        },
        query.limit,
      );
      return pulls
        .map(toChangeRequest)
        .filter((cr) => state === 'all' || cr.state === state)
        .filter((cr) => !query.labels?.length || query.labels.every((l) => cr.labels.includes(l)));
    },

    async get(project, iid) {
      const pull = await gh.find<GhPull>('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
        ...gh.repo(project),
        pull_number: iid,
      });
      return pull ? toChangeRequest(pull) : null;
    },

    async listForCommit(project, sha) {
      const pulls = await gh.paginate<GhPull>('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
        ...gh.repo(project),
        commit_sha: sha,
        per_page: 100,
      });
      return pulls.map(toChangeRequest);
    },

    async create(project, input) {
      gh.write(`open a pull request from ${input.sourceBranch}`);
      const repo = gh.repo(project);
      // Resolve the milestone before writing anything, so a bad title changes nothing.
      const milestone = input.milestone ? await milestoneNumber(gh, project, input.milestone) : undefined;
      let pull = await createPull({
        ...repo,
        title: input.title,
        head: input.sourceBranch,
        base: input.targetBranch,
        body: input.description,
      });
      // Labels, assignees and milestone are issue fields on GitHub: one PATCH sets them all.
      if (input.labels?.length || input.assignees?.length || milestone !== undefined) {
        await gh.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
          ...repo,
          issue_number: pull.number,
          ...(input.labels?.length ? { labels: input.labels } : {}),
          ...(input.assignees?.length ? { assignees: input.assignees } : {}),
          ...(milestone !== undefined ? { milestone } : {}),
        });
      }
      if (input.reviewers?.length) {
        await gh.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
          ...repo,
          pull_number: pull.number,
          reviewers: input.reviewers,
        });
      }
      if (
        input.labels?.length ||
        input.assignees?.length ||
        milestone !== undefined ||
        input.reviewers?.length
      )
        pull = await getPull(project, pull.number);
      return toChangeRequest(pull);
    },

    async update(project, iid, input) {
      gh.write(`update pull request #${iid}`);
      const repo = gh.repo(project);
      const issue = { ...repo, issue_number: iid };
      let pull: GhPull | undefined;
      if (input.title !== undefined || input.description !== undefined || input.state) {
        pull = await gh.request<GhPull>('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
          ...repo,
          pull_number: iid,
          ...(input.title !== undefined ? { title: input.title } : {}),
          ...(input.description !== undefined ? { body: input.description } : {}),
          ...(input.state ? { state: input.state === 'close' ? 'closed' : 'open' } : {}),
        });
      }
      let labelsChanged = false;
      if (input.labels) {
        await gh.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/labels', {
          ...issue,
          labels: input.labels,
        });
        labelsChanged = true;
      }
      if (input.addLabels?.length) {
        await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
          ...issue,
          labels: input.addLabels,
        });
        labelsChanged = true;
      }
      for (const name of input.removeLabels ?? []) {
        try {
          await gh.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', {
            ...issue,
            name,
          });
          labelsChanged = true;
        } catch (error) {
          if (!isStatus(error, 404)) throw error;
        }
      }
      if (!pull || labelsChanged) pull = await getPull(project, iid);
      return toChangeRequest(pull);
    },

    async merge(project, iid, options) {
      gh.write(`merge pull request #${iid}`);
      const repo = gh.repo(project);
      for (let attempt = 0; ; attempt++) {
        try {
          await gh.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', {
            ...repo,
            pull_number: iid,
            sha: options.sha,
            merge_method: options.squash ? 'squash' : 'merge',
          });
          break;
        } catch (error) {
          // Another merge into the same base landed while GitHub was merging this one (several
          // bumps into one monorepo in a run): GitHub asks to try again. Nothing was written and
          // `sha` still pins the head, so a retry merges exactly what was checked. A moved head
          // ("Head branch was modified") is not retried: that needs the checks again.
          if (!isStatus(error, 405) || !BASE_MOVED.test(error.message) || attempt >= BASE_MOVED_RETRIES)
            throw error;
          await sleep(backoffDelay(attempt, 200, undefined, Math.random, 'equal'));
        }
      }
      const pull = await getPull(project, iid);
      if (options.removeSourceBranch) {
        try {
          await gh.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', {
            ...repo,
            ref: `heads/${pull.head.ref}`,
          });
        } catch (error) {
          // delete_branch_on_merge may have removed it already.
          if (!isStatus(error, 404, 422)) throw error;
        }
      }
      return toChangeRequest(pull);
    },

    async enableAutoMerge(project, iid, options): Promise<AutoMergeResult> {
      gh.write(`enable auto-merge on pull request #${iid}`);
      const pull = await getPull(project, iid);
      if (pull.state !== 'open')
        throw new ForgeError(`${gh.forge}: pull request #${iid} of ${project} is not open`, 405, gh.forge);
      if (pull.head.sha !== options.sha)
        throw new ForgeError(
          `${gh.forge}: pull request #${iid} head is ${pull.head.sha}, not ${options.sha}`,
          409,
          gh.forge,
          'POST /graphql',
        );
      if (pull.auto_merge) return 'already-enabled';
      // GitHub's auto-merge waits only for the checks the base's protection requires (until they
      // report they are "expected"); without any it merges as soon as reviews allow, tested or not.
      // Ask for it only where checks are required; elsewhere the caller merges once green.
      if (!(await requiresChecks(project, pull.base.ref))) return 'unsupported';
      try {
        await gh.graphql(ENABLE_AUTO_MERGE, {
          pullRequestId: pull.node_id,
          mergeMethod: options.squash ? 'SQUASH' : 'MERGE',
          expectedHeadOid: options.sha,
        });
      } catch (error) {
        if (error instanceof ForgeError && UNSUPPORTED.some((re) => re.test(error.message)))
          return 'unsupported';
        throw error;
      }
      return 'enabled';
    },

    async approve(project, iid, options) {
      gh.write(`approve pull request #${iid}`);
      await gh.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
        ...gh.repo(project),
        pull_number: iid,
        event: 'APPROVE',
        commit_id: options.sha,
      });
    },

    async disableAutoMerge(project, iid) {
      gh.write(`disable auto-merge on pull request #${iid}`);
      const pull = await getPull(project, iid);
      if (!pull.auto_merge) return false;
      try {
        await gh.graphql(DISABLE_AUTO_MERGE, { pullRequestId: pull.node_id });
      } catch (error) {
        if (error instanceof ForgeError && /auto merge is not enabled/i.test(error.message)) return false;
        throw error;
      }
      return true;
    },
  };
  return api;
}
