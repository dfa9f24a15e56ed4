/**
 * The simulator's state: one world holds the users, projects and everything on them for both
 * forges. GitLab routes (packages/forge-sandbox/src/gitlab) and GitHub routes (packages/forge-sandbox/src/github) are views of
 * these records in each API's shape. Git data (commits, branches, files) is not here: it lives
 * in each project's bare repository (core/git.ts).
 */
import type { GitRepo } from './git.js';

export type SimForge = 'gitlab' | 'github';

export interface SimUser {
  id: number;
  username: string;
  name: string;
  email: string;
  /** Site admins see every project (the GitLab instance admin / GitHub site admin). */
  admin: boolean;
  /** Bot accounts (GitHub `type: "Bot"`). */
  bot: boolean;
  createdAt: string;
}

export interface SimToken {
  token: string;
  userId: number;
  /** GitLab scopes (`api`, `read_api`, ...). A token without `api` gets 403 insufficient_scope on writes. */
  scopes: string[];
}

/** A CI job definition: what runs on every pipeline of the project. */
export interface SimJobSpec {
  name: string;
  stage: string;
  /** `manual` jobs wait to be played. */
  when?: 'on_success' | 'manual';
  allowFailure?: boolean;
  /** Sim milliseconds from pipeline start to this job's end (default 5 minutes). */
  durationMs?: number;
}

/**
 * What a pipeline will do, scripted per project, branch, commit or by a marker in the commit message.
 * - `success`: every job passes
 * - `failed`: `failJobs` (default: the last non-manual job) fail with `failureReason`
 * - `flaky`: like failed, but each failed job passes when retried
 * - `stuck`: stays running forever
 * - `canceled`: the pipeline is canceled
 */
export interface CiOutcome {
  result: 'success' | 'failed' | 'flaky' | 'stuck' | 'canceled';
  failJobs?: string[];
  failureReason?: string;
  /** Replace the project's job list for this pipeline (e.g. a docs-only pipeline). */
  jobs?: SimJobSpec[];
  /** Override the pipeline duration (sim ms). */
  durationMs?: number;
}

export interface SimProject {
  id: number;
  forge: SimForge;
  /** `group/name` (GitLab) or `owner/repo` (GitHub). */
  path: string;
  name: string;
  namespace: string;
  description: string;
  defaultBranch: string;
  visibility: 'private' | 'internal' | 'public';
  /** User ids with access; `access` is a GitLab access level (10 guest … 40 maintainer, 50 owner). */
  members: Map<number, number>;
  repo: GitRepo;
  /** Branches that only maintainers may push to; `allowForcePush` as in GitLab/GitHub protection. */
  protectedBranches: Map<string, { pushAccessLevel: number; allowForcePush: boolean }>;
  /** GitHub `allow_auto_merge`; GitLab always allows merge-when-pipeline-succeeds. */
  allowAutoMerge: boolean;
  /** GitLab: approvals needed before merge (0: none). */
  approvalsRequired: number;
  /**
   * GitLab `only_allow_merge_if_pipeline_succeeds` ("Pipelines must succeed"). When false, an MR
   * with a running or missing pipeline is mergeable, and some auto-merge strategies merge it.
   */
  pipelineMustSucceed: boolean;
  /** GitLab: the author may not approve their own MR. */
  preventAuthorApproval: boolean;
  /** GitLab generic packages: reject a file that already exists in the same package version. */
  packageDuplicatesAllowed: boolean;
  /** GitHub: how CI reports on commits (check runs like Actions, commit statuses, or both). */
  ciReports: 'checks' | 'statuses' | 'both';
  ciJobs: SimJobSpec[];
  /** Default outcome for pipelines of this project. */
  ciDefault: CiOutcome;
  /** Outcome per branch name. */
  ciByBranch: Map<string, CiOutcome>;
  /** Outcome per commit sha (full). */
  ciBySha: Map<string, CiOutcome>;
  /** Set false to create no pipelines on push (a project without CI). */
  ciEnabled: boolean;
  /** GitLab compare: answer `compare_timeout: true` (and no diffs) when comparing to these shas. */
  compareTimeoutShas: Set<string>;
  createdAt: string;
  archived: boolean;
}

export type MergeRequestState = 'opened' | 'closed' | 'merged' | 'locked';

export interface SimMergeRequest {
  id: number;
  iid: number;
  projectId: number;
  title: string;
  description: string;
  state: MergeRequestState;
  sourceBranch: string;
  targetBranch: string;
  authorId: number;
  assigneeIds: number[];
  reviewerIds: number[];
  labels: string[];
  milestoneId: number | null;
  draft: boolean;
  squash: boolean;
  removeSourceBranch: boolean;
  /** Head sha when closed/merged (the branch may be gone); live MRs read the branch. */
  headSha: string;
  mergeCommitSha: string | null;
  squashCommitSha: string | null;
  mergedById: number | null;
  mergedAt: string | null;
  closedAt: string | null;
  /** Auto-merge: merge when the head pipeline at `sha` succeeds. */
  autoMerge: {
    userId: number;
    sha: string;
    squash: boolean;
    removeSourceBranch: boolean;
    method: string;
  } | null;
  approvedBy: number[];
  createdAt: string;
  updatedAt: string;
}

export interface SimIssue {
  id: number;
  iid: number;
  projectId: number;
  title: string;
  description: string;
  state: 'opened' | 'closed';
  authorId: number;
  assigneeIds: number[];
  labels: string[];
  milestoneId: number | null;
  confidential: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  updatedById: number | null;
}

export interface SimNote {
  id: number;
  projectId: number;
  noteableType: 'MergeRequest' | 'Issue';
  /** The MR or issue iid (PR/issue number on GitHub). */
  noteableIid: number;
  body: string;
  authorId: number;
  system: boolean;
  createdAt: string;
  updatedAt: string;
  /**
   * Edits after it was written, oldest first, with the body before each: GitHub exposes them
   * (`editor`, `lastEditedAt`, `userContentEdits`); GitLab's REST shows only `updated_at`.
   */
  edits?: { editorId: number; at: string; before: string }[];
}

export type SimCiStatus =
  'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped' | 'manual';

export interface SimPipeline {
  id: number;
  iid: number;
  projectId: number;
  ref: string;
  sha: string;
  tag: boolean;
  /** `push`, `merge_request_event`, `schedule`, `api`, `web`, `trigger`. */
  source: string;
  status: SimCiStatus;
  userId: number;
  outcome: CiOutcome;
  variables: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface SimJob {
  id: number;
  pipelineId: number;
  projectId: number;
  name: string;
  stage: string;
  status: SimCiStatus;
  when: 'on_success' | 'manual';
  allowFailure: boolean;
  failureReason: string | null;
  /** Superseded by a retry. */
  retried: boolean;
  /** How many attempts preceded this one. */
  attempt: number;
  durationMs: number;
  /** The job fails when it finishes (decided at creation from the outcome). */
  willFail: boolean;
  /** Stuck jobs never finish. */
  stuck: boolean;
  userId: number;
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Deploy jobs create a deployment when they succeed. */
  environment: string | null;
}

/** An external commit status (GitLab `POST /statuses/:sha`, GitHub `POST /statuses/:sha`). */
export interface SimCommitStatus {
  id: number;
  projectId: number;
  sha: string;
  /** GitLab `name`, GitHub `context`. */
  context: string;
  state: 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'error';
  description: string | null;
  targetUrl: string | null;
  creatorId: number;
  createdAt: string;
  updatedAt: string;
}

/** A GitHub check run. CI jobs appear as check runs too (one per attempt; a re-run adds one). */
export interface SimCheckRun {
  id: number;
  projectId: number;
  sha: string;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion:
    'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | null;
  /** The CI job this check run mirrors, if any. */
  jobId: number | null;
  externalId: string | null;
  detailsUrl: string | null;
  startedAt: string | null;
  completedAt: string | null;
  appSlug: string;
}

export interface SimEnvironment {
  id: number;
  projectId: number;
  name: string;
  externalUrl: string | null;
  state: 'available' | 'stopped';
  createdAt: string;
}

export interface SimDeployment {
  id: number;
  iid: number;
  projectId: number;
  environmentId: number;
  ref: string;
  sha: string;
  status: 'created' | 'running' | 'success' | 'failed' | 'canceled' | 'blocked';
  userId: number;
  /** The deploy job (GitLab deployable), when there is one. */
  jobId: number | null;
  /** GitHub deployment payload / description. */
  payload: Record<string, unknown>;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface SimPackageFile {
  id: number;
  fileName: string;
  size: number;
  sha256: string;
  md5: string;
  sha1: string;
  /** Where the bytes are on disk. */
  storagePath: string;
  createdAt: string;
}

export interface SimPackage {
  id: number;
  projectId: number;
  name: string;
  version: string;
  packageType: 'generic';
  status: 'default' | 'hidden' | 'processing' | 'error';
  files: SimPackageFile[];
  createdAt: string;
}

export interface SimLabel {
  id: number;
  projectId: number;
  name: string;
  color: string;
  description: string;
}

export interface SimMilestone {
  id: number;
  iid: number;
  projectId: number;
  title: string;
  description: string;
  state: 'active' | 'closed';
  startDate: string | null;
  dueDate: string | null;
  createdAt: string;
}

export interface SimRelease {
  id: number;
  projectId: number;
  tagName: string;
  name: string;
  description: string;
  createdAt: string;
  assets: SimPackageFile[];
}
