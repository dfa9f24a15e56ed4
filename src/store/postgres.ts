import pg from 'pg';
import { registerSecret } from '../secrets/masker.js';
import { storeTimeoutFromEnv, withDeadline } from './deadline.js';
import { pgAlerts } from './pg-alerts.js';
import { migratePostgres } from './pg-migrations.js';
import { cleanText, RUN_COLUMNS, toJson, toParam, toRecord, type PgRunRow } from './pg-rows.js';
import type { CommandRecord, ControlEntry, Lease, RunQuery, Store } from './types.js';

/**
 * The store for replicas: several daemons (or one-shot `release-bot run` processes) share one
 * PostgreSQL database. Every time that decides who may run — lease expiry, slot claims — is the
 * database's clock (`now()`), so replicas whose clocks disagree still agree on who holds what.
 * A run's own times (started/finished) come from the process that ran it, as with SQLite; only
 * the end of a run found abandoned by a dead process is stamped by the database.
 *
 * Tables live in the first schema of search_path; put `?options=-c%20search_path%3Dname` in the
 * URL to keep them out of `public` (tests use one schema each).
 */

export interface PostgresStoreOptions {
  /** Connections per process: a run needs one at a time, plus the lease heartbeat. */
  poolSize?: number;
  /** Longest a store call may take, connecting included (default RELEASE_BOT_STORE_TIMEOUT_SECONDS or 30 s). */
  callTimeoutMs?: number;
}

/** host:port/database, for error messages: never the user or password. */
function target(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return 'the configured database';
  }
}

/**
 * The history query (`release-bot history`, the status page). Every filter combination walks an
 * index in order and stops after `limit` rows, so it stays fast with millions of runs.
 */
export function historyQuery(q: RunQuery = {}): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    values.push(value);
    where.push(condition.replace('?', `$${values.length}`));
  };
  if (q.job) add('job = ?', q.job);
  if (q.status) add('status = ?', q.status);
  if (q.before) add('started_at < ?::timestamptz', q.before);
  values.push(q.limit ?? 20);
  const columns = q.withoutLogs
    ? `id, job, trigger, dry_run, status, started_at, finished_at, duration_ms, summary, error, attempts, slot, holder, result, NULL AS logs`
    : '*';
  const text = `SELECT ${columns} FROM runs
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY started_at DESC, id DESC
     LIMIT $${values.length}`;
  return { text, values };
}

interface PgControlRow {
  kind: string;
  subject: string;
  value: unknown;
  updated_at: Date;
}

function toControl<T>(row: PgControlRow): ControlEntry<T> {
  return {
    kind: row.kind,
    subject: row.subject,
    value: row.value as T,
    updatedAt: row.updated_at.toISOString(),
  };
}

export function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Store {
  try {
    registerSecret(decodeURIComponent(new URL(url).password));
  } catch {
    // Not a parseable URL: pg reports it on connect.
  }
  const callTimeoutMs = options.callTimeoutMs ?? storeTimeoutFromEnv();
  const connectTimeoutMs = Math.min(10_000, callTimeoutMs);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'release-bot',
    // A half-open connection (partition, failover, dropped NAT entry) must fail, not hang a run
    // forever. The server cancels a slow statement a little before the client gives up; when the
    // server cannot be reached at all, the client's query_timeout fails the call and the pool
    // destroys that connection (so closing the store does not wait for it either).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: Math.max(1, callTimeoutMs - 500),
    idle_in_transaction_session_timeout: 60_000,
  });
  // An idle connection dropped by the server (restart, failover) must not crash the daemon:
  // the pool replaces it, and the next query reports any lasting problem.
  pool.on('error', () => undefined);
  let closed = false;

  async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    // Waiting for a pooled connection and the query each have their own limit; this bounds both.
    return withDeadline(
      // query_timeout per call, not per pool: a migration may wait for another replica's.
      pool.query<R>({ text: sql, values, query_timeout: callTimeoutMs } as pg.QueryConfig),
      connectTimeoutMs + callTimeoutMs + 1_000,
      `PostgreSQL store at ${target(url)}`,
    );
  }

  const store: Store = {
    kind: 'postgres',
    async migrate() {
      try {
        await migratePostgres(pool);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`PostgreSQL store at ${target(url)}: migration failed: ${reason}`, {
          cause: error,
        });
      }
    },

    async insertRun(run) {
      await query(
        `INSERT INTO runs (id, job, trigger, dry_run, status, started_at, finished_at, duration_ms,
                           summary, error, attempts, slot, holder, result, logs)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb)`,
        [
          run.id,
          run.job,
          run.trigger,
          run.dryRun,
          run.status,
          run.startedAt,
          run.finishedAt,
          toParam('durationMs', run.durationMs),
          cleanText(run.summary),
          cleanText(run.error),
          run.attempts,
          run.slot,
          run.holder,
          toJson(run.result),
          toJson(run.logs) ?? '[]',
        ],
      );
    },

    async updateRun(id, patch) {
      const sets: string[] = [];
      const values: unknown[] = [id];
      for (const [field, value] of Object.entries(patch)) {
        const spec = RUN_COLUMNS[field];
        if (!spec || value === undefined) continue;
        values.push(toParam(field, value));
        sets.push(`${spec.column} = $${values.length}${spec.cast ? `::${spec.cast}` : ''}`);
      }
      if (sets.length === 0) return;
      const update = `UPDATE runs SET ${sets.join(', ')} WHERE id = $1 RETURNING id, job`;
      if (!patch.status || patch.status === 'running') {
        await query(update, values);
        return;
      }
      // One statement, so the run and the per-job "last run" pointer change together.
      await query(
        `WITH updated AS (${update})
         INSERT INTO last_runs (job, run_id) SELECT job, id FROM updated
         ON CONFLICT (job) DO UPDATE SET run_id = excluded.run_id`,
        values,
      );
    },

    async getRun(id) {
      const { rows } = await query<PgRunRow>('SELECT * FROM runs WHERE id = $1', [id]);
      return rows[0] ? toRecord(rows[0]) : null;
    },

    async listRuns(q: RunQuery = {}) {
      const { text, values } = historyQuery(q);
      const { rows } = await query<PgRunRow>(text, values);
      return rows.map(toRecord);
    },

    async lastRuns() {
      const { rows } = await query<PgRunRow>('SELECT r.* FROM last_runs l JOIN runs r ON r.id = l.run_id');
      return Object.fromEntries(rows.map((row) => [row.job, toRecord(row)]));
    },

    async abortStaleRuns(job, reason) {
      const { rows } = await query<{ count: number }>(
        `WITH aborted AS (
           UPDATE runs
              SET status = 'aborted', error = $2::text, summary = 'aborted: ' || $2::text, finished_at = now()
            WHERE job = $1 AND status = 'running'
           RETURNING id, job, started_at
         ), pointer AS (
           INSERT INTO last_runs (job, run_id)
           SELECT job, id FROM aborted ORDER BY started_at DESC LIMIT 1
           ON CONFLICT (job) DO UPDATE SET run_id = excluded.run_id
         )
         SELECT count(*)::int AS count FROM aborted`,
        [job, cleanText(reason)],
      );
      return rows[0]?.count ?? 0;
    },

    async acquireLease(key, holder, ttlMs) {
      // Atomic: the insert takes a free key; on conflict the row is taken over only when it
      // has expired (database clock) or is already ours (a renewal).
      const { rowCount } = await query(
        `INSERT INTO leases (key, holder, expires_at)
         VALUES ($1, $2, now() + $3::int * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE
            SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE leases.expires_at <= now() OR leases.holder = excluded.holder`,
        [key, holder, Math.round(ttlMs)],
      );
      return rowCount === 1;
    },
    async renewLease(key, holder, ttlMs) {
      const { rowCount } = await query(
        `UPDATE leases SET expires_at = now() + $3::int * interval '1 millisecond'
          WHERE key = $1 AND holder = $2`,
        [key, holder, Math.round(ttlMs)],
      );
      return rowCount === 1;
    },
    async releaseLease(key, holder) {
      await query('DELETE FROM leases WHERE key = $1 AND holder = $2', [key, holder]);
    },
    async getLease(key) {
      const { rows } = await query<{ key: string; holder: string; expires_at: Date }>(
        'SELECT key, holder, expires_at FROM leases WHERE key = $1 AND expires_at > now()',
        [key],
      );
      const row = rows[0];
      if (!row) return null;
      const lease: Lease = { key: row.key, holder: row.holder, expiresAt: row.expires_at };
      return lease;
    },

    async claimSlot(key, holder) {
      const { rowCount } = await query(
        `INSERT INTO slots (key, holder, claimed_at) VALUES ($1, $2, now())
         ON CONFLICT (key) DO NOTHING`,
        [key, holder],
      );
      if (rowCount !== 1) return false;
      // A claim has to outlive clock skew and the longest catch-up window (the config caps
      // `catchUp` at 7 days); a week keeps the table small even for jobs that run every second.
      await query(`DELETE FROM slots WHERE claimed_at < now() - interval '7 days'`);
      return true;
    },

    async getState<T>(job: string, key: string) {
      const { rows } = await query<{ value: T }>('SELECT value FROM state WHERE job = $1 AND key = $2', [
        job,
        key,
      ]);
      return rows[0] ? rows[0].value : undefined;
    },
    async setState(job, key, value) {
      await query(
        `INSERT INTO state (job, key, value, updated_at) VALUES ($1, $2, $3::jsonb, now())
         ON CONFLICT (job, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [job, key, toJson(value) ?? 'null'],
      );
    },
    async deleteState(job, key) {
      await query('DELETE FROM state WHERE job = $1 AND key = $2', [job, key]);
    },
    async listState<T>(job: string, prefix = '') {
      const { rows } = await query<{ key: string; value: T }>(
        'SELECT key, value FROM state WHERE job = $1 AND starts_with(key, $2) ORDER BY key',
        [job, prefix],
      );
      return rows.map((r) => ({ key: r.key, value: r.value }));
    },

    async putControl(kind, subject, value) {
      await query(
        `INSERT INTO controls (kind, subject, value, updated_at) VALUES ($1, $2, $3::jsonb, now())
         ON CONFLICT (kind, subject) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [kind, subject, toJson(value) ?? 'null'],
      );
    },
    async getControl<T>(kind: string, subject: string) {
      const { rows } = await query<PgControlRow>(
        'SELECT kind, subject, value, updated_at FROM controls WHERE kind = $1 AND subject = $2',
        [kind, subject],
      );
      return rows[0] ? toControl<T>(rows[0]) : null;
    },
    async deleteControl(kind, subject) {
      const { rowCount } = await query('DELETE FROM controls WHERE kind = $1 AND subject = $2', [
        kind,
        subject,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async listControls<T>(kind?: string) {
      const { rows } = kind
        ? await query<PgControlRow>('SELECT * FROM controls WHERE kind = $1 ORDER BY kind, subject', [kind])
        : await query<PgControlRow>('SELECT * FROM controls ORDER BY kind, subject');
      return rows.map((row) => toControl<T>(row));
    },
    async recordCommand(entry) {
      await query(
        `INSERT INTO commands (id, at, actor, via, command, ok, outcome)
         VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7)`,
        [
          entry.id,
          entry.at,
          cleanText(entry.actor),
          entry.via,
          cleanText(entry.command),
          entry.ok,
          cleanText(entry.outcome),
        ],
      );
    },
    async listCommands(limit = 20) {
      const { rows } = await query<{
        id: string;
        at: Date;
        actor: string;
        via: string;
        command: string;
        ok: boolean;
        outcome: string;
      }>('SELECT * FROM commands ORDER BY at DESC, id DESC LIMIT $1', [limit]);
      return rows.map((r): CommandRecord => ({
        id: r.id,
        at: r.at.toISOString(),
        actor: r.actor,
        via: r.via as CommandRecord['via'],
        command: r.command,
        ok: r.ok,
        outcome: r.outcome,
      }));
    },

    ...pgAlerts((sql, values) => query<{ data: unknown }>(sql, values)),

    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  return store;
}
