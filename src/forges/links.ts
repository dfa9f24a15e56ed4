import type { ForgeError } from '../errors.js';

/**
 * What differs between forges, kept in the forge layer so that a job never asks which forge it
 * talks to (a third forge then means one adapter, not an edit in every job). Links are how the
 * forge's own web UI and text spell things; capabilities are behaviour a job chooses between.
 */

export interface ForgeLinks {
  /** The product's name, for people (`GitLab`, `GitHub`). */
  readonly product: string;
  /** What the forge calls a change request in its UI: `MR` (GitLab) or `PR` (GitHub). */
  readonly changeRequestNoun: 'MR' | 'PR';
  /** The character that references a change request in text: `!` (GitLab) or `#` (GitHub). */
  readonly changeRequestSigil: '!' | '#';
  /** `!12` on GitLab, `#12` on GitHub: how the forge's own text links a change request. */
  changeRequestRef(iid: number): string;
  /** The anchor of one note (comment) on an issue or change request page. */
  noteUrl(parentUrl: string, noteId: number): string;
  /** A file at a commit or ref in the web UI; `path` is encoded segment by segment. */
  blobUrl(project: string, ref: string, path: string): string;
  /** Where the project's published packages are listed (GitLab package registry, GitHub releases). */
  packages(project: string): { text: string; url: string };
}

export interface ForgeCapabilities {
  /**
   * Ticking a task-list checkbox in an issue is attributed to the person who ticked it (GitLab
   * writes a system note with the author); GitHub does not say who ticked it.
   */
  readonly attributedCheckboxes: boolean;
  /** A change request has its own pipelines on `refs/merge-requests/<iid>/head` (GitLab). */
  readonly changeRequestPipelines: boolean;
  /** Listing pipelines can filter on `updated_after` server-side (GitLab). */
  readonly pipelineUpdatedAfterFilter: boolean;
  /**
   * How a commit's CI result is best read: one pipeline per commit (GitLab) or the set of check
   * runs and statuses many apps report on it (GitHub).
   */
  readonly ciVerdict: 'pipeline' | 'checks';
  /**
   * How an older deployment is deployed again: re-running its deploy job (GitLab deployments
   * come from jobs) or creating a new deployment for a workflow to pick up (GitHub).
   */
  readonly redeploy: 'retry-deploy-job' | 'new-deployment';
}

/** The branch update a job attempted, for a refusal's explanation. */
export interface RefusedPush {
  project: string;
  branch: string;
  /** The bot's username on this forge. */
  user: string;
  force: boolean;
}

/**
 * Reads a forge error as a push refused for want of access or by branch protection and says, in
 * the forge's own settings vocabulary, what an admin must grant; `null` when it is something else.
 */
export type RefusedPushExplainer = (error: ForgeError, push: RefusedPush) => string | null;
