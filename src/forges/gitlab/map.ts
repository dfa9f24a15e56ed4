import type {
  Branch,
  ChangeRequest,
  ChangedFile,
  CiJob,
  CiStatus,
  Commit,
  CommitCheck,
  Deployment,
  DeploymentStatus,
  Issue,
  Label,
  Note,
  PackageFile,
  Pipeline,
} from '../types.js';
import { CI_STATUSES } from '../types.js';
import { knownValue } from '../answer-error.js';

/**
 * GitLab REST answers (snake_case, as gitbeaker returns them without `camelize`) → the Forge
 * types. Only the fields read here are declared; everything else GitLab sends is ignored.
 */

type Json = Record<string, unknown>;

const s = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const sOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const n = (v: unknown): number => Number(v);
const user = (v: unknown): string => s((v as Json | null)?.username);

export function toCommit(c: Json): Commit {
  const message = s(c.message).replace(/\n+$/, '');
  return {
    sha: s(c.id),
    shortSha: s(c.short_id),
    title: s(c.title),
    message,
    authorName: s(c.author_name),
    authorEmail: s(c.author_email),
    createdAt: s(c.created_at ?? c.committed_date),
    parentShas: ((c.parent_ids as string[] | undefined) ?? []).map(String),
    webUrl: s(c.web_url),
  };
}

export function toBranch(b: Json): Branch {
  return {
    name: s(b.name),
    sha: s((b.commit as Json).id),
    protected: Boolean(b.protected),
    webUrl: s(b.web_url),
  };
}

export function toChangedFile(d: Json): ChangedFile {
  return {
    path: s(d.new_path),
    oldPath: s(d.old_path),
    newFile: Boolean(d.new_file),
    deletedFile: Boolean(d.deleted_file),
    renamedFile: Boolean(d.renamed_file),
  };
}

export function toChangeRequest(mr: Json): ChangeRequest {
  // A state GitLab does not document is refused, not guessed (answers.ts names the operation).
  const state = knownValue('state', mr.state, ['opened', 'closed', 'merged', 'locked'] as const);
  const detailed = s(mr.detailed_merge_status);
  let mergeable: boolean | null = null;
  if (mr.has_conflicts === true || mr.merge_status === 'cannot_be_merged' || detailed === 'conflict')
    mergeable = false;
  else if (mr.merge_status === 'can_be_merged') mergeable = true;
  return {
    id: n(mr.id),
    iid: n(mr.iid),
    title: s(mr.title),
    description: s(mr.description),
    // `locked` is a transient state of an MR being merged.
    state: state === 'merged' ? 'merged' : state === 'closed' ? 'closed' : 'opened',
    sourceBranch: s(mr.source_branch),
    targetBranch: s(mr.target_branch),
    headSha: s(mr.sha),
    webUrl: s(mr.web_url),
    labels: ((mr.labels as unknown[] | undefined) ?? []).map((l) =>
      typeof l === 'string' ? l : s((l as Json).name),
    ),
    author: user(mr.author),
    createdAt: s(mr.created_at),
    updatedAt: s(mr.updated_at),
    mergedAt: sOrNull(mr.merged_at),
    // A fast-forward merge leaves no merge commit: the head itself is what landed.
    mergeCommitSha:
      state === 'merged'
        ? (sOrNull(mr.merge_commit_sha) ?? sOrNull(mr.squash_commit_sha) ?? sOrNull(mr.sha))
        : null,
    autoMerge: Boolean(mr.merge_when_pipeline_succeeds ?? mr.auto_merge_enabled),
    mergeable,
    // A fork's MR lists under the target project with the same source branch name as ours.
    ...(mr.source_project_id !== undefined && mr.target_project_id !== undefined
      ? { fromFork: n(mr.source_project_id) !== n(mr.target_project_id) }
      : {}),
  };
}

export function toNote(note: Json): Note {
  return {
    id: n(note.id),
    body: s(note.body),
    author: user(note.author),
    createdAt: s(note.created_at),
    system: Boolean(note.system),
    ...(note.updated_at ? { updatedAt: s(note.updated_at) } : {}),
  };
}

export function toIssue(i: Json): Issue {
  return {
    id: n(i.id),
    iid: n(i.iid),
    title: s(i.title),
    description: s(i.description),
    state: knownValue('state', i.state, ['opened', 'closed'] as const),
    labels: ((i.labels as unknown[] | undefined) ?? []).map((l) =>
      typeof l === 'string' ? l : s((l as Json).name),
    ),
    author: user(i.author),
    webUrl: s(i.web_url),
    createdAt: s(i.created_at),
    updatedAt: s(i.updated_at),
  };
}

export function toLabel(l: Json): Label {
  return { name: s(l.name), color: s(l.color), description: s(l.description) };
}

const KNOWN_CI_STATUSES = new Set<string>(CI_STATUSES);

function ciStatus(v: unknown): CiStatus {
  const status = s(v);
  // GitLab 16+ has `canceling`; until it settles the pipeline is still going.
  if (status === 'canceling') return 'running';
  return KNOWN_CI_STATUSES.has(status) ? (status as CiStatus) : 'pending';
}

/** Pipeline lists carry no timings (`PipelineBasic`); single pipelines do. */
export function toPipeline(p: Json): Pipeline {
  return {
    id: n(p.id),
    ref: s(p.ref),
    sha: s(p.sha),
    status: ciStatus(p.status),
    source: s(p.source),
    webUrl: s(p.web_url),
    createdAt: s(p.created_at),
    updatedAt: s(p.updated_at),
    startedAt: sOrNull(p.started_at),
    finishedAt: sOrNull(p.finished_at),
    duration: p.duration === null || p.duration === undefined ? null : n(p.duration),
  };
}

/** `retried` is derived: GitLab lists retried attempts only with include_retried, with no flag on them. */
export function toJobs(jobs: Json[]): CiJob[] {
  const newest = new Map<string, number>();
  for (const j of jobs) newest.set(s(j.name), Math.max(newest.get(s(j.name)) ?? 0, n(j.id)));
  return jobs.map((j) => toJob(j, n(j.id) < (newest.get(s(j.name)) ?? 0)));
}

export function toJob(j: Json, retried = false): CiJob {
  return {
    id: n(j.id),
    name: s(j.name),
    stage: s(j.stage),
    status: ciStatus(j.status),
    failureReason: sOrNull(j.failure_reason),
    webUrl: s(j.web_url),
    retried,
    allowFailure: Boolean(j.allow_failure),
    startedAt: sOrNull(j.started_at),
    finishedAt: sOrNull(j.finished_at),
    manual: j.status === 'manual' || j.when === 'manual',
  };
}

function checkStatus(status: string, allowFailure: boolean): CommitCheck['status'] {
  switch (status) {
    case 'success':
      return 'success';
    case 'failed':
      // A job allowed to fail does not fail its pipeline; it is a warning, not a red signal.
      return allowFailure ? 'neutral' : 'failed';
    case 'canceled':
    case 'canceling':
      return 'canceled';
    case 'skipped':
    case 'manual':
      return 'skipped';
    case 'running':
      return 'running';
    default:
      return 'pending';
  }
}

export function pipelineCheck(p: Json): CommitCheck {
  return {
    id: n(p.id),
    name: 'pipeline',
    kind: 'pipeline',
    // A pipeline waiting on a manual action has not passed.
    status: p.status === 'manual' ? 'pending' : checkStatus(s(p.status), false),
    webUrl: s(p.web_url),
    createdAt: s(p.created_at),
    completedAt: ['success', 'failed', 'canceled', 'skipped'].includes(s(p.status)) ? s(p.updated_at) : null,
  };
}

/** GitLab's commit statuses include the CI jobs themselves as well as external statuses. */
export function statusCheck(st: Json): CommitCheck {
  return {
    id: n(st.id),
    name: s(st.name),
    kind: 'status',
    status: checkStatus(s(st.status), Boolean(st.allow_failure)),
    webUrl: s(st.target_url),
    createdAt: s(st.created_at),
    completedAt: sOrNull(st.finished_at),
  };
}

const DEPLOYMENT_STATUSES = new Set<DeploymentStatus>([
  'created',
  'running',
  'success',
  'failed',
  'canceled',
  'blocked',
]);

export function toDeployment(d: Json, projectWebUrl: string): Deployment {
  const env = (d.environment as Json | null) ?? {};
  const status = s(d.status);
  return {
    id: n(d.id),
    environment: s(env.name),
    ref: s(d.ref),
    sha: s(d.sha),
    status: DEPLOYMENT_STATUSES.has(status as DeploymentStatus) ? (status as DeploymentStatus) : 'canceled',
    createdAt: s(d.created_at),
    updatedAt: s(d.updated_at),
    jobId: d.deployable ? n((d.deployable as Json).id) : null,
    // GitLab deployments carry no payload; the version lives in the job that deployed.
    version: null,
    webUrl: `${projectWebUrl}/-/environments/${s(env.id)}/deployments/${s(d.iid)}`,
  };
}

export function toPackageFile(f: Json): PackageFile {
  return {
    id: n(f.id),
    fileName: s(f.file_name),
    size: n(f.size),
    sha256: sOrNull(f.file_sha256),
    createdAt: s(f.created_at),
  };
}
