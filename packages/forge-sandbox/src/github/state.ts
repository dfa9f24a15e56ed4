import type { SimProject } from '../core/model.js';
import type { World } from '../core/world.js';
import type { CommitDetail } from './git-objects.js';

/**
 * What only GitHub has, kept beside the shared world model (which both forge views read):
 * repository merge settings, auto-merge requests, reviews, deployment statuses, check-run
 * output and release metadata. One state per world.
 */

export interface RepoSettings {
  deleteBranchOnMerge: boolean;
  allowMergeCommit: boolean;
  allowSquashMerge: boolean;
  allowRebaseMerge: boolean;
  hasIssues: boolean;
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface GhAutoMerge {
  userId: number;
  method: MergeMethod;
  enabledAt: string;
  commitTitle: string | null;
  commitMessage: string | null;
}

export interface GhReview {
  id: number;
  projectId: number;
  number: number;
  userId: number;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  body: string;
  commitId: string;
  submittedAt: string;
}

export type GhDeploymentState =
  'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface GhDeploymentStatus {
  id: number;
  deploymentId: number;
  state: GhDeploymentState;
  description: string;
  environment: string;
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  creatorId: number;
  createdAt: string;
}

export interface GhDeploymentMeta {
  task: string;
  transient: boolean;
  production: boolean;
}

export interface GhCheckRunMeta {
  createdAt: string;
  output: { title: string | null; summary: string | null; text: string | null };
}

export interface GhReleaseMeta {
  targetCommitish: string;
  draft: boolean;
  prerelease: boolean;
  authorId: number;
}

export interface GhAssetMeta {
  releaseId: number;
  contentType: string;
  label: string | null;
  uploaderId: number;
  downloads: number;
}

export interface GithubState {
  settings: Map<number, RepoSettings>;
  /** By merge request (pull) id. */
  autoMerge: Map<number, GhAutoMerge>;
  reviews: GhReview[];
  deploymentStatuses: GhDeploymentStatus[];
  deploymentMeta: Map<number, GhDeploymentMeta>;
  checkRunMeta: Map<number, GhCheckRunMeta>;
  releaseMeta: Map<number, GhReleaseMeta>;
  assetMeta: Map<number, GhAssetMeta>;
  /**
   * Where release asset downloads redirect to (GitHub: objects.githubusercontent.com, another
   * origin). Default: this listener. Tests point it at another origin to prove the token stays home.
   */
  assetStorageOrigin: string | null;
  /**
   * The primary rate limits, per user (GitHub counts per user or installation) and resource
   * (`core` for REST, `graphql` for POST /graphql): the window (wall-clock hour) and the points
   * used in it, plus every point ever charged (for tests and benches).
   */
  rate: Map<string, { window: number; used: number; total: number }>;
  /** Commit objects never change: cache them by `<repo dir>:<sha>`. */
  commits: Map<string, CommitDetail>;
  /** Stable ids for organisations (owners that are not users). */
  orgIds: Map<string, number>;
  /**
   * Per pull request id: the head and base (`<head>:<base>`) its mergeability was last computed
   * for. GitHub computes `mergeable` in a background job started by a read; until then it is null.
   */
  mergeChecks: Map<number, string>;
  /** Rate-limit answers to give next (tests queue them; see rate-limit.ts). */
  throttles: GhThrottle[];
  /**
   * Read-after-write lag (realism): a branch just created through the Git refs API is not yet
   * seen by pull request creation; the next `POST /pulls` with it as head answers 422 `head
   * invalid` (mislav/hub#1518, octokit/octokit.rb#622). Keys `<project id>:<branch>`.
   */
  refLag: boolean;
  laggingRefs: Set<string>;
}

/**
 * A rate-limited answer GitHub gives instead of handling the request ("Rate limits for the REST
 * API"): the secondary limit as 403 (or 429) with `retry-after`, or as 403/429 with
 * `x-ratelimit-remaining: 0` and `x-ratelimit-reset`; the primary limit as 403/429 with
 * `x-ratelimit-remaining: 0`.
 */
export interface GhThrottle {
  kind: 'secondary-retry-after' | 'secondary-reset' | 'primary';
  status: 403 | 429;
  /** Seconds to wait (retry-after, or from now to x-ratelimit-reset). */
  seconds: number;
  /** Only requests whose route (`POST /repos/:owner/:repo/pulls`) matches. */
  route?: string | RegExp;
  /** How many matching requests it answers (default 1). */
  times?: number;
}

const states = new WeakMap<World, GithubState>();

export function githubState(world: World): GithubState {
  let state = states.get(world);
  if (!state) {
    state = {
      settings: new Map(),
      autoMerge: new Map(),
      reviews: [],
      deploymentStatuses: [],
      deploymentMeta: new Map(),
      checkRunMeta: new Map(),
      releaseMeta: new Map(),
      assetMeta: new Map(),
      assetStorageOrigin: null,
      rate: new Map(),
      commits: new Map(),
      orgIds: new Map(),
      mergeChecks: new Map(),
      throttles: [],
      refLag: false,
      laggingRefs: new Set(),
    };
    states.set(world, state);
  }
  return state;
}

/** GitHub repository settings (PATCH /repos/{owner}/{repo} changes them; tests may too). */
export function repoSettings(world: World, project: SimProject): RepoSettings {
  const state = githubState(world);
  let settings = state.settings.get(project.id);
  if (!settings) {
    settings = {
      deleteBranchOnMerge: false,
      allowMergeCommit: true,
      allowSquashMerge: true,
      allowRebaseMerge: true,
      hasIssues: true,
    };
    state.settings.set(project.id, settings);
  }
  return settings;
}
