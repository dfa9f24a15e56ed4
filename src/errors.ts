/**
 * Typed errors let the runner decide between "retry", "fail the run" and "exit 2"
 * without parsing messages.
 */

/** Bad configuration or command-line usage: nothing is written, the CLI exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    /** Every problem found, each naming its path (`jobs.x.components[0].target.project: required`). */
    readonly problems: string[] = [message],
  ) {
    super(message);
  }
}

/** A usage error in a command (unknown component, bad --sha): exit 2, nothing written. */
export class UsageError extends ConfigError {
  override name = 'UsageError';
}

/** Something a retry may fix: network errors, 5xx, 429. `retryAfterMs` comes from Retry-After. */
export class TransientError extends Error {
  override name = 'TransientError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A forge answered with an error status that a retry will not fix (401, 403, 404, 409, 422, ...). */
export class ForgeError extends Error {
  override name = 'ForgeError';
  constructor(
    message: string,
    readonly status: number,
    readonly forge: string,
    readonly route?: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** A ref update that is not a fast-forward (GitHub 422 "Update is not a fast forward", GitLab 400/409). */
export class NotFastForwardError extends ForgeError {
  override name = 'NotFastForwardError';
}

/** A write was attempted during a dry run. This is a bug in a job: dry-run must never write. */
export class DryRunWriteError extends Error {
  override name = 'DryRunWriteError';
  constructor(what: string) {
    super(`dry-run: refused to perform a write (${what})`);
  }
}

/**
 * A write was attempted while a job was planning or reporting: only its apply phase may write.
 * A bug in the job. A DryRunWriteError too, so the forge adapters pass it through unwrapped.
 */
export class PlanWriteError extends DryRunWriteError {
  override name = 'PlanWriteError';
  constructor(what: string) {
    super(what);
    this.message = `plan phase: refused to perform a write (${what}); only apply may write`;
  }
}

/** The run was aborted (timeout or shutdown). */
export class AbortedError extends Error {
  override name = 'AbortedError';
  constructor(message = 'aborted') {
    super(message);
  }
}

/**
 * The run's job lease may have expired (or could not be renewed), so another replica may be running
 * the job: the forge layer refuses every further write of this run (fencing).
 */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(reason: string, what?: string) {
    super(`lease lost: refused to write${what ? ` (${what})` : ''}: ${reason}`);
  }
}

/** Another holder owns the lease for this job: the run is refused, not failed. */
export class LeaseHeldError extends Error {
  override name = 'LeaseHeldError';
  constructor(
    readonly job: string,
    readonly holder: string,
    readonly expiresAt: Date,
  ) {
    super(`job ${job} is already running (held by ${holder} until ${expiresAt.toISOString()})`);
  }
}

export function isTransient(error: unknown): error is TransientError {
  return error instanceof TransientError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
