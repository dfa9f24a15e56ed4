/**
 * The one interface jobs speak to a forge through. GitLab and GitHub differences live in the
 * adapters (src/forges/gitlab, src/forges/github); jobs never import an SDK.
 *
 * Conventions:
 * - `project` is the full path: `group/sub/name` on GitLab, `owner/repo` on GitHub.
 * - "Change request" (CR) is a GitLab merge request or a GitHub pull request; `iid` is the MR iid
 *   or the PR number.
 * - "Pipeline" is a GitLab pipeline or a GitHub Actions workflow run; "job" a GitLab job or a
 *   workflow job. Status names use GitLab's vocabulary; GitHub adapters translate.
 * - Lookups of a single thing that may not exist return `null` instead of throwing on 404.
 * - Every write method refuses in dry-run (DryRunWriteError), and the HTTP layer refuses any
 *   non-GET request in dry-run too, so a bug cannot write.
 */

import type { ForgeCapabilities, ForgeLinks, RefusedPushExplainer } from './links.js';

export type ForgeKind = 'gitlab' | 'github';

export interface ForgeUser {
  id: number;
  username: string;
  name?: string;
  /**
   * The author email the forge writes on commits this user makes through the API (GitLab
   * `commit_email`), when the forge says; how the bot recognises its own commits on GitLab.
   */
  commitEmail?: string;
}

export interface ForgeProject {
  id: number;
  /** Full path, e.g. `gitlab-org/gitaly` or `packit/packit-service`. */
  path: string;
  defaultBranch: string;
  webUrl: string;
  /** GitHub: whether the repository allows auto-merge. GitLab: always true. */
  allowAutoMerge: boolean;
}

export interface Branch {
  name: string;
  sha: string;
  protected: boolean;
  webUrl: string;
}

/** How a branch is protected, as the forge says (`RepoApi.getBranchProtection`). */
export interface BranchProtection {
  /** Protected by a rule for its name or a pattern (the branch answer's own flag). */
  protected: boolean;
  /**
   * The rule for exactly this name, when the bot may read it (GitHub needs admin rights; a GitLab
   * wildcard rule is not returned by name): null otherwise.
   */
  rule: { name: string; pushAccess: string; forcePush: boolean; requiredChecks: string[] } | null;
  /** Where an admin sets protection up in the web UI. */
  settingsUrl: string;
}

/** A branch name and its head, as a prefix listing returns it. */
export interface BranchRef {
  name: string;
  sha: string;
}

export interface Commit {
  sha: string;
  shortSha: string;
  title: string;
  message: string;
  authorName: string;
  authorEmail: string;
  /** ISO 8601. */
  createdAt: string;
  parentShas: string[];
  webUrl: string;
  /**
   * The account the forge links the commit author to (GitHub `author.login`); undefined where the
   * forge links none (GitLab), null when the email belongs to no account.
   */
  authorUsername?: string | null;
}

export interface ChangedFile {
  path: string;
  oldPath: string;
  newFile: boolean;
  deletedFile: boolean;
  renamedFile: boolean;
}

export interface CompareResult {
  /** Commits reachable from `to` but not from `from`, oldest first. */
  commits: Commit[];
  files: ChangedFile[];
  /** GitLab `compare_timeout`: the diff was too large to compute. Treat as "unknown", never as "none". */
  compareTimeout: boolean;
  /** `from` is an ancestor of `to` (a fast-forward from `from` to `to` is possible). */
  fastForward: boolean;
  /** Commits in `from` not reachable from `to` (0 when `to` descends from `from`). */
  behindBy: number;
  webUrl: string;
}

export interface FileContent {
  path: string;
  ref: string;
  content: string;
  /** Blob sha (GitHub needs it to update a file; informative on GitLab). */
  blobSha: string;
}

export type FileAction =
  { action: 'create' | 'update'; path: string; content: string } | { action: 'delete'; path: string };

export interface CommitFilesInput {
  branch: string;
  message: string;
  actions: FileAction[];
  /**
   * Create `branch` from (or, with `force`, reset it to) this branch or sha before committing.
   * GitLab `start_branch`/`start_sha`; GitHub: tree + commit + ref update.
   */
  startFrom?: string;
  /** Reset `branch` to `startFrom` + the new commit even if that drops commits. Only for the bot's own branches. */
  force?: boolean;
}

export type ChangeRequestState = 'opened' | 'closed' | 'merged';

export interface ChangeRequest {
  id: number;
  iid: number;
  title: string;
  description: string;
  state: ChangeRequestState;
  sourceBranch: string;
  targetBranch: string;
  headSha: string;
  webUrl: string;
  labels: string[];
  author: string;
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  /**
   * The commit the merge put on the target branch (merge commit, squash commit, or the head of a
   * fast-forward); null until merged. Undefined when the adapter cannot tell.
   */
  mergeCommitSha?: string | null;
  /** Auto-merge (GitLab merge-when-pipeline-succeeds / GitHub auto-merge) is set. */
  autoMerge: boolean;
  /** `false` when the forge reports conflicts; `null` when unknown yet. */
  mergeable: boolean | null;
  /** The source branch lives in another project (a fork); undefined when the adapter cannot tell. */
  fromFork?: boolean;
}

export interface CreateChangeRequestInput {
  sourceBranch: string;
  targetBranch: string;
  title: string;
  description: string;
  labels?: string[];
  /** Usernames. */
  assignees?: string[];
  /** Usernames. */
  reviewers?: string[];
  /** Milestone title; resolved to an id by the adapter. */
  milestone?: string;
  removeSourceBranch?: boolean;
  squash?: boolean;
}

export interface UpdateChangeRequestInput {
  title?: string;
  description?: string;
  /** Replace all labels. */
  labels?: string[];
  addLabels?: string[];
  removeLabels?: string[];
  state?: 'close' | 'reopen';
}

/**
 * `pending`: not now, ask again on a later run — the head commit has no pipeline yet (GitLab
 * creates it asynchronously after the push) or the forge refused auto-merge for a passing reason.
 */
export type AutoMergeResult = 'enabled' | 'already-enabled' | 'unsupported' | 'pending';

export interface Note {
  id: number;
  body: string;
  author: string;
  createdAt: string;
  system: boolean;
  /** Last change (an edit, on both forges); equal to `createdAt` for a note never changed. */
  updatedAt?: string;
}

/** Who changed a note after it was written (`NoteApi.edits`). */
export interface NoteEdits {
  noteId: number;
  /** When it was last edited. */
  editedAt: string;
  /**
   * Everyone who edited it, oldest first (GitHub `userContentEdits`, `editor`); null when the
   * forge shows only that it changed (GitLab's REST API has `updated_at`, not the editor).
   */
  editors: string[] | null;
}

/** What a note or label is attached to. */
export type Noteable = { kind: 'change_request' | 'issue'; iid: number };

export interface Issue {
  id: number;
  iid: number;
  title: string;
  description: string;
  state: 'opened' | 'closed';
  labels: string[];
  author: string;
  webUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface CreateIssueInput {
  title: string;
  description: string;
  labels?: string[];
  assignees?: string[];
  milestone?: string;
}

export interface UpdateIssueInput {
  title?: string;
  description?: string;
  labels?: string[];
  state?: 'close' | 'reopen';
}

export interface IssueQuery {
  state?: 'opened' | 'closed' | 'all';
  labels?: string[];
  /** Substring of the title. */
  search?: string;
  limit?: number;
}

/** Every pipeline/job status the bot knows (GitLab's names; the GitHub adapter maps onto them). */
export const CI_STATUSES = [
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'skipped',
  'manual',
  'scheduled',
] as const;

export type CiStatus = (typeof CI_STATUSES)[number];

export const FINISHED_CI_STATUSES: readonly CiStatus[] = ['success', 'failed', 'canceled', 'skipped'];

export interface Pipeline {
  id: number;
  ref: string;
  sha: string;
  status: CiStatus;
  source: string;
  webUrl: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Seconds. */
  duration: number | null;
}

export interface PipelineQuery {
  ref?: string;
  sha?: string;
  status?: CiStatus;
  /** Only pipelines updated after this ISO time. */
  updatedAfter?: string;
  /** Newest first by id unless said otherwise. */
  sort?: 'asc' | 'desc';
  /** Maximum number of pipelines returned (adapters page as needed). */
  limit?: number;
}

export interface CiJob {
  id: number;
  name: string;
  stage: string;
  status: CiStatus;
  /** GitLab `failure_reason` (`script_failure`, `runner_system_failure`, ...); GitHub: conclusion. */
  failureReason: string | null;
  webUrl: string;
  /** This attempt was superseded by a retry. */
  retried: boolean;
  allowFailure: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  /** Manual jobs wait for someone to play them. */
  manual: boolean;
}

/** One CI signal on a commit: a GitLab pipeline or external status, a GitHub status or check run. */
export interface CommitCheck {
  /** The forge's id; 0 when it gives none (a status context in GitHub's GraphQL rollup). */
  id: number;
  name: string;
  kind: 'pipeline' | 'status' | 'check_run';
  status: 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped' | 'neutral';
  webUrl: string;
  /** ISO; the newest check per name wins (a re-run that passed replaces an old failure). */
  createdAt: string;
  completedAt: string | null;
}

/**
 * `stopAt`: the caller looks no further than the first commit it accepts (the newest green one):
 * the adapter may answer only up to it (GitHub answers an unchanged or newly green head from
 * conditional requests, without the charged history query).
 */
export interface BranchChecksOptions {
  stopAt?: (entry: BranchCommitChecks) => boolean;
}

/** One commit of a branch with its CI signals (`CiApi.branchChecks`). */
export interface BranchCommitChecks {
  commit: Pick<Commit, 'sha' | 'shortSha' | 'webUrl'>;
  checks: CommitCheck[];
}

export type DeploymentStatus = 'created' | 'running' | 'success' | 'failed' | 'canceled' | 'blocked';

export interface Deployment {
  id: number;
  environment: string;
  ref: string;
  sha: string;
  status: DeploymentStatus;
  createdAt: string;
  updatedAt: string;
  /** The job that performed it (GitLab deployable), when known. */
  jobId: number | null;
  /** Free-form payload or version, e.g. the auto-deploy package version. */
  version: string | null;
  webUrl: string;
}

export interface DeploymentQuery {
  environment: string;
  status?: DeploymentStatus;
  updatedAfter?: string;
  sort?: 'asc' | 'desc';
  limit?: number;
}

export interface CreateDeploymentInput {
  environment: string;
  ref: string;
  sha: string;
  version?: string;
  description?: string;
}

/** What `DeploymentApi.watch` found in one environment since the cursor. */
export interface DeploymentChanges {
  /** Deployments created, or whose status changed, since the cursor; oldest first. */
  deployments: Deployment[];
  /** The adapter's own position (opaque): keep it in the store and pass it back. */
  cursor: string;
}

export interface RecordDeploymentInput {
  environment: string;
  ref: string;
  sha: string;
  /**
   * Whether a deployment of this sha without a status may exist (the caller listed the
   * environment): false spares GitHub's look for a half-done record of ours to finish; left out,
   * the adapter looks.
   */
  unfinished?: boolean;
  /** Shown with the deployment where the forge keeps one (GitHub). */
  description?: string;
}

export interface PackageFile {
  id: number;
  fileName: string;
  size: number;
  /** Hex sha256, when the registry reports one. */
  sha256: string | null;
  createdAt: string;
}

export interface Label {
  name: string;
  color: string;
  description: string;
}

export interface RepoApi {
  getProject(project: string): Promise<ForgeProject>;
  getBranch(project: string, branch: string): Promise<Branch | null>;
  /**
   * Branches whose name starts with `prefix` (the bot's own, e.g. `release-bot/update-`), at most
   * `limit` (default 100): one request (GitLab `search=^prefix`, GitHub matching-refs).
   */
  listBranches(project: string, options: { prefix: string; limit?: number }): Promise<BranchRef[]>;
  createBranch(project: string, branch: string, ref: string): Promise<Branch>;
  /** How `branch` is protected; null when there is no such branch. Never changes protection. */
  getBranchProtection(project: string, branch: string): Promise<BranchProtection | null>;
  deleteBranch(project: string, branch: string): Promise<void>;
  /** Move a branch to `sha`. Without `force` it must be a fast-forward (NotFastForwardError otherwise). */
  /** The branch as read back after the update: what the caller verifies the move with. */
  updateBranch(project: string, branch: string, sha: string, options?: { force?: boolean }): Promise<Branch>;
  /** Newest first, at most `limit` commits (adapters page as needed). */
  listCommits(project: string, ref: string, options?: { limit?: number }): Promise<Commit[]>;
  getCommit(project: string, ref: string): Promise<Commit | null>;
  compare(project: string, from: string, to: string): Promise<CompareResult>;
  getFile(project: string, path: string, ref: string): Promise<FileContent | null>;
  commitFiles(project: string, input: CommitFilesInput): Promise<Commit>;
}

export interface ChangeRequestApi {
  /** Lookup by source branch (never by title). */
  list(
    project: string,
    query: {
      sourceBranch?: string;
      targetBranch?: string;
      state?: ChangeRequestState | 'all';
      labels?: string[];
      /** Look at the newest `limit` only (one request up to 100); default: all of them. */
      limit?: number;
    },
  ): Promise<ChangeRequest[]>;
  get(project: string, iid: number): Promise<ChangeRequest | null>;
  /**
   * Change requests a commit belongs to (GitLab `commits/:sha/merge_requests`, GitHub
   * `commits/{sha}/pulls`), any state and target: callers filter (merged into `main`).
   */
  listForCommit(project: string, sha: string): Promise<ChangeRequest[]>;
  create(project: string, input: CreateChangeRequestInput): Promise<ChangeRequest>;
  update(project: string, iid: number, input: UpdateChangeRequestInput): Promise<ChangeRequest>;
  /** Merge now; `sha` guards against merging a head the caller did not see. */
  merge(
    project: string,
    iid: number,
    options: { sha: string; squash?: boolean; removeSourceBranch?: boolean },
  ): Promise<ChangeRequest>;
  /** GitLab auto_merge with the `sha` guard; GitHub enablePullRequestAutoMerge or 'unsupported'. */
  enableAutoMerge(
    project: string,
    iid: number,
    options: { sha: string; squash?: boolean; removeSourceBranch?: boolean },
  ): Promise<AutoMergeResult>;
  approve(project: string, iid: number, options: { sha: string }): Promise<void>;
  /**
   * Turn auto-merge off (GitLab cancel_merge_when_pipeline_succeeds, GitHub
   * disablePullRequestAutoMerge); false when it was not on. GitHub keeps auto-merge armed when
   * someone with write access pushes to the head branch, so the bot disarms it on a head it did
   * not write.
   */
  disableAutoMerge(project: string, iid: number): Promise<boolean>;
}

export interface NoteApi {
  list(project: string, on: Noteable): Promise<Note[]>;
  create(project: string, on: Noteable, body: string): Promise<Note>;
  update(project: string, on: Noteable, noteId: number, body: string): Promise<Note>;
  /**
   * Edits of these notes (from `list`): one entry per note that was edited after it was written,
   * none for the others. Approvals and the bot's own markers count only when unedited by others.
   */
  edits(project: string, on: Noteable, notes: Note[]): Promise<NoteEdits[]>;
}

export interface IssueApi {
  list(project: string, query: IssueQuery): Promise<Issue[]>;
  get(project: string, iid: number): Promise<Issue | null>;
  create(project: string, input: CreateIssueInput): Promise<Issue>;
  update(project: string, iid: number, input: UpdateIssueInput): Promise<Issue>;
}

export interface LabelApi {
  /** Create the label if missing (idempotent). */
  ensure(project: string, label: { name: string; color: string; description?: string }): Promise<Label>;
  /** Title of the open milestone whose dates contain today, or null. */
  currentMilestone(project: string): Promise<string | null>;
}

export interface CiApi {
  listPipelines(project: string, query: PipelineQuery): Promise<Pipeline[]>;
  getPipeline(project: string, id: number): Promise<Pipeline | null>;
  /** Jobs of a pipeline; with `includeRetried`, superseded attempts too. */
  listJobs(project: string, pipelineId: number, options?: { includeRetried?: boolean }): Promise<CiJob[]>;
  retryJob(project: string, jobId: number): Promise<CiJob>;
  /** Retry every failed job of a pipeline. */
  retryPipeline(project: string, pipelineId: number): Promise<Pipeline>;
  /** Play a manual job. Returns null when the job is no longer manual (already played). */
  playJob(project: string, jobId: number): Promise<CiJob | null>;
  /** All CI signals on a commit (every attempt; callers keep the newest per name). */
  commitChecks(project: string, sha: string): Promise<CommitCheck[]>;
  /**
   * The newest `limit` commits of a branch, newest first, each with its CI signals: enough for
   * checksVerdict (at least the newest signal per name; older attempts may be left out).
   */
  branchChecks(
    project: string,
    branch: string,
    limit: number,
    options?: BranchChecksOptions,
  ): Promise<BranchCommitChecks[]>;
  /** Pipelines created for a tag (GitLab) or workflow runs for it (GitHub). */
  listTagPipelines(project: string, tag: string): Promise<Pipeline[]>;
}

export interface DeploymentApi {
  list(project: string, query: DeploymentQuery): Promise<Deployment[]>;
  get(project: string, id: number): Promise<Deployment | null>;
  create(project: string, input: CreateDeploymentInput): Promise<Deployment>;
}

/** Following environments (follow-deployments): cursored reads and recorded deployments. */
export interface DeploymentWatchApi {
  /**
   * Deployments of one environment created or changed since `cursor` (null: the newest `limit`,
   * default 20), oldest first. When nothing changed it costs one request (GitLab: one
   * `updated_after` read; GitHub: the first page, newest first, plus one status read per
   * deployment that is new or was still unfinished at the cursor).
   */
  watch(
    project: string,
    query: { environment: string; cursor: string | null; limit?: number },
  ): Promise<DeploymentChanges>;
  /** Record a finished, successful deployment (GitLab: status success; GitHub: a success status). */
  record(project: string, input: RecordDeploymentInput): Promise<Deployment>;
}

export interface PackageApi {
  /** Files of a generic package version; [] when the package or version does not exist. */
  listFiles(project: string, name: string, version: string): Promise<PackageFile[]>;
  download(
    project: string,
    name: string,
    version: string,
    fileName: string,
  ): Promise<ReadableStream<Uint8Array>>;
  /** Streams the body; rejects a duplicate file as GitLab does (ForgeError 400/409). */
  upload(
    project: string,
    name: string,
    version: string,
    fileName: string,
    body: ReadableStream<Uint8Array>,
    size: number,
  ): Promise<PackageFile>;
}

export interface Forge {
  /** Name from the config (`gitlab.com`, `github`, `ops`, ...). */
  readonly name: string;
  readonly kind: ForgeKind;
  /** API base, e.g. `https://gitlab.com/api/v4` or `https://api.github.com`. */
  readonly apiUrl: string;
  /** Web base for links, e.g. `https://gitlab.com`. */
  readonly webUrl: string;
  readonly dryRun: boolean;
  /** How this forge spells references and web URLs (jobs never build them by forge kind). */
  readonly links: ForgeLinks;
  /** Behaviour that differs between forges, for jobs to choose by (never by `kind`). */
  readonly capabilities: ForgeCapabilities;
  /** A refused branch update explained in this forge's settings vocabulary, or `null`. */
  explainRefusedPush: RefusedPushExplainer;
  currentUser(): Promise<ForgeUser>;
  repo: RepoApi;
  changeRequests: ChangeRequestApi;
  notes: NoteApi;
  issues: IssueApi;
  labels: LabelApi;
  ci: CiApi;
  deployments: DeploymentApi & DeploymentWatchApi;
  packages: PackageApi;
}
