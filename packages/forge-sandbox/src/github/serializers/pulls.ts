import type { SimMergeRequest, SimProject, SimUser } from '../../core/model.js';
import { ghTime, nodeId, type Gh } from '../context.js';
import { viewedMergeState } from '../merge.js';
import { labelJson, milestoneJson } from './issues.js';
import { repoHtml, repoJson, repoUrl } from './repos.js';
import { association, ownerJson, userJson } from './users.js';

function autoMergeJson(gh: Gh, mr: SimMergeRequest): Record<string, unknown> | null {
  const request = gh.state.autoMerge.get(mr.id);
  if (!request) return null;
  return {
    enabled_by: userJson(gh, request.userId),
    merge_method: request.method,
    commit_title: request.commitTitle ?? '',
    commit_message: request.commitMessage ?? '',
  };
}

/**
 * A pull request. `full` adds what GET/POST/PATCH of a single PR answer (mergeability,
 * counts); lists omit them as GitHub does.
 */
export async function pullJson(
  gh: Gh,
  project: SimProject,
  mr: SimMergeRequest,
  viewer: SimUser | null,
  full: boolean,
): Promise<Record<string, unknown>> {
  const url = `${repoUrl(gh, project)}/pulls/${mr.iid}`;
  const html = `${repoHtml(gh, project)}/pull/${mr.iid}`;
  const issueUrl = `${repoUrl(gh, project)}/issues/${mr.iid}`;
  const headSha = await gh.world.mrHeadSha(mr);
  const baseSha = (await project.repo.branchSha(mr.targetBranch)) ?? headSha;
  const repo = repoJson(gh, project, viewer);
  const owner = ownerJson(gh, project);
  const assignees = mr.assigneeIds.map((id) => userJson(gh, id)).filter((u) => u !== null);
  const milestone =
    mr.milestoneId === null ? undefined : gh.world.milestones.find((m) => m.id === mr.milestoneId);
  const body: Record<string, unknown> = {
    url,
    id: mr.id,
    node_id: nodeId('PR', mr.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repoUrl(gh, project)}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${repoUrl(gh, project)}/statuses/${headSha}`,
    number: mr.iid,
    state: mr.state === 'opened' ? 'open' : 'closed',
    locked: false,
    title: mr.title,
    user: userJson(gh, mr.authorId),
    body: mr.description || null,
    labels: mr.labels.map((name) => labelJson(gh, project, name)),
    milestone: milestone ? milestoneJson(gh, project, milestone) : null,
    active_lock_reason: null,
    created_at: ghTime(mr.createdAt),
    updated_at: ghTime(mr.updatedAt),
    closed_at: ghTime(mr.closedAt ?? mr.mergedAt),
    merged_at: ghTime(mr.mergedAt),
    merge_commit_sha: mr.mergeCommitSha,
    assignee: assignees[0] ?? null,
    assignees,
    requested_reviewers: mr.reviewerIds.map((id) => userJson(gh, id)).filter((u) => u !== null),
    requested_teams: [],
    head: {
      label: `${project.namespace}:${mr.sourceBranch}`,
      ref: mr.sourceBranch,
      sha: headSha,
      user: owner,
      repo,
    },
    base: {
      label: `${project.namespace}:${mr.targetBranch}`,
      ref: mr.targetBranch,
      sha: baseSha,
      user: owner,
      repo,
    },
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${repoUrl(gh, project)}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${repoUrl(gh, project)}/statuses/${headSha}` },
    },
    author_association: association(gh, project, mr.authorId),
    auto_merge: autoMergeJson(gh, mr),
    draft: mr.draft,
  };
  if (!full) return body;
  const state = await viewedMergeState(gh, project, mr);
  const commits = await project.repo.countCommits(headSha, baseSha);
  const merged = mr.state === 'merged';
  return {
    ...body,
    merged,
    mergeable: state.mergeable,
    rebaseable: state.mergeable,
    mergeable_state: state.status,
    merged_by: merged ? userJson(gh, mr.mergedById) : null,
    comments: gh.world.notes.filter(
      (n) => n.projectId === project.id && n.noteableIid === mr.iid && !n.system,
    ).length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits,
    additions: 0,
    deletions: 0,
    changed_files: merged ? 0 : (await project.repo.diff(baseSha, headSha)).length,
  };
}
