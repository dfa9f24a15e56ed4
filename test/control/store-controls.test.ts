import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordCommand } from '../../src/control/commands.js';
import { getHold, holdComponent, listHolds, releaseComponent, releasedMr } from '../../src/control/holds.js';
import { activePause, activePauses, pauseJob, resumeJob } from '../../src/control/pauses.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/tmp.js';
import { pgTestUrl, schemaUrl } from '../scale/pg.js';

/** Pauses, holds and the command log on both store drivers: the same behaviour, and it survives a reopen. */

const pgUrl = pgTestUrl('controls on PostgreSQL');
const schemas: string[] = [];

afterAll(async () => {
  if (!pgUrl || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

function contract(name: string, open: () => { reopen: () => Store; cleanup?: () => void }) {
  describe(`${name}: controls in the store`, () => {
    let opened: ReturnType<typeof open>;
    let store: Store;
    beforeEach(async () => {
      opened = open();
      store = opened.reopen();
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
      opened.cleanup?.();
    });

    it('pauses until a time, then the pause runs out; resume ends it early; both survive a restart', async () => {
      const now = new Date('2026-12-04T10:00:00Z');
      await pauseJob(store, 'heartbeat', {
        until: '2026-12-04T12:00:00.000Z',
        reason: 'deploy freeze',
        by: 'alice',
        via: 'cli',
        at: now.toISOString(),
      });
      await pauseJob(store, 'update-component', {
        until: null,
        reason: 'gitaly is broken',
        by: 'bob',
        via: 'slack',
        at: now.toISOString(),
      });
      await store.close();
      store = opened.reopen();
      expect(await activePause(store, 'heartbeat', now)).toMatchObject({ job: 'heartbeat', by: 'alice' });
      expect(await activePause(store, 'heartbeat', new Date('2026-12-04T12:00:00Z'))).toBeNull();
      expect((await activePauses(store, now)).map((p) => p.job)).toEqual(['heartbeat', 'update-component']);
      expect(await resumeJob(store, 'update-component', now)).toBe(true);
      expect(await resumeJob(store, 'update-component', now)).toBe(false);
      expect(await activePause(store, 'update-component', now)).toBeNull();
    });

    it('holds a component; releasing a hold from a closed MR remembers that MR', async () => {
      await holdComponent(store, 'gitaly', {
        sha: 'abc1234',
        reason: 'closed',
        by: 'alice',
        via: 'job',
        at: '2026-12-04T10:00:00.000Z',
        mr: { iid: 7, url: 'https://gitlab.example.com/org/gitlab/-/merge_requests/7' },
      });
      await store.close();
      store = opened.reopen();
      expect(await getHold(store, 'gitaly')).toMatchObject({
        component: 'gitaly',
        sha: 'abc1234',
        mr: { iid: 7 },
      });
      expect(await listHolds(store)).toHaveLength(1);
      expect(await releaseComponent(store, 'gitaly')).toMatchObject({ sha: 'abc1234' });
      expect(await getHold(store, 'gitaly')).toBeNull();
      expect(await releasedMr(store, 'gitaly', 7)).toBe(true);
      expect(await releasedMr(store, 'gitaly', 8)).toBe(false);
      expect(await releaseComponent(store, 'gitaly')).toBeNull();
    });

    it('keeps the command log newest first, with who gave each command', async () => {
      for (let i = 0; i < 3; i++)
        await recordCommand(store, {
          actor: `user-${i}`,
          via: i % 2 ? 'slack' : 'cli',
          command: `pause heartbeat --reason r${i}`,
          ok: i !== 1,
          outcome: `outcome ${i}`,
          at: new Date(Date.UTC(2026, 11, 4, 10, i)),
        });
      const log = await store.listCommands(2);
      expect(log.map((c) => [c.actor, c.via, c.ok])).toEqual([
        ['user-2', 'cli', true],
        ['user-1', 'slack', false],
      ]);
      expect(log[0]!.at).toBe('2026-12-04T10:02:00.000Z');
    });
  });
}

contract('sqlite', () => {
  const tmp = tempDir('release-bot-controls-');
  return { reopen: () => openSqliteStore(join(tmp.dir, 'state.db')), cleanup: () => tmp.cleanup() };
});

describe.skipIf(!pgUrl)('PostgreSQL', () => {
  contract('postgres', () => {
    const schema = `t_controls_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    const url = schemaUrl(pgUrl!, schema);
    return { reopen: () => openPostgresStore(url) };
  });
});
