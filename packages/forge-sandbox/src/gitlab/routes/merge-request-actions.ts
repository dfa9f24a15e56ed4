import type { SimMergeRequest, SimProject } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { ACCESS, SimError } from '../../core/world.js';
import { currentUser, loadProject, P, type Gitlab } from '../context.js';
import { apiError, notAllowed, notFound, unauthorized } from '../errors.js';
import { systemNote } from '../issuables.js';
import { bool, str } from '../params.js';
import {
  isActivePipeline,
  mergeRequestDetail,
  mergeRequestFacts,
  type MergeRequestFacts,
} from '../serializers/merge-request.js';
import { userBasic } from '../serializers/user.js';
import { canMerge, findMergeRequest } from './merge-requests.js';

function shaMismatch(head: string) {
  // API::Helpers#check_sha_param! renders this with status 409.
  return apiError(409, `SHA does not match HEAD of source branch: ${head}`);
}

async function approvalsEntity(gl: Gitlab, req: SimRequest, project: SimProject, mr: SimMergeRequest) {
  const user = currentUser(req);
  const left = Math.max(0, project.approvalsRequired - mr.approvedBy.length);
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.projectId,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    merge_status: (await mergeRequestFacts(gl, mr, 'list')).mergeStatus,
    approved: left === 0,
    approvals_required: project.approvalsRequired,
    approvals_left: left,
    require_password_to_approve: false,
    approved_by: mr.approvedBy.map((id) => ({ user: userBasic(gl, gl.world.users.get(id)) })),
    suggested_approvers: [],
    approvers: [],
    approver_groups: [],
    user_has_approved: mr.approvedBy.includes(user.id),
    user_can_approve: canApprove(gl, req, project, mr),
    approval_rules_left: [],
    has_approval_rules: project.approvalsRequired > 0,
    merge_request_approvers_available: true,
    multiple_approval_rules_available: false,
    invalid_approvers_rules: [],
  };
}

function canApprove(gl: Gitlab, req: SimRequest, project: SimProject, mr: SimMergeRequest): boolean {
  const user = currentUser(req);
  if (mr.state !== 'opened') return false;
  if (gl.world.accessLevel(user, project) < ACCESS.developer) return false;
  if (mr.approvedBy.includes(user.id)) return false;
  return !(project.preventAuthorApproval && mr.authorId === user.id);
}

/**
 * GitLab's `mergeable_state?` and `mergeable?` (app/models/merge_request.rb) over the simulated MR:
 * open, not draft, approved, the pipeline check (skipped when asked or when the project does not
 * require pipelines to succeed) and, from 17 on, conflicts as one more merge check.
 */
function mergeability(gl: Gitlab, project: SimProject, mr: SimMergeRequest, facts: MergeRequestFacts) {
  const approved = mr.approvedBy.length >= project.approvalsRequired;
  const pipelineSuccess = facts.headPipeline?.status === 'success';
  const ciOk = !project.pipelineMustSucceed || pipelineSuccess;
  const conflictsInState = gl.behaviour.conflictStatus === 405;
  // A missing target branch makes the MR `broken?`: not mergeable (405), not a failed merge.
  const state = (skipCi: boolean) =>
    mr.state === 'opened' &&
    facts.targetSha !== null &&
    !mr.draft &&
    approved &&
    (skipCi || ciOk) &&
    !(conflictsInState && facts.conflicts);
  return {
    pipelineSuccess,
    pipelineActive: isActivePipeline(facts.headPipeline),
    // `diff_head_pipeline_considered_in_progress?`: a pipeline still being created counts.
    inProgress: facts.pipelineCreating || isActivePipeline(facts.headPipeline),
    mergeableState: state,
    mergeable: (skipCi: boolean) => state(skipCi) && !facts.conflicts,
  };
}

/** Is the project's default auto-merge strategy available for this MR (AutoMergeService)? */
function autoMergeAvailable(gl: Gitlab, m: ReturnType<typeof mergeability>): boolean {
  // MWPS: only while the diff head pipeline is active; a pipeline still being created is not
  // (the 405 right after a push, gitlab-org/gitlab#353984).
  if (gl.behaviour.autoMerge === 'mwps') return m.pipelineActive && m.mergeableState(true);
  // MWCP: unless the MR could be merged now with no pipeline in progress.
  return !(m.mergeable(false) && !m.inProgress);
}

/**
 * An armed auto-merge's `process` step (AutoMergeProcessWorker after arming, approving, a pipeline
 * finishing). MWPS and 18's MWCP merge only on a successful head pipeline; 17's MWCP merges as
 * soon as the MR is `mergeable?` — with "pipelines must succeed" off, untested.
 */
async function processAutoMerge(gl: Gitlab, project: SimProject, mr: SimMergeRequest): Promise<void> {
  if (!mr.autoMerge || mr.state !== 'opened') return;
  const facts = await mergeRequestFacts(gl, mr);
  if (facts.head !== mr.autoMerge.sha) return;
  const m = mergeability(gl, project, mr, facts);
  const waitsForPipeline =
    gl.behaviour.autoMerge === 'mwps' ||
    (gl.behaviour.autoMerge === 'mwcp-wait-for-pipeline' && project.ciEnabled);
  if (waitsForPipeline && !m.pipelineSuccess) return;
  if (!m.mergeable(false)) return;
  mr.squash = mr.autoMerge.squash || mr.squash;
  mr.removeSourceBranch = mr.autoMerge.removeSourceBranch || mr.removeSourceBranch;
  await gl.world.mergeMergeRequest(mr, mr.autoMerge.userId).catch((error: unknown) => {
    if (!(error instanceof SimError)) throw error;
  });
}

export function registerMergeRequestActions(gl: Gitlab): void {
  /**
   * PUT .../merge, in the order of lib/api/merge_requests.rb: 401 when the user may not merge;
   * 405 unless it can merge now or the default auto-merge strategy is available; 406 (≤ 16) /
   * 422 (17+) "Branch cannot be merged" when `mergeable?` fails; 409 when `sha` is not the head;
   * then merge now (422 if that fails) or arm auto-merge. `auto_merge` (17+) and
   * `merge_when_pipeline_succeeds` ask for the same thing.
   */
  gl.add('PUT', `${P}/merge_requests/:iid/merge`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    const user = currentUser(req);
    if (!canMerge(gl, req, project, mr)) throw unauthorized();
    const auto = (bool(req, 'auto_merge') ?? false) || (bool(req, 'merge_when_pipeline_succeeds') ?? false);
    const facts = await mergeRequestFacts(gl, mr);
    const m = mergeability(gl, project, mr, facts);
    const automatically = auto && mr.state === 'opened' && autoMergeAvailable(gl, m);
    const immediately = auto ? m.pipelineSuccess && mr.state === 'opened' : m.mergeableState(false);
    if (!immediately && !automatically) throw notAllowed();
    const cannotMerge = apiError(gl.behaviour.failedMergeStatus, 'Branch cannot be merged');
    if (gl.behaviour.failedMergeStatus === 406) {
      if (!m.mergeable(automatically)) throw cannotMerge;
    } else if (!automatically && !m.mergeable(false)) throw cannotMerge;
    const sha = str(req, 'sha');
    if (sha !== undefined && sha !== facts.head) throw shaMismatch(facts.head);
    const squash = bool(req, 'squash');
    const removeSource = bool(req, 'should_remove_source_branch');
    if (squash) mr.squash = squash;
    if (immediately) {
      if (removeSource !== undefined) mr.removeSourceBranch = removeSource;
      try {
        await gl.world.mergeMergeRequest(mr, user.id);
      } catch (error) {
        if (error instanceof SimError) throw cannotMerge;
        throw error;
      }
      return { body: await mergeRequestDetail(gl, mr, true) };
    }
    if (!mr.autoMerge || mr.autoMerge.sha !== facts.head) {
      mr.autoMerge = {
        userId: user.id,
        sha: facts.head,
        squash: squash ?? mr.squash,
        removeSourceBranch: removeSource ?? mr.removeSourceBranch,
        method: gl.behaviour.autoMerge === 'mwps' ? 'merge_when_pipeline_succeeds' : 'merge_when_checks_pass',
      };
      systemNote(
        gl,
        project,
        { type: 'MergeRequest', iid: mr.iid },
        gl.behaviour.autoMerge === 'mwps'
          ? `enabled an automatic merge when the pipeline for ${facts.head} succeeds`
          : `enabled an automatic merge when all merge checks for ${facts.head} pass`,
        user,
      );
    }
    mr.updatedAt = gl.world.nowIso();
    await processAutoMerge(gl, project, mr);
    return { body: await mergeRequestDetail(gl, mr, true) };
  });

  gl.add('POST', `${P}/merge_requests/:iid/cancel_merge_when_pipeline_succeeds`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    if (!canMerge(gl, req, project, mr)) throw unauthorized();
    if (!mr.autoMerge) throw notAllowed();
    mr.autoMerge = null;
    mr.updatedAt = gl.world.nowIso();
    systemNote(
      gl,
      project,
      { type: 'MergeRequest', iid: mr.iid },
      'canceled the automatic merge',
      currentUser(req),
    );
    return { status: 201, body: await mergeRequestDetail(gl, mr, true) };
  });

  gl.add('GET', `${P}/merge_requests/:iid/approvals`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    return { body: await approvalsEntity(gl, req, project, mr) };
  });

  gl.add('POST', `${P}/merge_requests/:iid/approve`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    const sha = str(req, 'sha');
    const head = await gl.world.mrHeadSha(mr);
    if (sha !== undefined && sha !== head) throw shaMismatch(head);
    // A repeated approval: 401 from the refusing ApprovalService, 304 on 18 (see version.ts).
    if (mr.approvedBy.includes(currentUser(req).id) && gl.behaviour.repeatApproval === 304)
      return { status: 304, body: undefined };
    // GitLab answers 401 to an approval it will not take (own MR, already approved, no rights).
    if (!canApprove(gl, req, project, mr)) throw unauthorized();
    mr.approvedBy.push(currentUser(req).id);
    mr.updatedAt = gl.world.nowIso();
    systemNote(
      gl,
      project,
      { type: 'MergeRequest', iid: mr.iid },
      'approved this merge request',
      currentUser(req),
    );
    await processAutoMerge(gl, project, mr);
    return { status: 201, body: await approvalsEntity(gl, req, project, mr) };
  });

  gl.add('POST', `${P}/merge_requests/:iid/unapprove`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    const user = currentUser(req);
    if (!mr.approvedBy.includes(user.id)) throw notFound();
    mr.approvedBy = mr.approvedBy.filter((id) => id !== user.id);
    systemNote(gl, project, { type: 'MergeRequest', iid: mr.iid }, 'unapproved this merge request', user);
    return { status: 201, body: await approvalsEntity(gl, req, project, mr) };
  });
}
