import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Config, JobOptionsSchema } from '../config/schema.js';
import type { Forge } from '../forges/types.js';
import type { Notifier } from '../notify/types.js';
import type { ResultStatus, Trigger } from '../store/run-status.js';
import type { Store } from '../store/types.js';

/**
 * The job contract. A job is defined once with `defineJob` and registered in app/jobs.ts.
 * It plans first and then applies; in dry-run it returns the plan and the forge layer refuses
 * any write, so a bug cannot write.
 */

// Defined with the store that records them (the store must not import the runner).
export type { ResultStatus, RunStatus, Trigger } from '../store/run-status.js';

export interface Action {
  /** Machine-readable kind: `create-branch`, `open-mr`, `post-note`, `move-branch`, … */
  kind: string;
  /** Human sentence: "open MR release-bot/update-gitaly → master". */
  description: string;
  /** true once performed; false when only planned (dry-run) or skipped. */
  done: boolean;
  url?: string;
  /** The subject (component, repo, package) it belongs to, for per-item tables. */
  subject?: string;
}

export interface Link {
  text: string;
  url: string;
}

/** One line of a per-item table (component, repo, package): what happened to it. */
export interface ItemResult {
  name: string;
  status: ResultStatus;
  summary: string;
  links?: Link[];
}

export interface JobResult {
  status: ResultStatus;
  summary: string;
  actions: Action[];
  links: Link[];
  items?: ItemResult[];
  /** Job-specific details kept in history (plan data, evidence); JSON-serialisable. */
  details?: Record<string, unknown>;
}

export interface JobSentry {
  /** A non-exception alert (a failed package, a gate failing), with an optional grouping fingerprint. */
  captureMessage(
    message: string,
    options?: {
      level?: 'info' | 'warning' | 'error';
      fingerprint?: string[];
      tags?: Record<string, string>;
      extra?: Record<string, unknown>;
    },
  ): Promise<void>;
  captureException(
    error: unknown,
    options?: { fingerprint?: string[]; tags?: Record<string, string>; extra?: Record<string, unknown> },
  ): Promise<void>;
}

/** Per-job key/value state in the store (cursors, remembered notifications). */
export interface JobState {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  list<T>(prefix?: string): Promise<{ key: string; value: T }[]>;
}

export interface JobContext {
  job: string;
  runId: string;
  trigger: Trigger;
  dryRun: boolean;
  log: Logger;
  /** Configured forges by name; built lazily, dry-run enforced in every one. */
  forge(name: string): Forge;
  /** A forge client authenticated with another token (e.g. an approver; GitLab forbids self-approval). */
  forgeWithToken(name: string, token: string): Forge;
  notifier: Notifier;
  /** The job's Slack channel from its config (`slackChannel`), if any. */
  slackChannel: string | undefined;
  sentry: JobSentry;
  store: Store;
  state: JobState;
  /** Aborted on timeout or shutdown; pass it on to long waits. */
  signal: AbortSignal;
  /** The clock jobs must use (tests move it). */
  now(): Date;
  config: Config;
  /** Job-specific CLI arguments (`--component gitaly`, `--sha …`, `--version …`). */
  args: Record<string, unknown>;
  /** Report progress on long work (logged, and shown on a TTY). */
  progress(message: string): void;
}

export interface CliOption {
  /** commander flags, e.g. `--component <name>` or `--package <name...>`. */
  flags: string;
  description: string;
}

export interface JobDefinition<S extends JobOptionsSchema = JobOptionsSchema> {
  name: string;
  description: string;
  /** Default cron expression (config may override), or `manual` for jobs run only on demand. */
  schedule: string;
  options: S;
  /** Default run timeout. */
  timeoutSeconds?: number;
  /** Default whole-run retries of transient failures. */
  retries?: number;
  /** Extra flags for `release-bot run <job>`; parsed values arrive in `ctx.args`. */
  cliOptions?: CliOption[];
  /** Accept flags not declared in `cliOptions` (e.g. `--packit-service=<sha>`); they arrive as `ctx.args.unknown`. */
  acceptUnknownOptions?: boolean;
  /**
   * Cross-checks against the rest of the config (forge and channel names exist, …): each
   * returned line is a problem named by its path relative to the job section.
   */
  checkConfig?(options: z.infer<S>, config: Config): string[];
  /** Validate `ctx.args` before anything runs; throw UsageError (exit 2, nothing written). */
  checkArgs?(args: Record<string, unknown>, options: z.infer<S>): void;
  run(ctx: JobContext, options: z.infer<S>): Promise<JobResult>;
}

export function defineJob<S extends JobOptionsSchema>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

/** Helpers for building results. */
export function result(status: ResultStatus, summary: string, extra: Partial<JobResult> = {}): JobResult {
  return { status, summary, actions: [], links: [], ...extra };
}

/** Combine per-item outcomes: any failed → failed; any ok → ok; all skipped → skipped; else noop. */
export function combineStatus(statuses: ResultStatus[]): ResultStatus {
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('ok')) return 'ok';
  if (statuses.length > 0 && statuses.every((s) => s === 'skipped')) return 'skipped';
  return 'noop';
}
