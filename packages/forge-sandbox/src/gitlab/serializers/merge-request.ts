import type { SimMergeRequest, SimPipeline } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { fileDiffs, mergeBase, mergesCleanly } from '../git-extra.js';
import { mergeStatusOf, type MergeabilityRead, type MergeStatus } from '../mergeability.js';
import { milestoneById } from './milestone.js';
import { pipelineBasic, pipelineDetail } from './pipeline.js';
import { projectUrl } from './project.js';
import { taskCompletion } from './tasks.js';
import { userById } from './user.js';

/** Who closed an MR (the shared model keeps no closer); set by the update route. */
export const closedBy = new WeakMap<SimMergeRequest, number>();

const ACTIVE = new Set(['created', 'pending', 'running', 'waiting_for_resource', 'preparing']);

/** What GitLab computes about an MR: head, head pipeline, conflicts, mergeability. */
export interface MergeRequestFacts {
  head: string;
  targetSha: string | null;
  baseSha: string | null;
  headPipeline: SimPipeline | undefined;
  /** The push's pipeline is still being created (`head_pipeline` is null meanwhile). */
  pipelineCreating: boolean;
  /** Conflicts as GitLab reports them: as of the last mergeability check unless read `fresh`. */
  conflicts: boolean;
  mergeStatus: MergeStatus;
  detailedStatus: string;
}

/**
 * `read` says how the answer sees the `merge_status` column (mergeability.ts): lists see the last
 * check, single reads start one, the merge action checks inline. Without lazy mergeability every
 * read is fresh.
 */
export async function mergeRequestFacts(
  gl: Gitlab,
  mr: SimMergeRequest,
  read: MergeabilityRead = 'fresh',
): Promise<MergeRequestFacts> {
  const project = gl.world.projects.get(mr.projectId)!;
  const head = await gl.world.mrHeadSha(mr);
  const targetSha = await project.repo.branchSha(mr.targetBranch);
  // `head_pipeline` is the pipeline of the MR's diff head, on its source branch.
  const headPipeline = gl.ci.latestPipeline(project, head, mr.sourceBranch);
  const pipelineCreating = !headPipeline && gl.ci.creating(project, head, mr.sourceBranch);
  let actualConflicts = false;
  let baseSha: string | null = null;
  if (targetSha) {
    baseSha = await mergeBase(project.repo.dir, targetSha, head);
    if (mr.state === 'opened') actualConflicts = !(await mergesCleanly(project.repo.dir, targetSha, head));
  }
  const { status: mergeStatus, conflicts } =
    mr.state !== 'opened'
      ? { status: 'can_be_merged' as const, conflicts: false }
      : mergeStatusOf(mr, `${head}:${targetSha}`, actualConflicts, gl.lazyMergeability ? read : 'fresh');
  let detailedStatus = 'mergeable';
  const pipelineOk = headPipeline?.status === 'success' || !project.pipelineMustSucceed;
  if (mr.state !== 'opened') detailedStatus = 'not_open';
  else if (mr.draft) detailedStatus = 'draft_status';
  else if (mergeStatus === 'unchecked' || mergeStatus === 'checking') detailedStatus = mergeStatus;
  else if (conflicts) detailedStatus = 'conflict';
  else if (mr.approvedBy.length < project.approvalsRequired) detailedStatus = 'not_approved';
  else if (pipelineCreating || (headPipeline && ACTIVE.has(headPipeline.status)))
    detailedStatus = 'ci_still_running';
  else if (!pipelineOk) detailedStatus = 'ci_must_pass';
  return {
    head,
    targetSha,
    baseSha,
    headPipeline,
    pipelineCreating,
    conflicts,
    mergeStatus,
    detailedStatus,
  };
}

export function isActivePipeline(p: SimPipeline | undefined): boolean {
  return Boolean(p && ACTIVE.has(p.status));
}

/** GitLab `MergeRequestBasic` (lists). */
export async function mergeRequestBasic(
  gl: Gitlab,
  mr: SimMergeRequest,
  known?: MergeRequestFacts,
): Promise<Record<string, unknown>> {
  const facts = known ?? (await mergeRequestFacts(gl, mr, 'list'));
  const project = gl.world.projects.get(mr.projectId)!;
  const assignees = mr.assigneeIds.map((id) => userById(gl, id)).filter(Boolean);
  const mergeUserId = mr.autoMerge?.userId ?? mr.mergedById;
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.projectId,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    merged_by: userById(gl, mr.mergedById),
    merge_user: userById(gl, mergeUserId),
    merged_at: mr.mergedAt,
    closed_by: mr.state === 'closed' ? userById(gl, closedBy.get(mr) ?? mr.authorId) : null,
    closed_at: mr.closedAt,
    target_branch: mr.targetBranch,
    source_branch: mr.sourceBranch,
    user_notes_count: gl.world.notes.filter(
      (n) =>
        n.projectId === mr.projectId &&
        n.noteableType === 'MergeRequest' &&
        n.noteableIid === mr.iid &&
        !n.system,
    ).length,
    upvotes: 0,
    downvotes: 0,
    author: userById(gl, mr.authorId),
    assignees,
    assignee: assignees[0] ?? null,
    reviewers: mr.reviewerIds.map((id) => userById(gl, id)).filter(Boolean),
    source_project_id: mr.projectId,
    target_project_id: mr.projectId,
    labels: [...mr.labels],
    draft: mr.draft,
    work_in_progress: mr.draft,
    milestone: milestoneById(gl, mr.milestoneId),
    merge_when_pipeline_succeeds: mr.autoMerge !== null,
    merge_status: facts.mergeStatus,
    detailed_merge_status: facts.detailedStatus,
    merge_after: null,
    sha: facts.head,
    merge_commit_sha: mr.mergeCommitSha,
    squash_commit_sha: mr.squashCommitSha,
    discussion_locked: null,
    should_remove_source_branch: mr.autoMerge?.removeSourceBranch ?? null,
    force_remove_source_branch: mr.removeSourceBranch,
    prepared_at: mr.createdAt,
    reference: `!${mr.iid}`,
    references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${project.path}!${mr.iid}` },
    web_url: `${projectUrl(gl, project)}/-/merge_requests/${mr.iid}`,
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    squash: mr.squash,
    squash_on_merge: mr.squash,
    task_completion_status: taskCompletion(mr.description),
    has_conflicts: facts.conflicts,
    blocking_discussions_resolved: true,
    approvals_before_merge: null,
  };
}

/** GitLab `MergeRequest` (single MR, create, update, merge). */
export async function mergeRequestDetail(
  gl: Gitlab,
  mr: SimMergeRequest,
  canMerge: boolean,
): Promise<Record<string, unknown>> {
  const facts = await mergeRequestFacts(gl, mr, 'single');
  const project = gl.world.projects.get(mr.projectId)!;
  const head = facts.headPipeline;
  const changes =
    facts.baseSha && facts.baseSha !== facts.head
      ? (await fileDiffs(project.repo.dir, facts.baseSha, facts.head)).length
      : 0;
  return {
    ...(await mergeRequestBasic(gl, mr, facts)),
    subscribed: false,
    changes_count: String(changes),
    latest_build_started_at: head?.startedAt ?? null,
    latest_build_finished_at: head?.finishedAt ?? null,
    first_deployed_to_production_at: null,
    pipeline: head ? pipelineBasic(gl, head) : null,
    head_pipeline: head ? pipelineDetail(gl, head) : null,
    diff_refs: { base_sha: facts.baseSha, head_sha: facts.head, start_sha: facts.targetSha },
    merge_error: null,
    first_contribution: false,
    user: { can_merge: canMerge },
  };
}
