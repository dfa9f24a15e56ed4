import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { applyVerdicts } from '../../src/runner/verdicts.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/tmp.js';
import { pgTestUrl, schemaUrl } from '../scale/pg.js';

/**
 * Alerts in both stores: opened by an `alert` verdict, kept (counted) by later ones, untouched by
 * runs that say nothing of the subject, closed by `healthy`, reopened as a new incident; masked;
 * listed open-only and per job; surviving a reopen of the store.
 */

const pgUrl = pgTestUrl('alerts on PostgreSQL');
const schemas: string[] = [];
const tmp = tempDir('release-bot-alerts-store-');

afterAll(async () => {
  tmp.cleanup();
  if (!pgUrl || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

const T0 = new Date('2026-12-04T10:00:00Z');
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function alertContract(kind: string, open: () => Store) {
  describe(`alerts in the ${kind} store`, () => {
    it('open, keep, ignore, close and reopen', async () => {
      let store = open();
      await store.migrate();
      const log = silentLogger();
      const broken = {
        subject: 'deployment:production',
        verdict: 'alert' as const,
        title: 'production #42 failed verification',
        reason: 'health: 503',
        url: 'https://gitlab.example.com/d/42',
        nextStep: 'roll back',
      };
      const opened = await applyVerdicts({
        store,
        job: 'verify-deployment',
        runId: 'r1',
        verdicts: [broken],
        now: T0,
        log,
      });
      expect(opened.map((t) => t.change)).toEqual(['opened']);
      const kept = await applyVerdicts({
        store,
        job: 'verify-deployment',
        runId: 'r2',
        verdicts: [{ ...broken, reason: 'health: 503 again', url: 'javascript:alert(1)' }],
        now: later(5),
        log,
      });
      expect(kept.map((t) => t.change)).toEqual(['kept']);
      // Another subject and a waiting verdict change nothing here.
      await applyVerdicts({
        store,
        job: 'verify-deployment',
        runId: 'r3',
        verdicts: [
          { subject: 'deployment:staging', verdict: 'healthy', title: 'fine' },
          { subject: 'deployment:production', verdict: 'waiting', title: 'in its window' },
        ],
        now: later(6),
        log,
      });
      await store.close();
      store = open();
      const alert = await store.getAlert('verify-deployment', 'deployment:production');
      expect(alert).toMatchObject({
        state: 'open',
        seen: 2,
        openedBy: 'r1',
        lastRunId: 'r2',
        openedAt: T0.toISOString(),
        reason: 'health: 503 again',
        url: null,
      });
      expect(await store.getAlert('verify-deployment', 'deployment:staging')).toBeNull();
      expect((await store.listAlerts({ state: 'open' })).map((a) => a.subject)).toEqual([
        'deployment:production',
      ]);
      expect(await store.listAlerts({ job: 'heartbeat' })).toEqual([]);

      const closed = await applyVerdicts({
        store,
        job: 'verify-deployment',
        runId: 'r4',
        verdicts: [{ subject: 'deployment:production', verdict: 'healthy', title: 'production #43 passed' }],
        now: later(30),
        log,
      });
      expect(closed.map((t) => t.change)).toEqual(['closed']);
      expect(await store.listAlerts({ state: 'open' })).toEqual([]);
      expect(await store.getAlert('verify-deployment', 'deployment:production')).toMatchObject({
        state: 'closed',
        closedBy: 'r4',
        closedAt: later(30).toISOString(),
        resolution: 'production #43 passed',
      });
      // A healthy subject with nothing open stays without an alert.
      expect(
        await applyVerdicts({
          store,
          job: 'verify-deployment',
          runId: 'r5',
          verdicts: [{ subject: 'deployment:production', verdict: 'healthy', title: 'again fine' }],
          now: later(31),
          log,
        }),
      ).toEqual([]);
      // A new incident on the same subject starts afresh.
      await applyVerdicts({
        store,
        job: 'verify-deployment',
        runId: 'r6',
        verdicts: [broken],
        now: later(60),
        log,
      });
      expect(await store.getAlert('verify-deployment', 'deployment:production')).toMatchObject({
        state: 'open',
        seen: 1,
        openedBy: 'r6',
        openedAt: later(60).toISOString(),
        closedAt: null,
      });
      await store.close();
    });

    it('keeps text with NUL and odd characters intact enough to read back', async () => {
      const store = open();
      await store.migrate();
      await applyVerdicts({
        store,
        job: 'report-pipeline-failures',
        runId: 'x1',
        verdicts: [
          { subject: 'ref:gitlab:org/app:main', verdict: 'alert', title: 'main is broken \u0000 ✗ <b>' },
        ],
        now: T0,
        log: silentLogger(),
      });
      const [alert] = await store.listAlerts({ job: 'report-pipeline-failures' });
      expect(alert!.title).toContain('main is broken');
      expect(alert!.title).toContain('✗ <b>');
      await store.close();
    });
  });
}

const sqlitePath = join(tmp.dir, 'alerts.db');
alertContract('SQLite', () => openSqliteStore(sqlitePath));

describe.skipIf(!pgUrl)('PostgreSQL', () => {
  const schema = `t_alerts_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  alertContract('PostgreSQL', () => openPostgresStore(schemaUrl(pgUrl!, schema)));
});
