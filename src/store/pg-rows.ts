import type { RunRecord } from './types.js';

/** Row ↔ record mapping and value cleaning for the PostgreSQL store. */

export interface PgRunRow {
  id: string;
  job: string;
  trigger: string;
  dry_run: boolean;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  summary: string;
  error: string | null;
  attempts: number;
  slot: Date | null;
  holder: string;
  result: unknown;
  logs: string[] | null;
}

export function toRecord(row: PgRunRow): RunRecord {
  return {
    id: row.id,
    job: row.job,
    trigger: row.trigger as RunRecord['trigger'],
    dryRun: row.dry_run,
    status: row.status as RunRecord['status'],
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
    durationMs: row.duration_ms,
    summary: row.summary,
    error: row.error,
    attempts: row.attempts,
    slot: row.slot ? row.slot.toISOString() : null,
    holder: row.holder,
    result: row.result ?? null,
    logs: row.logs ?? [],
  };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * PostgreSQL rejects NUL in text and jsonb, and lone surrogates in jsonb; a job's log line or
 * error text may carry either (binary output, a truncated emoji). Dropping them beats losing
 * the whole run record.
 */
export function cleanText<T extends string | null | undefined>(value: T): T {
  if (typeof value !== 'string') return value;
  return value.replace(/\0/g, '').replace(LONE_SURROGATE, '\ufffd') as T;
}

/** JSON text for a jsonb parameter (node-pg would turn a JS array into a PostgreSQL array). */
export function toJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? cleanText(v) : v));
}

/** RunRecord fields that can be patched, with their column and how the value is written. */
export const RUN_COLUMNS: Record<string, { column: string; cast?: string; json?: true }> = {
  trigger: { column: 'trigger' },
  dryRun: { column: 'dry_run' },
  status: { column: 'status' },
  startedAt: { column: 'started_at', cast: 'timestamptz' },
  finishedAt: { column: 'finished_at', cast: 'timestamptz' },
  durationMs: { column: 'duration_ms' },
  summary: { column: 'summary' },
  error: { column: 'error' },
  attempts: { column: 'attempts' },
  slot: { column: 'slot', cast: 'timestamptz' },
  holder: { column: 'holder' },
  result: { column: 'result', cast: 'jsonb', json: true },
  logs: { column: 'logs', cast: 'jsonb', json: true },
};

export function toParam(field: string, value: unknown): unknown {
  const spec = RUN_COLUMNS[field];
  if (spec?.json) return field === 'logs' ? (toJson(value) ?? '[]') : toJson(value);
  if (typeof value === 'number' && spec?.column !== 'dry_run') return Math.round(value);
  return typeof value === 'string' ? cleanText(value) : value;
}
