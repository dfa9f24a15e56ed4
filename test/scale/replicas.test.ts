import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { RunRecord, Store } from '../../src/store/types.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { pgTestUrl, schemaUrl } from './pg.js';
import { holderPid, sleep, startReplica, waitFor, waitForStart, type Replica } from './replica.js';

/**
 * Three `release-bot start` daemons on one PostgreSQL database, the heartbeat job every second
 * (it asks a GitHub API served by this test who it is). History must show every slot run exactly
 * once and never two runs at a time. Then the API stops answering, so a run takes a while: a
 * manual `run` is refused (exit 3) while that run's lease is kept alive; killing its replica with
 * SIGKILL frees the job once the lease expires, and the other replicas carry on.
 *
 * The steps build on each other (one set of daemons, one database), so they run in order.
 */

const url = pgTestUrl('scale test: three replicas on PostgreSQL');
const LEASE_TTL_MS = 3_000;
const WINDOW_MS = 30_000;
const RAN = new Set(['ok', 'noop']);

function second(ms: number): string {
  return new Date(ms).toISOString();
}

/** No two runs that actually ran may overlap in time (they all hold the same job lease). */
function expectNoOverlap(runs: RunRecord[]): void {
  const ran = runs.filter((r) => RAN.has(r.status)).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (let i = 1; i < ran.length; i++) {
    const before = ran[i - 1]!;
    const after = ran[i]!;
    expect(
      before.finishedAt! <= after.startedAt,
      `${before.id} (${before.startedAt}–${before.finishedAt}) overlaps ${after.id} (${after.startedAt})`,
    ).toBe(true);
  }
}

/**
 * Just enough GitHub for the heartbeat: `GET /user`. While `hold` is on, requests wait (the run
 * is busy) until it is turned off again or the client goes away.
 */
async function startGithub() {
  let hold = false;
  const waiting = new Set<ServerResponse>();
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 1, login: 'release-bot', name: 'Release Bot' }));
  };
  const server = createServer((req, res) => {
    if (req.url !== '/user') {
      res.writeHead(404).end('{}');
      return;
    }
    if (!hold) return answer(res);
    waiting.add(res);
    res.on('close', () => waiting.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    waiting: () => waiting.size,
    hold(on: boolean) {
      hold = on;
      if (!on) for (const res of waiting) answer(res);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!url).sequential('three replicas on one PostgreSQL', () => {
  const tmp = tempDir();
  const schema = `t_replicas_${randomBytes(4).toString('hex')}`;
  const appName = `release-bot-${schema}`;
  const config = join(tmp.dir, 'release-bot.yaml');
  let store: Store;
  let admin: pg.Client;
  let github: Awaited<ReturnType<typeof startGithub>>;
  let replicas: Replica[] = [];

  async function history(): Promise<RunRecord[]> {
    return store.listRuns({ job: 'heartbeat', limit: 10_000 });
  }

  beforeAll(async () => {
    const storeUrl = new URL(schemaUrl(url!, schema));
    storeUrl.searchParams.set('application_name', appName);
    github = await startGithub();
    writeFileSync(
      config,
      [
        'forges:',
        `  gh: { type: github, url: "${github.url}", apiUrl: "${github.url}", token: ghp_scale_test_token_1234 }`,
        'store:',
        `  url: ${JSON.stringify(storeUrl.toString())}`,
        'server: { port: 0 }',
        'runner: { shutdownGraceSeconds: 5 }',
        'jobs:',
        `  heartbeat: { schedule: '* * * * * *' }`,
      ].join('\n'),
    );
    // The daemons migrate the empty schema themselves, all at once.
    replicas = [0, 1, 2].map(() => startReplica(config));
    await waitForStart(replicas, 60_000);
    store = openPostgresStore(storeUrl.toString());
    admin = new pg.Client({ connectionString: storeUrl.toString() });
    await admin.connect();
  }, 70_000);

  afterAll(async () => {
    for (const r of replicas)
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await store?.close();
    await github?.close();
    tmp.cleanup();
  });

  it('runs every one-second slot exactly once, one run at a time', async () => {
    // Leave the first seconds out: the daemons start one after the other.
    const from = Date.now() + 2_000;
    await sleep(WINDOW_MS);
    const to = Date.now() - 1_500;
    const runs = await history();
    const scheduled = runs.filter((r) => r.trigger === 'schedule');

    // Exactly once: a slot claimed by one replica is never run (or even tried) by another.
    const bySlot = new Map<string, RunRecord[]>();
    for (const r of scheduled) bySlot.set(r.slot!, [...(bySlot.get(r.slot!) ?? []), r]);
    const twice = [...bySlot].filter(([, rs]) => rs.length > 1).map(([slot]) => slot);
    expect(twice).toEqual([]);

    // No gaps: every second of the window ran.
    const window: string[] = [];
    for (let t = Math.ceil(from / 1000) * 1000; t <= to; t += 1000) window.push(second(t));
    expect(window.length).toBeGreaterThanOrEqual(WINDOW_MS / 1000 - 5);
    const missing = window.filter((slot) => !RAN.has(bySlot.get(slot)?.[0]?.status ?? 'none'));
    const why = missing.map((slot) => {
      const r = bySlot.get(slot)?.[0];
      return r ? `${slot} ${r.status} by ${r.holder}: ${r.error}` : `${slot}: nobody claimed it`;
    });
    expect(why).toEqual([]);

    // The slots really were shared out between the replicas, and never overlapped.
    const holders = new Set(window.map((slot) => bySlot.get(slot)![0]!.holder));
    expect(holders.size).toBeGreaterThanOrEqual(2);
    for (const h of holders) expect(replicas.map((r) => r.pid)).toContain(holderPid(h));
    expectNoOverlap(runs);
  }, 60_000);

  // Set by the next step, used by the one after: the replica busy with a long run.
  let busy: { replica: Replica; holder: string; runId: string; startedAt: string } | undefined;

  it('refuses a manual run while a scheduled run holds the job (exit 3, recorded as refused)', async () => {
    github.hold(true);
    await waitFor('a run to wait for GitHub', () => github.waiting() > 0, 60_000);
    const lease = await store.getLease('job:heartbeat');
    expect(lease).not.toBeNull();
    const holder = lease!.holder;
    const runId = holder.split('/')[1]!;
    const run = await store.getRun(runId);
    expect(run?.status).toBe('running');
    const replica = replicas.find((r) => r.pid === holderPid(holder))!;
    expect(replica).toBeDefined();
    busy = { replica, holder, runId, startedAt: run!.startedAt };

    // Outlive the lease TTL: the run's heartbeat renews it, so nobody else may start.
    await sleep(LEASE_TTL_MS + 1_500);
    expect((await store.getLease('job:heartbeat'))?.holder).toBe(holder);

    const manual = await runCli(['--config', config, 'run', 'heartbeat']);
    expect(manual.code).toBe(3);
    expect(manual.stderr).toContain(`refused: job heartbeat is already running (held by ${holder}`);
    const runs = await history();
    expect(runs.filter((r) => r.trigger === 'manual').map((r) => r.status)).toEqual(['refused']);
    // The other replicas' slots meanwhile were refused too, not run alongside.
    const during = runs.filter((r) => r.trigger === 'schedule' && r.startedAt > busy!.startedAt);
    expect(during.length).toBeGreaterThan(0);
    for (const r of during) {
      expect(r.status).toBe('refused');
      expect(r.error).toContain(holder);
    }
    expect((await store.getRun(runId))?.status).toBe('running');
  }, 90_000);

  it('frees the job once the lease of a SIGKILLed replica expires; later slots run elsewhere', async () => {
    expect(busy, 'the previous step leaves a busy run').toBeDefined();
    const { replica, holder, runId } = busy!;
    replica.child.kill('SIGKILL');
    const exit = await replica.exited;
    expect(exit.signal).toBe('SIGKILL');
    const killedAt = Date.now();
    github.hold(false);
    const { rows } = await admin.query<{ expires_at: Date }>(
      `SELECT expires_at FROM leases WHERE key = 'job:heartbeat' AND holder = $1`,
      [holder],
    );
    const expiresAt = rows[0]!.expires_at.toISOString();

    const after = () =>
      history().then((runs) =>
        runs.filter(
          (r) => r.trigger === 'schedule' && RAN.has(r.status) && Date.parse(r.startedAt) > killedAt,
        ),
      );
    await waitFor('three slots to run after the kill', async () => (await after()).length >= 3, 60_000);
    const later = (await after()).sort((a, b) => a.slot!.localeCompare(b.slot!));
    // Nobody ran the job before the dead replica's lease expired (database clock).
    expect(later[0]!.startedAt >= expiresAt).toBe(true);
    for (const r of later) expect(holderPid(r.holder)).not.toBe(replica.pid);
    // Consecutive slots from then on.
    const seconds = later.map((r) => Date.parse(r.slot!) / 1000);
    expect(seconds).toEqual(seconds.map((_, i) => seconds[0]! + i));

    // The first run after the expiry marked the dead replica's run as aborted.
    const dead = await store.getRun(runId);
    expect(dead?.status).toBe('aborted');
    expect(dead?.error).toContain('stopped before it finished');
    expectNoOverlap(await history());
  }, 90_000);

  it('stops the surviving replicas gracefully on SIGTERM (exit 0)', async () => {
    const survivors = replicas.filter((r) => r !== busy?.replica);
    for (const r of survivors) r.child.kill('SIGTERM');
    const results = await Promise.all(survivors.map((r) => r.exited));
    for (const result of results) expect(result.code).toBe(0);
    expect((await history()).filter((r) => r.status === 'running')).toEqual([]);
  }, 60_000);
});
