import type { AlertStore } from './alerts.js';
import type { RunStatus, Trigger } from './run-status.js';

/**
 * What the bot keeps besides the forges: run history, leases, scheduled-slot claims and a small
 * key/value state per job. SQLite by default (store/sqlite.ts), PostgreSQL for replicas
 * (store/postgres.ts); both pass the same contract suite (test/store/contract.ts).
 * Everything written here has already been masked by the runner.
 */

export interface RunRecord {
  id: string;
  job: string;
  trigger: Trigger;
  dryRun: boolean;
  status: RunStatus;
  /** ISO times. */
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  summary: string;
  error: string | null;
  /** Attempts made (transient failures are retried). */
  attempts: number;
  /** The scheduled slot this run belongs to (ISO), for scheduled runs. */
  slot: string | null;
  /** Which process ran it (host:pid). */
  holder: string;
  /** The JobResult (actions, links, items, details) as JSON. */
  result: unknown;
  /** Log lines of this run (masked, capped). */
  logs: string[];
}

export interface RunQuery {
  job?: string;
  status?: RunStatus;
  limit?: number;
  /** Runs that started before this ISO time (paging backwards). */
  before?: string;
  /** Leave out the log lines (lists and the status page do not show them; they are the bulk of a run). */
  withoutLogs?: boolean;
}

/**
 * A control a person set (a pause, a hold), by kind and subject (`pause`/`heartbeat`,
 * `hold`/`gitaly`). The value is the control module's JSON (src/control/).
 */
export interface ControlEntry<T = unknown> {
  kind: string;
  subject: string;
  value: T;
  /** ISO time of the last write. */
  updatedAt: string;
}

/** One command a person gave (CLI or Slack): who, through what, and what came of it. */
export interface CommandRecord {
  id: string;
  /** ISO time. */
  at: string;
  /** `alice` (CLI user) or `slack:U0123 (alice)`. */
  actor: string;
  via: 'cli' | 'slack';
  /** The command as given: `pause heartbeat --until 2h --reason deploy freeze`. */
  command: string;
  ok: boolean;
  /** One line: what it did or why it was refused. */
  outcome: string;
}

export interface Lease {
  key: string;
  holder: string;
  expiresAt: Date;
}

export interface Store extends AlertStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Apply migrations (safe when several processes start at once). */
  migrate(): Promise<void>;

  insertRun(run: RunRecord): Promise<void>;
  updateRun(id: string, patch: Partial<Omit<RunRecord, 'id' | 'job'>>): Promise<void>;
  getRun(id: string): Promise<RunRecord | null>;
  /** Newest first. */
  listRuns(query?: RunQuery): Promise<RunRecord[]>;
  /** Latest finished run per job. */
  lastRuns(): Promise<Record<string, RunRecord>>;
  /**
   * Mark a job's runs still `running` as `aborted`: called right after taking the job's lease, so
   * any such run belongs to a process that died without finishing it.
   */
  abortStaleRuns(job: string, reason: string): Promise<number>;

  /** Take or renew a lease; false when another holder has an unexpired one. */
  acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Extend a lease we hold; false if we lost it. */
  renewLease(key: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(key: string, holder: string): Promise<void>;
  getLease(key: string): Promise<Lease | null>;

  /** Claim a scheduled slot exactly once across replicas; false when already claimed. */
  claimSlot(key: string, holder: string): Promise<boolean>;

  getState<T>(job: string, key: string): Promise<T | undefined>;
  setState(job: string, key: string, value: unknown): Promise<void>;
  deleteState(job: string, key: string): Promise<void>;
  listState<T>(job: string, prefix?: string): Promise<{ key: string; value: T }[]>;

  /** Set (or replace) a control. */
  putControl(kind: string, subject: string, value: unknown): Promise<void>;
  getControl<T>(kind: string, subject: string): Promise<ControlEntry<T> | null>;
  /** False when there was none. */
  deleteControl(kind: string, subject: string): Promise<boolean>;
  /** Every control of a kind (all kinds without one), by kind then subject. */
  listControls<T>(kind?: string): Promise<ControlEntry<T>[]>;

  /** Append a command to the command log. */
  recordCommand(entry: CommandRecord): Promise<void>;
  /** Newest first. */
  listCommands(limit?: number): Promise<CommandRecord[]>;

  close(): Promise<void>;
}
