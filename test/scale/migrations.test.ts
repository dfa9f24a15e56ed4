import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationLockName } from '../../src/store/pg-migrations.js';
import { collect, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { pgTestUrl, schemaUrl } from './pg.js';

/**
 * Three replicas starting at once on an empty database: every one of them migrates, exactly one
 * applies each migration, none fails. The test holds the migration lock until all three are
 * queued on it, so they really do arrive together.
 */

const url = pgTestUrl('concurrent PostgreSQL migrations');

describe.skipIf(!url)('concurrent migrations on PostgreSQL', () => {
  const tmp = tempDir();
  const schema = `t_migrate_${randomBytes(4).toString('hex')}`;
  const appName = `release-bot-${schema}`;
  const admin = new pg.Client({ connectionString: url });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    tmp.cleanup();
  });

  it('three processes migrate one empty database; each migration is applied once', async () => {
    await admin.connect();
    const storeUrl = new URL(schemaUrl(url!, schema));
    storeUrl.searchParams.set('application_name', appName);
    const config = join(tmp.dir, 'release-bot.yaml');
    writeFileSync(config, `store:\n  url: ${JSON.stringify(storeUrl.toString())}\njobs:\n  heartbeat: {}\n`);

    const gate = new pg.Client({ connectionString: url });
    await gate.connect();
    await gate.query('BEGIN');
    await gate.query('SELECT pg_advisory_xact_lock(hashtext($1))', [migrationLockName(schema)]);
    const children = [1, 2, 3].map(() => collect(spawnCli(['--config', config, 'history', '--json'])));

    // Wait until all three are blocked on the migration lock, then let them go together.
    // Generous: three CLI processes start under tsx, on a possibly busy machine.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await admin.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE application_name = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
        [appName],
      );
      if (rows[0]!.waiting === 3) break;
      if (Date.now() > deadline) {
        await gate.query('ROLLBACK');
        const outputs = (await Promise.all(children)).map((r) => `exit ${r.code}: ${r.stderr.slice(-500)}`);
        throw new Error(`only ${rows[0]!.waiting} of 3 processes reached the lock:\n${outputs.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await gate.query('COMMIT');
    await gate.end();

    const results = await Promise.all(children);
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual([]);
    }
    const versions = await admin.query<{ version: number }>(
      `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(versions.rows.map((r) => r.version)).toEqual([1, 2, 3]);
    const tables = await admin.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
      [schema],
    );
    expect(tables.rows.map((r) => r.name)).toEqual([
      'alerts',
      'commands',
      'controls',
      'last_runs',
      'leases',
      'runs',
      'schema_migrations',
      'slots',
      'state',
    ]);
  }, 90_000);
});
