import type { Pool, PoolClient } from 'pg';
import { PG_ALERTS_MIGRATION } from './pg-alerts.js';

/**
 * Versioned schema of the PostgreSQL store. Append a migration, never edit one that shipped:
 * replicas compare versions in `schema_migrations`. Every replica calls `migratePostgres` on
 * start; an advisory lock held for the migration transaction makes them take turns, so the
 * first one applies what is missing and the others find nothing to do.
 */

export const PG_MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     id          text COLLATE "C" PRIMARY KEY,
     job         text NOT NULL,
     trigger     text NOT NULL,
     dry_run     boolean NOT NULL,
     status      text NOT NULL,
     started_at  timestamptz NOT NULL,
     finished_at timestamptz,
     duration_ms integer,
     summary     text NOT NULL DEFAULT '',
     error       text,
     attempts    integer NOT NULL DEFAULT 0,
     slot        timestamptz,
     holder      text NOT NULL,
     result      jsonb,
     logs        jsonb NOT NULL DEFAULT '[]'
   );
   -- history: newest first, per job or overall; the id breaks ties the same way SQLite does.
   CREATE INDEX runs_job_started ON runs (job, started_at DESC, id DESC);
   CREATE INDEX runs_started ON runs (started_at DESC, id DESC);
   CREATE INDEX runs_status_started ON runs (status, started_at DESC, id DESC);
   CREATE INDEX runs_job_status_started ON runs (job, status, started_at DESC, id DESC);
   -- abortStaleRuns looks only at the few runs still running.
   CREATE INDEX runs_running ON runs (job) WHERE status = 'running';

   CREATE TABLE last_runs (
     job    text PRIMARY KEY,
     run_id text COLLATE "C" NOT NULL
   );

   CREATE TABLE leases (
     key        text PRIMARY KEY,
     holder     text NOT NULL,
     expires_at timestamptz NOT NULL
   );

   CREATE TABLE slots (
     key        text PRIMARY KEY,
     holder     text NOT NULL,
     claimed_at timestamptz NOT NULL
   );
   CREATE INDEX slots_claimed ON slots (claimed_at);

   CREATE TABLE state (
     job        text NOT NULL,
     key        text COLLATE "C" NOT NULL,
     value      jsonb NOT NULL,
     updated_at timestamptz NOT NULL,
     PRIMARY KEY (job, key)
   );`,
  // Pauses, holds (src/control/) and the log of commands people gave.
  `CREATE TABLE controls (
     kind       text NOT NULL,
     subject    text COLLATE "C" NOT NULL,
     value      jsonb NOT NULL,
     updated_at timestamptz NOT NULL,
     PRIMARY KEY (kind, subject)
   );
   CREATE TABLE commands (
     id      text COLLATE "C" PRIMARY KEY,
     at      timestamptz NOT NULL,
     actor   text NOT NULL,
     via     text NOT NULL,
     command text NOT NULL,
     ok      boolean NOT NULL,
     outcome text NOT NULL
   );
   CREATE INDEX commands_at ON commands (at DESC, id DESC);`,
  // Alerts per job and subject (src/store/alerts.ts).
  PG_ALERTS_MIGRATION,
];

/**
 * The schema the tables belong in: the first entry of search_path (set per connection with the
 * URL's `options=-c search_path=name`), which may not exist yet; null for the default path.
 */
async function targetSchema(client: PoolClient): Promise<string | null> {
  const { rows } = await client.query<{ search_path: string }>('SHOW search_path');
  const first = /^\s*("(?:[^"]|"")*"|[^,]*)/.exec(rows[0]?.search_path ?? '')?.[1]?.trim() ?? '';
  const name = first.startsWith('"') ? first.slice(1, -1).replace(/""/g, '"') : first.toLowerCase();
  return name && name !== '$user' ? name : null;
}

/**
 * Replicas of one deployment share a schema and so a lock; deployments (or test files) in other
 * schemas of the same database do not wait for each other. The key is built from the name, so
 * it exists before the schema does.
 */
export function migrationLockName(schema: string | null): string {
  return `release-bot:migrate:${schema ?? ''}`;
}

export async function migratePostgres(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Waiting for another replica's migration, or a long one of our own, is not "stuck".
    await client.query('SET LOCAL statement_timeout = 0');
    const schema = await targetSchema(client);
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [migrationLockName(schema)]);
    // Created here, under the lock, so a fresh database needs no manual step.
    if (schema) {
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${schema.replace(/"/g, '""')}"`);
    }
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version    integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    );
    const current = rows[0]?.version ?? 0;
    const applied: number[] = [];
    for (const [i, sql] of PG_MIGRATIONS.entries()) {
      const version = i + 1;
      if (version <= current) continue;
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      applied.push(version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
