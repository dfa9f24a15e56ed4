import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { RunRecord, Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/tmp.js';
import { pgTestUrl, schemaUrl } from './pg.js';
import { holderPid, sleep, startReplica, waitForStart, type Replica } from './replica.js';

/**
 * Two replicas whose clocks disagree by 3 seconds (one 1.5 s fast, one 1.5 s slow), the heartbeat
 * every second. Each reaches a slot at its own wall time, 3 s apart; the slot key comes from the
 * cron expression, so the late one finds the slot claimed and does not run it again.
 */

const url = pgTestUrl('scale test: replicas with skewed clocks');
const FAST = 1_500;
const SLOW = -1_500;

describe.skipIf(!url)('replicas whose clocks disagree by 3 s', () => {
  const tmp = tempDir();
  const schema = `t_skew_${randomBytes(4).toString('hex')}`;
  const config = join(tmp.dir, 'release-bot.yaml');
  let store: Store;
  let fast: Replica;
  let slow: Replica;

  beforeAll(async () => {
    const storeUrl = schemaUrl(url!, schema);
    writeFileSync(
      config,
      [
        'store:',
        `  url: ${JSON.stringify(storeUrl)}`,
        'server: { port: 0 }',
        'jobs:',
        `  heartbeat: { schedule: '* * * * * *' }`,
      ].join('\n'),
    );
    // Debug logs show the slots a replica found already claimed.
    const env = { RELEASE_BOT_LOG_LEVEL: 'debug' };
    fast = startReplica(config, { skewMs: FAST, env });
    slow = startReplica(config, { skewMs: SLOW, env });
    await waitForStart([fast, slow], 60_000);
    store = openPostgresStore(storeUrl);
  }, 70_000);

  afterAll(async () => {
    for (const r of [fast, slow]) if (r && r.child.exitCode === null) r.child.kill('SIGKILL');
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    await store?.close();
    tmp.cleanup();
  });

  it('runs each slot once: the replica that is late finds it claimed', async () => {
    // Until the slow replica's clock has caught up with the fast one's first slot, it still
    // finds unclaimed slots of its own: leave those seconds out.
    const from = Date.now() + 4_000;
    await sleep(12_000);
    const to = Date.now() - 2_000;
    for (const r of [fast, slow]) r.child.kill('SIGTERM');
    const exits = await Promise.all([fast.exited, slow.exited]);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);

    const runs = (await store.listRuns({ job: 'heartbeat', limit: 1_000 })).filter(
      (r) => r.trigger === 'schedule',
    );
    const bySlot = new Map<string, RunRecord[]>();
    for (const r of runs) bySlot.set(r.slot!, [...(bySlot.get(r.slot!) ?? []), r]);
    expect([...bySlot.values()].filter((rs) => rs.length > 1)).toEqual([]);

    // What the slow replica logged when it reached each slot (its own clock).
    const skipped = new Map<string, number>();
    for (const line of slow.output().split('\n')) {
      if (!line.includes('not claimed here')) continue;
      const entry = JSON.parse(line) as { slot: string; time: number };
      skipped.set(entry.slot, entry.time);
    }

    const window: string[] = [];
    for (let t = Math.ceil(from / 1000) * 1000; t <= to; t += 1000) window.push(new Date(t).toISOString());
    expect(window.length).toBeGreaterThanOrEqual(5);
    for (const slot of window) {
      const run = bySlot.get(slot)?.[0];
      expect(run, `slot ${slot} ran`).toBeDefined();
      expect(run!.status).toBe('noop');
      expect(holderPid(run!.holder)).toBe(fast.pid);
      // The slow replica reached the same slot 3 s later in real time, and left it alone.
      expect(skipped.has(slot), `slow replica saw slot ${slot}`).toBe(true);
      const realRun = Date.parse(run!.startedAt) - FAST;
      const realSkip = skipped.get(slot)! - SLOW;
      expect(realSkip - realRun).toBeGreaterThan(2_500);
      expect(realSkip - realRun).toBeLessThan(3_500);
    }
  }, 90_000);
});
