import type { SimMergeRequest, SimProject } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { ACCESS, SimError } from '../../core/world.js';
import { currentUser, loadProject, P, type Gitlab } from '../context.js';
import { apiError, notAllowed, notFound, unauthorized } from '../errors.js';
import { systemNote } from '../issuables.js';
import { bool, str } from '../params.js';
import { isActivePipeline, mergeRequestDetail, mergeRequestFacts } from '../serializers/merge-request.js';
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
    merge_status: (await mergeRequestFacts(gl, mr)).conflicts ? 'cannot_be_merged' : 'can_be_merged',
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

/** An approval can be the last thing an armed auto-merge waited for. */
async function mergeIfReady(gl: Gitlab, project: SimProject, mr: SimMergeRequest): Promise<void> {
  if (!mr.autoMerge || mr.approvedBy.length < project.approvalsRequired) return;
  const facts = await mergeRequestFacts(gl, mr);
  if (facts.head !== mr.autoMerge.sha || facts.headPipeline?.status !== 'success') return;
  mr.squash = mr.autoMerge.squash || mr.squash;
  mr.removeSourceBranch = mr.autoMerge.removeSourceBranch || mr.removeSourceBranch;
  await gl.world.mergeMergeRequest(mr, mr.autoMerge.userId).catch((error: unknown) => {
    if (!(error instanceof SimError)) throw error;
  });
}

export function registerMergeRequestActions(gl: Gitlab): void {
  /**
   * PUT .../merge: 401 when the user may not merge, 405 when the MR is not open or not mergeable
   * yet (draft, approvals, pipeline pending or failed — the simulated projects require pipelines to
   * succeed), 406 on conflicts, 409 when `sha` is not the head. With `auto_merge` (or the older
   * `merge_when_pipeline_succeeds`) and a pipeline still running, auto-merge is set instead.
   */
  gl.add('PUT', `${P}/merge_requests/:iid/merge`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const mr = findMergeRequest(gl, project, req.params.iid);
    const user = currentUser(req);
    if (!canMerge(gl, req, project, mr)) throw unauthorized();
    const auto = (bool(req, 'auto_merge') ?? false) || (bool(req, 'merge_when_pipeline_succeeds') ?? false);
    if (mr.state !== 'opened' || mr.draft) throw notAllowed();
    const facts = await mergeRequestFacts(gl, mr);
    const sha = str(req, 'sha');
    if (sha !== undefined && sha !== facts.head) throw shaMismatch(facts.head);
    if (facts.conflicts) throw apiError(406, 'Branch cannot be merged');
    const squash = bool(req, 'squash');
    const removeSource = bool(req, 'should_remove_source_branch');
    const pipelineActive = isActivePipeline(facts.headPipeline);
    const approved = mr.approvedBy.length >= project.approvalsRequired;
    const pipelineOk = !facts.headPipeline || facts.headPipeline.status === 'success';
    if (auto && (pipelineActive || (!approved && pipelineOk))) {
      if (!mr.autoMerge || mr.autoMerge.sha !== facts.head) {
        mr.autoMerge = {
          userId: user.id,
          sha: facts.head,
          squash: squash ?? mr.squash,
          removeSourceBranch: removeSource ?? mr.removeSourceBranch,
          method: 'merge_when_checks_pass',
        };
        systemNote(
          gl,
          project,
          { type: 'MergeRequest', iid: mr.iid },
          `enabled an automatic merge when all merge checks for ${facts.head} pass`,
          user,
        );
      }
      mr.updatedAt = gl.world.nowIso();
      return { body: await mergeRequestDetail(gl, mr, true) };
    }
    if (!approved || !pipelineOk) throw notAllowed();
    if (squash !== undefined) mr.squash = squash;
    if (removeSource !== undefined) mr.removeSourceBranch = removeSource;
    try {
      await gl.world.mergeMergeRequest(mr, user.id);
    } catch (error) {
      if (error instanceof SimError)
        throw apiError(error.status === 406 ? 406 : 422, 'Branch cannot be merged');
      throw error;
    }
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
    await mergeIfReady(gl, project, mr);
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
