import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Config, JobOptionsSchema } from '../config/schema.js';
import type { Forge } from '../forges/types.js';
import type { NotifyMessage, Notifier } from '../notify/types.js';
import type { ResultStatus, Trigger } from '../store/run-status.js';
import type { Store } from '../store/types.js';
import type { Verdict } from './verdict.js';

/**
 * The job contract. A job is defined once with `defineJob` and registered in app/jobs.ts.
 * It plans (`plan`, read-only), the runner applies the plan (`apply`, the only phase that may
 * write) and the job reports (`report`, read-only). A dry run never reaches `apply`: the runner
 * renders its result from the plan, and the forge layer refuses any write as a second wall.
 */

// Defined with the store that records them (the store must not import the runner).
export type { ResultStatus, RunStatus, Trigger } from '../store/run-status.js';
export type { Verdict, VerdictKind } from './verdict.js';

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
  /**
   * What the run found per subject (src/runner/verdict.ts): `alert` opens an alert that stays
   * open until the subject is reported `healthy`; subjects left out keep their alerts.
   */
  verdicts?: Verdict[];
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
  /** This run's page on the status server (`server.publicUrl`), for links in messages and issues. */
  runUrl?: string;
}

export interface CliOption {
  /** commander flags, e.g. `--component <name>` or `--package <name...>`. */
  flags: string;
  description: string;
}

/** One planned change, described the way a run report shows it (an Action without `done`). */
export interface Step {
  kind: string;
  description: string;
  /** The component, repo or package it belongs to. */
  subject?: string;
  url?: string;
  /**
   * The Slack message this step sends (apply sends it). A dry run never applies, so the runner
   * hands it to the dry-run notifier, which keeps it for "Slack messages that would have been sent".
   */
  slack?: { channel: string | undefined; message: NotifyMessage };
}

/** What `plan` returns: pure data, whatever the job needs to apply, with its steps described. */
export interface Plan<S extends Step = Step> {
  steps: S[];
}

/** What `apply` returns: at least the actions it performed (`done: true`) or left undone. */
export interface Applied {
  actions: Action[];
}

/**
 * What `report` returns: the run's result. `actions` may be left out: the runner takes them from
 * the plan's steps (not done) in a dry run, from `applied.actions` otherwise.
 */
export type Report = Omit<JobResult, 'actions'> & { actions?: Action[] };

export interface JobBase<S extends JobOptionsSchema> {
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
  /**
   * Takes Approve / Decline clicks from the Slack app (`ctx.args.decision`). A click naming a job
   * without this is refused: a button cannot start any other job.
   */
  slackDecisions?: true;
  /** Validate `ctx.args` before anything runs; throw UsageError (exit 2, nothing written). */
  checkArgs?(args: Record<string, unknown>, options: z.infer<S>): void;
}

/**
 * A job on the plan/apply contract. `plan` and `report` get a context that cannot write: forge
 * writes and Slack sends are refused with PlanWriteError, even in a real run; plan's `state`
 * writes are staged (written when a real run starts applying, dropped in a dry run) and report's
 * are refused. Only `apply` gets a context that writes, and only in a real run.
 */
export interface PlannedJob<
  S extends JobOptionsSchema = JobOptionsSchema,
  P extends Plan = Plan,
  A extends Applied = Applied,
> extends JobBase<S> {
  /** Read what is, decide what to change. Must not write. */
  plan(ctx: JobContext, options: z.infer<S>): Promise<P>;
  /** Perform the plan (never called in a dry run). */
  apply(ctx: JobContext, plan: P, options: z.infer<S>): Promise<A>;
  /** The run's result, from the plan and what apply did (`undefined` in a dry run). Must not write. */
  report(ctx: JobContext, plan: P, applied: A | undefined, options: z.infer<S>): Report | Promise<Report>;
  run?: never;
}

/**
 * A job that does everything in one function (kept for small test jobs): it must check
 * `ctx.dryRun` itself; the forge layer refuses its writes in a dry run.
 */
export interface RunJob<S extends JobOptionsSchema = JobOptionsSchema> extends JobBase<S> {
  run(ctx: JobContext, options: z.infer<S>): Promise<JobResult>;
  plan?: never;
  apply?: never;
  report?: never;
}

export type JobDefinition<S extends JobOptionsSchema = JobOptionsSchema> =
  | RunJob<S>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each job's own plan and applied types
  | PlannedJob<S, any, any>;

export function defineJob<S extends JobOptionsSchema, P extends Plan, A extends Applied>(
  definition: PlannedJob<S, P, A> | RunJob<S>,
): JobDefinition<S> {
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
