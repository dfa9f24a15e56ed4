/**
 * The Sentry surface the runner and jobs use. Kept apart from `sentry.ts` so that code the CLI
 * loads eagerly can name these types without pulling in `@sentry/node` (≈ 0.5 s and ≈ 40 MB).
 */

export interface SentryOptions {
  /** Sentry DSN; without one every call is a cheap no-op and `@sentry/node` is never loaded. */
  dsn?: string;
  environment?: string;
  /** e.g. `release-bot@0.1.0`. */
  release?: string;
  /** SDK debug logging to the console. */
  debug?: boolean;
  /** Tracing is off unless set (the bot has no request spans worth paying for). */
  tracesSampleRate?: number;
  /** Upper bound for flushing on close (default 2000 ms). */
  shutdownTimeoutMs?: number;
}

export type SentryLevel = 'fatal' | 'error' | 'warning' | 'info' | 'debug';

/** Where a failure happened; becomes the tags `job`, `run_id`, `trigger`, `dry_run`. */
export interface RunContext {
  job: string;
  runId: string;
  /** `schedule`, `manual` or `api`. */
  trigger: string;
  dryRun: boolean;
  /**
   * Groups events into one Sentry issue, e.g. `['pipeline-failure', project, ref]` so a failure
   * streak on one branch is one issue. Default: Sentry's grouping by stack trace.
   */
  fingerprint?: string[];
  /** More tags (short, searchable values). */
  tags?: Record<string, string | number | boolean>;
  /** Extra data shown on the event (masked like everything else). */
  extra?: Record<string, unknown>;
}

/** A non-exception alert (a package that failed to promote, a gate that failed). */
export interface MessageContext extends Partial<Pick<RunContext, 'job' | 'runId' | 'trigger' | 'dryRun'>> {
  /** Default `warning`. */
  level?: SentryLevel;
  fingerprint?: string[];
  tags?: Record<string, string | number | boolean>;
  extra?: Record<string, unknown>;
}

/** A Sentry cron monitor, upserted with every check-in so Sentry knows when to expect the next one. */
export interface MonitorOptions {
  /** Lowercase letters, digits, `-`, `_`; at most 50 characters (see `toMonitorSlug`). */
  monitorSlug: string;
  /** Crontab expression, e.g. `0 * * * *`. */
  schedule: string;
  /** IANA time zone of the schedule, e.g. `Europe/Amsterdam`. */
  timezone?: string;
  /** Minutes after the expected time before a check-in counts as missed. */
  checkinMargin?: number;
  /** Minutes a run may stay `in_progress` before Sentry marks it failed. */
  maxRuntime?: number;
  /** Consecutive failed check-ins before Sentry opens an issue. */
  failureIssueThreshold?: number;
  /** Consecutive ok check-ins before Sentry resolves it. */
  recoveryThreshold?: number;
}

export interface CheckInOptions<T> {
  /**
   * A run that returns normally can still have failed (a job result `failed`): return true to
   * close the check-in as `error`. A thrown error always closes it as `error`.
   */
  isFailure?: (result: T) => boolean;
}

export interface SentryReporter {
  /** false when no DSN is configured: every method is then a no-op that costs nothing. */
  readonly enabled: boolean;
  /** Reports a failed run as an exception event; returns the event id (undefined when disabled). */
  captureRunFailure(error: unknown, context: RunContext): string | undefined;
  /** Reports a non-exception alert as a message event; returns the event id (undefined when disabled). */
  captureMessage(message: string, context?: MessageContext): string | undefined;
  /** Runs `fn` between an `in_progress` check-in and an `ok`/`error` one; returns what `fn` returns. */
  withCheckIn<T>(monitor: MonitorOptions, fn: () => Promise<T> | T, options?: CheckInOptions<T>): Promise<T>;
  /** Waits until queued envelopes are sent (or `timeoutMs` passes); true when all were sent. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes and disables the SDK (on shutdown). */
  close(timeoutMs?: number): Promise<boolean>;
}
