import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { Store } from '../../src/store/types.js';
import { run, storeContract } from './contract.js';
import { pgTestUrl, schemaUrl } from '../scale/pg.js';

/**
 * The store contract against PostgreSQL, plus what only PostgreSQL has to get right. Each store
 * gets its own schema (search_path in the URL), so test files running in parallel never meet.
 */

const url = pgTestUrl('PostgreSQL store contract');
const schemas: string[] = [];

function freshUrl(): string {
  const schema = `t_store_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  return schemaUrl(url!, schema);
}

afterAll(async () => {
  if (!url || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe.skipIf(!url)('PostgreSQL', () => {
  storeContract('postgres', async () => openPostgresStore(freshUrl()));

  describe('postgres store specifics', () => {
    async function open(): Promise<Store> {
      const store = openPostgresStore(freshUrl());
      await store.migrate();
      return store;
    }

    it('creates its schema and records each migration once, even when replicas migrate at once', async () => {
      const shared = freshUrl();
      const stores = [1, 2, 3, 4].map(() => openPostgresStore(shared));
      await Promise.all(stores.map((s) => s.migrate()));
      const client = new pg.Client({ connectionString: shared });
      await client.connect();
      const { rows } = await client.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3]);
      const tables = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual([
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
      await client.end();
      await Promise.all(stores.map((s) => s.close()));
    });

    it('decides lease expiry by the database clock, not the caller', async () => {
      const store = await open();
      const client = new pg.Client({ connectionString: schemaUrl(url!, schemas.at(-1)!) });
      await client.connect();
      expect(await store.acquireLease('job:x', 'h1', 60_000)).toBe(true);
      const { rows } = await client.query<{ left: number }>(
        `SELECT extract(epoch FROM expires_at - now()) * 1000 AS left FROM leases WHERE key = 'job:x'`,
      );
      expect(Number(rows[0]?.left)).toBeGreaterThan(55_000);
      // Expired by the database's reckoning: another holder takes it over at once.
      await client.query(`UPDATE leases SET expires_at = now() - interval '1 second' WHERE key = 'job:x'`);
      expect(await store.getLease('job:x')).toBeNull();
      expect(await store.acquireLease('job:x', 'h2', 60_000)).toBe(true);
      expect((await store.getLease('job:x'))?.holder).toBe('h2');
      await client.end();
      await store.close();
    });

    it('lets exactly one of many concurrent lease takers win', async () => {
      const shared = freshUrl();
      const stores = [1, 2, 3].map(() => openPostgresStore(shared, { poolSize: 4 }));
      await stores[0]!.migrate();
      const attempts = await Promise.all(
        stores.flatMap((s, i) => [0, 1, 2, 3].map((j) => s.acquireLease('job:race', `h${i}-${j}`, 60_000))),
      );
      expect(attempts.filter(Boolean)).toHaveLength(1);
      await Promise.all(stores.map((s) => s.close()));
    });

    it('keeps text and JSON PostgreSQL would reject (NUL, lone surrogates) instead of losing the run', async () => {
      const store = await open();
      const r = run({ summary: 'a\u0000b', logs: ['bin\u0000ary', 'half \ud83d emoji'] });
      await store.insertRun(r);
      await store.updateRun(r.id, { status: 'failed', error: 'x\u0000y', result: { note: 'n\u0000ul' } });
      const got = await store.getRun(r.id);
      expect(got).toMatchObject({ summary: 'ab', error: 'xy', logs: ['binary', 'half \ufffd emoji'] });
      expect(got?.result).toEqual({ note: 'nul' });
      await store.close();
    });

    it('round-trips times, slots and JSON state exactly', async () => {
      const store = await open();
      const r = run({
        trigger: 'schedule',
        slot: '2026-03-01T10:00:00.000Z',
        startedAt: '2026-03-01T10:00:00.123Z',
        dryRun: true,
      });
      await store.insertRun(r);
      expect(await store.getRun(r.id)).toEqual(r);
      await store.setState('job-a', 'nested', { list: [1, 'two', { three: null }], flag: false });
      expect(await store.getState('job-a', 'nested')).toEqual({
        list: [1, 'two', { three: null }],
        flag: false,
      });
      await store.setState('job-a', 'nothing', undefined);
      expect(await store.getState('job-a', 'nothing')).toBeNull();
      // Byte order, like SQLite, whatever the database's collation.
      for (const key of ['p:b', 'p:B', 'p:a', 'p:_', 'q:a']) await store.setState('job-a', key, 1);
      expect((await store.listState('job-a', 'p:')).map((e) => e.key)).toEqual(['p:B', 'p:_', 'p:a', 'p:b']);
      expect((await store.listState('job-a', 'p%')).map((e) => e.key)).toEqual([]);
      await store.close();
    });

    it('names the database, never the password, when it cannot connect', async () => {
      const store = openPostgresStore('postgres://bot:s3cr3t-pass@127.0.0.1:1/nowhere');
      const error = await store.migrate().then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toContain('127.0.0.1:1/nowhere');
      expect(error?.message).not.toContain('s3cr3t-pass');
      await store.close();
    });
  });
});
