import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { pgTestUrl, schemaUrl } from '../scale/pg.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

/**
 * The PostgreSQL store when its database stops answering without an error (a partition: the TCP
 * proxy keeps the connections open and forwards nothing). Every call fails within its time limit
 * — on an open connection and on a new one — closing the store does not wait for the dead
 * connections, and once the link is back the same store works again.
 */

const url = pgTestUrl('PostgreSQL store behind a silent link');
const schema = `t_partition_store_${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe.skipIf(!url)('PostgreSQL store behind a link that drops everything', () => {
  it('fails each call within its limit, closes without waiting, and works again once the link is back', async () => {
    const target = new URL(url!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const store = openPostgresStore(proxy.via(schemaUrl(url!, schema)), { callTimeoutMs: 1_000 });
    const other = openPostgresStore(proxy.via(schemaUrl(url!, schema)), { callTimeoutMs: 1_000 });
    try {
      await store.migrate();
      expect(await store.acquireLease('job:x', 'h1', 60_000)).toBe(true);

      proxy.blackhole();
      // On the connection the store already has, and on the new one the second call needs.
      const calls = await Promise.allSettled([
        store.renewLease('job:x', 'h1', 60_000),
        store.getLease('job:x'),
        other.acquireLease('job:y', 'h2', 60_000),
      ]);
      for (const call of calls) {
        expect(call.status).toBe('rejected');
        const reason = (call as PromiseRejectedResult).reason as Error;
        expect(reason.message).toMatch(/timeout|no answer within|Connection terminated/i);
      }
      expect(proxy.dropped()).toBeGreaterThan(0);
      // The dead connection was let go: closing does not wait for an answer that never comes.
      await other.close();

      proxy.forward();
      expect(await store.renewLease('job:x', 'h1', 60_000)).toBe(true);
      expect((await store.getLease('job:x'))?.holder).toBe('h1');
    } finally {
      await store.close();
      await other.close();
      await proxy.close();
    }
  });
});
