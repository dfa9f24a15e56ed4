import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  layeredEtagCache,
  memoryEtagCache,
  STORED_ANSWER_TTL_MS,
  storeEtagBacking,
  type CachedAnswer,
} from '../../src/forges/etag-cache.js';
import { registerSecret } from '../../src/secrets/masker.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { pgTestUrl, schemaUrl } from '../scale/pg.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The ETag cache's store layer on both drivers: a fresh process finds the answers, an answer
 * holding a configured secret never reaches the store, and answers not stored again for two
 * weeks are pruned.
 */

const answer = (body: string, at = Date.now()): CachedAnswer => ({
  etag: `W/"${body.length}"`,
  headers: { 'content-type': 'application/json' },
  body,
  at,
});

function contract(name: string, open: () => Promise<Store>) {
  describe(`ETag answers in the ${name} store`, () => {
    it('are found by a fresh process (an empty memory layer)', async () => {
      const store = await open();
      try {
        await layeredEtagCache(memoryEtagCache(), storeEtagBacking(store)).set('k1', answer('{"a":1}'));
        const fresh = layeredEtagCache(memoryEtagCache(), storeEtagBacking(store));
        expect(await fresh.get('k1')).toEqual(answer('{"a":1}', (await fresh.get('k1'))!.at));
        expect(await fresh.get('missing')).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it('keep an answer holding a configured secret in memory only', async () => {
      const store = await open();
      try {
        const secret = `s3cr3t-${randomBytes(6).toString('hex')}`;
        registerSecret(secret);
        const cache = layeredEtagCache(memoryEtagCache(), storeEtagBacking(store));
        await cache.set('k2', answer(`{"token":"${secret}"}`));
        expect(await cache.get('k2')).toBeDefined();
        expect(await storeEtagBacking(store).get('k2')).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it('are pruned when not stored again for two weeks', async () => {
      const store = await open();
      try {
        const backing = storeEtagBacking(store);
        await backing.set('old', answer('{"old":1}', Date.now() - STORED_ANSWER_TTL_MS - 1000));
        await backing.set('new', answer('{"new":1}'));
        // The prune runs on a store write now and then; `random` 0 makes this write one of them.
        await layeredEtagCache(memoryEtagCache(), backing, () => 0).set('newer', answer('{"newer":1}'));
        expect(await backing.get('old')).toBeUndefined();
        expect(await backing.get('new')).toBeDefined();
        expect(await backing.get('newer')).toBeDefined();
      } finally {
        await store.close();
      }
    });
  });
}

const tmp = tempDir('release-bot-etag-store-');
let n = 0;
contract('SQLite', async () => {
  const store = openSqliteStore(join(tmp.dir, `state-${n++}.db`));
  await store.migrate();
  return store;
});

const url = pgTestUrl('ETag answers in the PostgreSQL store');
const schema = `t_etag_store_${randomBytes(4).toString('hex')}`;
afterAll(async () => {
  tmp.cleanup();
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});
if (url)
  contract('PostgreSQL', async () => {
    const store = openPostgresStore(schemaUrl(url, schema));
    await store.migrate();
    return store;
  });
