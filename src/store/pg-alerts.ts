import { alertColumns, alertFromData, type AlertQuery, type AlertRecord, type AlertStore } from './alerts.js';
import { toJson } from './pg-rows.js';

/** The alerts table of the PostgreSQL store (migration in pg-migrations.ts). */

export const PG_ALERTS_MIGRATION = `CREATE TABLE alerts (
     job       text NOT NULL,
     subject   text COLLATE "C" NOT NULL,
     state     text NOT NULL,
     opened_at timestamptz NOT NULL,
     data      jsonb NOT NULL,
     PRIMARY KEY (job, subject)
   );
   CREATE INDEX alerts_state_opened ON alerts (state, opened_at, job, subject);`;

type Query = (sql: string, values?: unknown[]) => Promise<{ rows: { data: unknown }[] }>;

export function pgAlerts(query: Query): AlertStore {
  return {
    async putAlert(alert: AlertRecord) {
      const c = alertColumns(alert);
      await query(
        `INSERT INTO alerts (job, subject, state, opened_at, data) VALUES ($1, $2, $3, $4::timestamptz, $5::jsonb)
         ON CONFLICT (job, subject) DO UPDATE SET state = excluded.state, opened_at = excluded.opened_at, data = excluded.data`,
        [c.job, c.subject, c.state, c.opened_at, toJson(alert)],
      );
    },
    async getAlert(job: string, subject: string) {
      const { rows } = await query('SELECT data FROM alerts WHERE job = $1 AND subject = $2', [job, subject]);
      return rows[0] ? alertFromData(rows[0].data) : null;
    },
    async listAlerts(q: AlertQuery = {}) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (q.job) where.push(`job = $${values.push(q.job)}`);
      if (q.state) where.push(`state = $${values.push(q.state)}`);
      values.push(q.limit ?? 500);
      const { rows } = await query(
        `SELECT data FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY opened_at, job, subject LIMIT $${values.length}`,
        values,
      );
      return rows.map((r) => alertFromData(r.data));
    },
  };
}
