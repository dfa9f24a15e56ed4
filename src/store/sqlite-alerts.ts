import type { SqliteDatabase } from './sqlite-driver.js';
import { alertColumns, alertFromData, type AlertQuery, type AlertRecord, type AlertStore } from './alerts.js';

/** The alerts table of the SQLite store (migration in sqlite.ts). */

export const SQLITE_ALERTS_MIGRATION = `CREATE TABLE alerts (job TEXT NOT NULL, subject TEXT NOT NULL, state TEXT NOT NULL,
     opened_at TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (job, subject));
   CREATE INDEX alerts_state_opened ON alerts (state, opened_at);`;

export function sqliteAlerts(db: SqliteDatabase): AlertStore {
  return {
    async putAlert(alert: AlertRecord) {
      db.prepare(
        `INSERT INTO alerts (job, subject, state, opened_at, data) VALUES (@job, @subject, @state, @opened_at, @data)
         ON CONFLICT (job, subject) DO UPDATE SET state = excluded.state, opened_at = excluded.opened_at, data = excluded.data`,
      ).run(alertColumns(alert));
    },
    async getAlert(job: string, subject: string) {
      const row = db.prepare('SELECT data FROM alerts WHERE job = ? AND subject = ?').get(job, subject) as
        { data: string } | undefined;
      return row ? alertFromData(row.data) : null;
    },
    async listAlerts(query: AlertQuery = {}) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (query.job) {
        where.push('job = ?');
        values.push(query.job);
      }
      if (query.state) {
        where.push('state = ?');
        values.push(query.state);
      }
      const rows = db
        .prepare(
          `SELECT data FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY opened_at, job, subject LIMIT ?`,
        )
        .all(...values, query.limit ?? 500) as { data: string }[];
      return rows.map((r) => alertFromData(r.data));
    },
  };
}
