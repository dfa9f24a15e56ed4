import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sqliteAlerts, SQLITE_ALERTS_MIGRATION } from './sqlite-alerts.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import type { CommandRecord, ControlEntry, Lease, RunQuery, RunRecord, Store } from './types.js';

/**
 * The embedded default store. One file, WAL mode, and `BEGIN IMMEDIATE` for anything that
 * must be atomic across processes on the host (leases, slot claims, migrations).
 */

const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     job TEXT NOT NULL,
     trigger TEXT NOT NULL,
     dry_run INTEGER NOT NULL,
     status TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     duration_ms INTEGER,
     summary TEXT NOT NULL DEFAULT '',
     error TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     slot TEXT,
     holder TEXT NOT NULL,
     result TEXT,
     logs TEXT
   );
   CREATE INDEX runs_job_started ON runs (job, started_at DESC);
   CREATE INDEX runs_started ON runs (started_at DESC);
   CREATE INDEX runs_running ON runs (job) WHERE status = 'running';
   CREATE TABLE last_runs (job TEXT PRIMARY KEY, run_id TEXT NOT NULL);
   CREATE TABLE leases (key TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
   CREATE TABLE slots (key TEXT PRIMARY KEY, holder TEXT NOT NULL, claimed_at TEXT NOT NULL);
   CREATE TABLE state (job TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
     PRIMARY KEY (job, key));`,
  // `history <job> --status failed` must not scan every run of the job when failures are rare.
  `CREATE INDEX runs_job_status_started ON runs (job, status, started_at DESC);
   CREATE INDEX runs_status_started ON runs (status, started_at DESC);`,
  // Pauses, holds (src/control/) and the log of commands people gave.
  `CREATE TABLE controls (kind TEXT NOT NULL, subject TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
     PRIMARY KEY (kind, subject));
   CREATE TABLE commands (id TEXT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, via TEXT NOT NULL,
     command TEXT NOT NULL, ok INTEGER NOT NULL, outcome TEXT NOT NULL);
   CREATE INDEX commands_at ON commands (at DESC);`,
  // Alerts per job and subject (src/store/alerts.ts).
  SQLITE_ALERTS_MIGRATION,
];

const RUN_COLUMNS =
  'id, job, trigger, dry_run, status, started_at, finished_at, duration_ms, summary, error, attempts, slot, holder, result';

interface RunRow {
  id: string;
  job: string;
  trigger: string;
  dry_run: number;
  status: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  summary: string;
  error: string | null;
  attempts: number;
  slot: string | null;
  holder: string;
  result: string | null;
  logs: string | null;
}

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    job: row.job,
    trigger: row.trigger as RunRecord['trigger'],
    dryRun: row.dry_run === 1,
    status: row.status as RunRecord['status'],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    summary: row.summary,
    error: row.error,
    attempts: row.attempts,
    slot: row.slot,
    holder: row.holder,
    result: row.result ? JSON.parse(row.result) : null,
    logs: row.logs ? JSON.parse(row.logs) : [],
  };
}

const COLUMNS: Record<string, string> = {
  trigger: 'trigger',
  dryRun: 'dry_run',
  status: 'status',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  durationMs: 'duration_ms',
  summary: 'summary',
  error: 'error',
  attempts: 'attempts',
  slot: 'slot',
  holder: 'holder',
  result: 'result',
  logs: 'logs',
};

function toColumn(key: string, value: unknown): unknown {
  if (key === 'dryRun') return value ? 1 : 0;
  if (key === 'result' || key === 'logs')
    return value === null || value === undefined ? null : JSON.stringify(value);
  return value;
}

interface ControlRow {
  kind: string;
  subject: string;
  value: string;
  updated_at: string;
}

function toControl<T>(row: ControlRow): ControlEntry<T> {
  return {
    kind: row.kind,
    subject: row.subject,
    value: JSON.parse(row.value) as T,
    updatedAt: row.updated_at,
  };
}

export function openSqliteStore(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = openSqliteDatabase(path);
  db.exec('PRAGMA busy_timeout = 10000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');

  function immediate<T>(fn: () => T): T {
    return db.immediate(fn);
  }

  const store: Store = {
    kind: 'sqlite',
    async migrate() {
      db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
      );
      immediate(() => {
        const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
          v: number | null;
        };
        const current = row.v ?? 0;
        MIGRATIONS.forEach((sql, i) => {
          const version = i + 1;
          if (version <= current) return;
          db.exec(sql);
          db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
            version,
            new Date().toISOString(),
          );
        });
      });
    },

    async insertRun(run) {
      db.prepare(
        `INSERT INTO runs (id, job, trigger, dry_run, status, started_at, finished_at, duration_ms, summary, error,
           attempts, slot, holder, result, logs)
         VALUES (@id, @job, @trigger, @dry_run, @status, @started_at, @finished_at, @duration_ms, @summary, @error,
           @attempts, @slot, @holder, @result, @logs)`,
      ).run({
        id: run.id,
        job: run.job,
        trigger: run.trigger,
        dry_run: run.dryRun ? 1 : 0,
        status: run.status,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        duration_ms: run.durationMs,
        summary: run.summary,
        error: run.error,
        attempts: run.attempts,
        slot: run.slot,
        holder: run.holder,
        result: run.result === null || run.result === undefined ? null : JSON.stringify(run.result),
        logs: JSON.stringify(run.logs),
      });
    },
    async updateRun(id, patch) {
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [key, value] of Object.entries(patch)) {
        const column = COLUMNS[key];
        if (!column || value === undefined) continue;
        sets.push(`${column} = ?`);
        values.push(toColumn(key, value));
      }
      if (sets.length === 0) return;
      immediate(() => {
        db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
        if (patch.status && patch.status !== 'running') {
          const job = db.prepare('SELECT job FROM runs WHERE id = ?').get(id) as { job: string } | undefined;
          if (job)
            db.prepare(
              'INSERT INTO last_runs (job, run_id) VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET run_id = excluded.run_id',
            ).run(job.job, id);
        }
      });
    },
    async getRun(id) {
      const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
      return row ? toRecord(row) : null;
    },
    async listRuns(query: RunQuery = {}) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (query.job) {
        where.push('job = ?');
        values.push(query.job);
      }
      if (query.status) {
        where.push('status = ?');
        values.push(query.status);
      }
      if (query.before) {
        where.push('started_at < ?');
        values.push(query.before);
      }
      const columns = query.withoutLogs ? `${RUN_COLUMNS}, NULL AS logs` : '*';
      const sql = `SELECT ${columns} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY started_at DESC, id DESC LIMIT ?`;
      return (db.prepare(sql).all(...values, query.limit ?? 20) as RunRow[]).map(toRecord);
    },
    async lastRuns() {
      const rows = db.prepare('SELECT r.* FROM last_runs l JOIN runs r ON r.id = l.run_id').all() as RunRow[];
      return Object.fromEntries(rows.map((row) => [row.job, toRecord(row)]));
    },
    async abortStaleRuns(job, reason) {
      return immediate(() => {
        const stale = db.prepare(`SELECT id FROM runs WHERE job = ? AND status = 'running'`).all(job) as {
          id: string;
        }[];
        const now = new Date().toISOString();
        for (const { id } of stale) {
          db.prepare(
            `UPDATE runs SET status = 'aborted', error = ?, summary = ?, finished_at = ? WHERE id = ?`,
          ).run(reason, `aborted: ${reason}`, now, id);
          db.prepare(
            'INSERT INTO last_runs (job, run_id) VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET run_id = excluded.run_id',
          ).run(job, id);
        }
        return stale.length;
      });
    },

    async acquireLease(key, holder, ttlMs) {
      const now = Date.now();
      return immediate(() => {
        const row = db.prepare('SELECT holder, expires_at FROM leases WHERE key = ?').get(key) as
          { holder: string; expires_at: number } | undefined;
        if (row && row.holder !== holder && row.expires_at > now) return false;
        db.prepare(
          `INSERT INTO leases (key, holder, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
        ).run(key, holder, now + ttlMs);
        return true;
      });
    },
    async renewLease(key, holder, ttlMs) {
      const info = db
        .prepare('UPDATE leases SET expires_at = ? WHERE key = ? AND holder = ?')
        .run(Date.now() + ttlMs, key, holder);
      return info.changes === 1;
    },
    async releaseLease(key, holder) {
      db.prepare('DELETE FROM leases WHERE key = ? AND holder = ?').run(key, holder);
    },
    async getLease(key) {
      const row = db.prepare('SELECT key, holder, expires_at FROM leases WHERE key = ?').get(key) as
        { key: string; holder: string; expires_at: number } | undefined;
      if (!row || row.expires_at <= Date.now()) return null;
      const lease: Lease = { key: row.key, holder: row.holder, expiresAt: new Date(row.expires_at) };
      return lease;
    },

    async claimSlot(key, holder) {
      const info = db
        .prepare('INSERT INTO slots (key, holder, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING')
        .run(key, holder, new Date().toISOString());
      return info.changes === 1;
    },

    async getState<T>(job: string, key: string) {
      const row = db.prepare('SELECT value FROM state WHERE job = ? AND key = ?').get(job, key) as
        { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    async setState(job, key, value) {
      db.prepare(
        `INSERT INTO state (job, key, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (job, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ).run(job, key, JSON.stringify(value ?? null), new Date().toISOString());
    },
    async deleteState(job, key) {
      db.prepare('DELETE FROM state WHERE job = ? AND key = ?').run(job, key);
    },
    async listState<T>(job: string, prefix = '') {
      const rows = db
        .prepare('SELECT key, value FROM state WHERE job = ? AND key >= ? AND key < ? ORDER BY key')
        .all(job, prefix, `${prefix}\uffff`) as { key: string; value: string }[];
      return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as T }));
    },

    async putControl(kind, subject, value) {
      db.prepare(
        `INSERT INTO controls (kind, subject, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, subject) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ).run(kind, subject, JSON.stringify(value ?? null), new Date().toISOString());
    },
    async getControl<T>(kind: string, subject: string) {
      const row = db
        .prepare('SELECT kind, subject, value, updated_at FROM controls WHERE kind = ? AND subject = ?')
        .get(kind, subject) as ControlRow | undefined;
      return row ? toControl<T>(row) : null;
    },
    async deleteControl(kind, subject) {
      const info = db.prepare('DELETE FROM controls WHERE kind = ? AND subject = ?').run(kind, subject);
      return Number(info.changes) > 0;
    },
    async listControls<T>(kind?: string) {
      const rows = (
        kind
          ? db.prepare('SELECT * FROM controls WHERE kind = ? ORDER BY kind, subject').all(kind)
          : db.prepare('SELECT * FROM controls ORDER BY kind, subject').all()
      ) as ControlRow[];
      return rows.map((row) => toControl<T>(row));
    },
    async recordCommand(entry) {
      db.prepare(
        'INSERT INTO commands (id, at, actor, via, command, ok, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(entry.id, entry.at, entry.actor, entry.via, entry.command, entry.ok ? 1 : 0, entry.outcome);
    },
    async listCommands(limit = 20) {
      const rows = db.prepare('SELECT * FROM commands ORDER BY at DESC, id DESC LIMIT ?').all(limit) as {
        id: string;
        at: string;
        actor: string;
        via: string;
        command: string;
        ok: number;
        outcome: string;
      }[];
      return rows.map((r): CommandRecord => ({
        id: r.id,
        at: r.at,
        actor: r.actor,
        via: r.via as CommandRecord['via'],
        command: r.command,
        ok: r.ok === 1,
        outcome: r.outcome,
      }));
    },

    ...sqliteAlerts(db),

    async close() {
      db.close();
    },
  };
  return store;
}
