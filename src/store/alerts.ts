/**
 * Open and closed alerts: what a job found wrong in the world (a failed deploy, a broken ref),
 * per job and subject, kept until the job sees it resolved. The store keeps one row per
 * (job, subject): a new incident on a subject whose last one closed replaces that row. The
 * runner writes them (src/runner/verdicts.ts); the status page, /metrics and the CLI read them.
 */

export type AlertState = 'open' | 'closed';

export interface AlertRecord {
  job: string;
  /** What the alert is about, stable across runs: `deployment:production`, `ref:gitlab:org/app:main`. */
  subject: string;
  state: AlertState;
  /** One line: what is wrong ("production #42 failed verification"). */
  title: string;
  /** Why: the evidence in a sentence ("health /-/readiness answered 503 in 5 of 6 samples"). */
  reason: string;
  /** Where a human looks or acts (the deployment, the failed pipeline); http(s) only. */
  url: string | null;
  /** What to do next. */
  nextStep: string | null;
  /** ISO times. */
  openedAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** The run that opened it, the last run that reported it, the run that closed it. */
  openedBy: string;
  lastRunId: string;
  closedBy: string | null;
  /** Runs that reported it open. */
  seen: number;
  /** Why it closed ("production #43 passed verification"). */
  resolution: string | null;
}

export interface AlertQuery {
  job?: string;
  state?: AlertState;
  limit?: number;
}

/** The store's part for alerts (both drivers). */
export interface AlertStore {
  /** Insert or replace the alert of (job, subject). */
  putAlert(alert: AlertRecord): Promise<void>;
  getAlert(job: string, subject: string): Promise<AlertRecord | null>;
  /** Oldest opened first. */
  listAlerts(query?: AlertQuery): Promise<AlertRecord[]>;
}

/** Row columns besides the JSON: the key, the state (indexed) and when it opened (the order). */
export function alertColumns(alert: AlertRecord): {
  job: string;
  subject: string;
  state: AlertState;
  opened_at: string;
  data: string;
} {
  return {
    job: alert.job,
    subject: alert.subject,
    state: alert.state,
    opened_at: alert.openedAt,
    data: JSON.stringify(alert),
  };
}

export function alertFromData(data: unknown): AlertRecord {
  const value = (typeof data === 'string' ? JSON.parse(data) : data) as AlertRecord;
  return value;
}
