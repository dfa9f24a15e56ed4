import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateConfig } from '../../src/config/load.js';
import { buildConfigSchema } from '../../src/config/schema.js';
import { LeaseLostError } from '../../src/errors.js';
import { createLogger } from '../../src/log/logger.js';
import { createSlackNotifier } from '../../src/notify/slack.js';
import { createLeaseFence } from '../../src/runner/fence.js';
import { defineJob, type JobContext } from '../../src/runner/job.js';
import { createRunner } from '../../src/runner/runner.js';
import { simulatorForges } from '../../packages/forge-sandbox/src/bot-forges.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/tmp.js';
import { writePart } from '../reliability/support/figures.js';

/**
 * Fencing in the runner and the forge layer. The store is the real SQLite one, with its lease
 * renewal switched by the test to what a partitioned PostgreSQL looks like from the replica: no
 * answer at all, or an error (test/scale/partition.test.ts does it with a real PostgreSQL behind
 * a proxy that drops the traffic). The job ignores its abort signal on purpose, as a buggy job
 * would: whatever it does after the lease is lost, the forge layer must refuse its writes.
 */

type Renewal = 'normal' | 'silent' | 'failing';

function partitionable(store: Store) {
  let mode: Renewal = 'normal';
  let failures = 0;
  const failed: (() => void)[] = [];
  const wrapped: Store = Object.create(store) as Store;
  wrapped.renewLease = (key, holder, ttlMs) => {
    if (mode === 'silent') return new Promise<boolean>(() => undefined);
    if (mode === 'failing') {
      failures++;
      // After the runner has seen this failure: its handlers are microtasks, this is a macrotask.
      for (const notify of failed.splice(0)) setImmediate(notify);
      return Promise.reject(new Error('connection to the store lost'));
    }
    return store.renewLease(key, holder, ttlMs);
  };
  let updatesToFail = 0;
  wrapped.updateRun = (id, patch) => {
    if (updatesToFail > 0) {
      updatesToFail--;
      return Promise.reject(new Error('PostgreSQL store: no answer within 30000 ms'));
    }
    return store.updateRun(id, patch);
  };
  return {
    store: wrapped,
    set: (next: Renewal) => (mode = next),
    /** The next `n` run updates fail (the store is away for the run's final record). */
    failUpdates: (n: number) => (updatesToFail = n),
    failures: () => failures,
    /** Resolves at the next failed renewal. */
    nextFailure: () => new Promise<void>((resolve) => failed.push(resolve)),
  };
}

/** A gate the test opens; the job waits on it without looking at its abort signal. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

interface Attempt {
  what: string;
  error: string | null;
}

/** One write of each kind that needs no read first (a read would fail on the aborted signal). */
async function tryWrites(ctx: JobContext, headSha: string, name: string): Promise<Attempt[]> {
  const writes: [string, () => Promise<unknown>][] = [
    ['gitlab API: create branch', () => ctx.forge('gitlab').repo.createBranch('org/app', name, 'main')],
    [
      'gitlab git push: move branch',
      () => ctx.forge('gitlab').repo.updateBranch('org/app', `${name}-pushed`, headSha, { force: true }),
    ],
    [
      'github API: comment',
      () => ctx.forge('github').notes.create('org/app', { kind: 'issue', iid: 1 }, 'late'),
    ],
  ];
  const attempts: Attempt[] = [];
  for (const [what, write] of writes) {
    try {
      await write();
      attempts.push({ what, error: null });
    } catch (error) {
      attempts.push({ what, error: (error as Error).name });
    }
  }
  return attempts;
}

/** Figures for the reliability summary: writes tried after the lease was lost, and how many got out. */
const tally = { tried: 0, refused: 0, reached: 0, cases: 0, held: 0 };

describe('fencing: a run that cannot keep its lease writes nothing more', () => {
  const tmp = tempDir('release-bot-fence-');
  let sim: Simulator;
  let base: Store;
  let headSha = '';

  beforeAll(async () => {
    sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
    sim.createUser('release-bot', { name: 'Release Bot', bot: true, token: 'glpat-fence-test-token' });
    await sim.createProject({ forge: 'gitlab', path: 'org/app', members: ['release-bot'] });
    await sim.createProject({ forge: 'github', path: 'org/app', members: ['release-bot'] });
    // The healthy run comments on it for real.
    sim.createIssue({ forge: 'github', project: 'org/app', title: 'a place to comment' });
    const project = sim.project('gitlab', 'org/app');
    headSha = (await project.repo.branchSha(project.defaultBranch))!;
    logger = await createLogger({
      level: 'error',
      pretty: false,
      destination: { write: (line: string) => void logged.push(line) },
    });
    base = openSqliteStore(join(tmp.dir, 'state.db'));
    await base.migrate();
  });
  afterAll(async () => {
    writePart('fencing', {
      summary: `fencing, lease lost in the runner (renewals silent or failing): ${tally.reached} of ${tally.tried} writes tried afterwards reached the forge (API and git push, GitLab and GitHub); ${tally.refused} refused with LeaseLostError`,
      checked: tally.cases,
      held: tally.held,
      tried: tally.tried,
      refused: tally.refused,
      reached: tally.reached,
    });
    await base?.close();
    await sim?.close();
    tmp.cleanup();
  });

  /** What the runs logged at error level (the process's log destination, as in production). */
  const logged: string[] = [];
  let logger: Logger;

  function setup(renewals: ReturnType<typeof partitionable>, job: ReturnType<typeof defineJob>) {
    const token = 'glpat-fence-test-token';
    const config = validateConfig(
      {
        forges: simulatorForges(sim, token, 0),
        jobs: { [job.name]: {} },
      },
      buildConfigSchema([job]),
      'test',
    );
    return createRunner({
      config,
      jobs: [job],
      store: renewals.store,
      logger,
      notifier: (dryRun) => createSlackNotifier({ channels: {}, defaultChannel: undefined, dryRun }),
      leaseTtlMs: 2_000,
    });
  }

  it('renewals that never answer: the run is aborted and every later write is refused (API and git push, both forges)', async () => {
    tally.cases++;
    const renewals = partitionable(base);
    const started = gate();
    const resume = gate();
    let attempts: Promise<Attempt[]> | undefined;
    const job = defineJob({
      name: 'silent-store',
      description: 'writes after its store went silent',
      schedule: 'manual',
      options: z.object({}),
      async run(ctx) {
        await ctx.forge('gitlab').repo.getProject('org/app');
        started.open();
        await resume.opened;
        attempts = tryWrites(ctx, headSha, 'silent');
        await attempts;
        return { status: 'ok', summary: 'wrote', actions: [], links: [] };
      },
    });
    const runner = setup(renewals, job);
    const outcome = runner.run(job.name, { trigger: 'manual' });
    await started.opened;
    const mark = sim.mark();
    renewals.set('silent');

    // The runner gives up on its own once the lease's confirmed expiry passes.
    const { run } = await outcome;
    expect(run.status).toBe('aborted');
    expect(run.error).toMatch(/lost the job lease: the lease could not be renewed before it expired/);

    resume.open();
    await expect.poll(() => attempts, { timeout: 10_000 }).toBeDefined();
    const tried = await attempts!;
    const reached = sim.requests({ since: mark }).filter((r) => r.method !== 'GET');
    tally.tried += tried.length;
    tally.refused += tried.filter((t) => t.error === 'LeaseLostError').length;
    tally.reached += reached.length;
    expect(tried).toEqual([
      { what: 'gitlab API: create branch', error: 'LeaseLostError' },
      { what: 'gitlab git push: move branch', error: 'LeaseLostError' },
      { what: 'github API: comment', error: 'LeaseLostError' },
    ]);
    expect(reached).toEqual([]);
    expect(await sim.project('gitlab', 'org/app').repo.branchSha('silent-pushed')).toBeNull();
    tally.held++;
  });

  it('a renewal that fails: the next write is refused before the lease could expire, and the run aborts', async () => {
    tally.cases++;
    const renewals = partitionable(base);
    let tried: Attempt[] | undefined;
    const job = defineJob({
      name: 'failing-store',
      description: 'writes after a failed renewal',
      schedule: 'manual',
      options: z.object({}),
      async run(ctx) {
        await ctx.forge('github').repo.getProject('org/app');
        const failed = renewals.nextFailure();
        renewals.set('failing');
        await failed;
        tried = await tryWrites(ctx, headSha, 'failing');
        return { status: 'ok', summary: 'wrote', actions: [], links: [] };
      },
    });
    const runner = setup(renewals, job);
    const mark = sim.mark();
    const { run } = await runner.run(job.name, { trigger: 'manual' });
    expect(run.status).toBe('aborted');
    expect(run.error).toMatch(/lost the job lease: the last lease renewal failed/);
    expect(renewals.failures()).toBeGreaterThan(0);
    // The job goes on in the background (it ignores its signal): every write it tries is refused.
    await expect.poll(() => tried, { timeout: 10_000 }).toBeDefined();
    const reached = sim.requests({ since: mark }).filter((r) => r.method !== 'GET');
    tally.tried += tried!.length;
    tally.refused += tried!.filter((t) => t.error === 'LeaseLostError').length;
    tally.reached += reached.length;
    expect(tried!.map((t) => t.error)).toEqual(['LeaseLostError', 'LeaseLostError', 'LeaseLostError']);
    expect(reached).toEqual([]);
    tally.held++;
  });

  it('the store away for the final record: the run still ends, says so, and is recorded once the store answers', async () => {
    const renewals = partitionable(base);
    const started = gate();
    let runs = 0;
    const job = defineJob({
      name: 'store-away',
      description: 'loses its store mid-run',
      schedule: 'manual',
      options: z.object({}),
      async run() {
        if (++runs > 1) return { status: 'noop', summary: 'nothing to do', actions: [], links: [] };
        started.open();
        return new Promise(() => undefined); // busy until the runner gives up on it
      },
    });
    const runner = setup(renewals, job);
    const outcome = runner.run(job.name, { trigger: 'manual' });
    await started.opened;
    renewals.set('silent');
    renewals.failUpdates(Infinity);
    const { run } = await outcome;
    expect(run.status).toBe('aborted');
    expect(logged.join('\n')).toContain(`could not record run ${run.id} as aborted`);
    expect((await base.getRun(run.id))?.status).toBe('running');

    // The store is back: the job's next run marks the unrecorded one aborted.
    renewals.set('normal');
    renewals.failUpdates(0);
    const next = await runner.run(job.name, { trigger: 'manual', leaseWaitMs: 30_000 });
    expect(next.run.status).toBe('noop');
    expect((await base.getRun(run.id))?.status).toBe('aborted');
  });

  it('the store back after one failed try: the run is recorded by the runner itself', async () => {
    const renewals = partitionable(base);
    const job = defineJob({
      name: 'store-blip',
      description: 'its final record fails once',
      schedule: 'manual',
      options: z.object({}),
      async run() {
        renewals.failUpdates(1);
        return { status: 'ok', summary: 'done', actions: [], links: [] };
      },
    });
    const { run } = await setup(renewals, job).run(job.name, { trigger: 'manual' });
    expect(await base.getRun(run.id)).toMatchObject({ status: 'ok', summary: 'done' });
  });

  it('a healthy lease lets the same writes through', async () => {
    const renewals = partitionable(base);
    const job = defineJob({
      name: 'healthy-store',
      description: 'writes with its lease held',
      schedule: 'manual',
      options: z.object({}),
      async run(ctx) {
        const attempts = await tryWrites(ctx, headSha, 'healthy');
        return { status: 'ok', summary: 'wrote', actions: [], links: [], details: { attempts } };
      },
    });
    const runner = setup(renewals, job);
    const { run, result } = await runner.run(job.name, { trigger: 'manual' });
    expect(run.status).toBe('ok');
    expect((result?.details as { attempts: Attempt[] }).attempts.map((a) => a.error)).toEqual([
      null,
      null,
      null,
    ]);
  });
});

describe('the lease fence on its own (a clock the test moves)', () => {
  function fence(renew: () => Promise<boolean>) {
    let now = 0;
    const lost: string[] = [];
    const f = createLeaseFence({
      store: { renewLease: renew },
      key: 'job:x',
      holder: 'me',
      ttlMs: 60_000,
      onLost: (reason) => lost.push(reason),
      clock: () => now,
    });
    f.start(0);
    return { f, lost, at: (ms: number) => (now = ms) };
  }

  it('lets writes through without asking the store while the lease is fresh', async () => {
    let asked = 0;
    const { f, at } = fence(() => Promise.resolve(++asked > 0));
    at(44_000);
    await f.guard('write');
    expect(asked).toBe(0);
    f.stop();
  });

  it('near the expiry a write waits for a renewal (a late heartbeat does not fail the run)', async () => {
    let asked = 0;
    const { f, at, lost } = fence(() => Promise.resolve(++asked > 0));
    at(50_000); // inside the 15 s safety margin
    await f.guard('write');
    expect(asked).toBe(1);
    expect(lost).toEqual([]);
    at(80_000); // renewed at 50 s: good until 110 s, minus the margin
    await f.guard('write');
    expect(asked).toBe(1);
    f.stop();
  });

  /** A fence on the real clock whose renewals the test answers, one at a time. */
  function answeredByTest(ttlMs: number) {
    const asked: ((held: boolean | Error) => void)[] = [];
    let onAsk: (() => void) | undefined;
    const lost: string[] = [];
    const f = createLeaseFence({
      store: {
        renewLease: () =>
          new Promise<boolean>((resolve, reject) => {
            asked.push((held) => (held instanceof Error ? reject(held) : resolve(held)));
            onAsk?.();
          }),
      },
      key: 'job:x',
      holder: 'me',
      ttlMs,
      onLost: (reason) => lost.push(reason),
    });
    const nextAsk = () =>
      new Promise<(held: boolean | Error) => void>((resolve) => {
        if (asked.length) return resolve(asked.shift()!);
        onAsk = () => resolve(asked.shift()!);
      });
    return { f, lost, nextAsk };
  }

  it('past the expiry writes wait; a renewal that succeeds late keeps the lease (a starved process)', async () => {
    // The heartbeat (every 500 ms at least) comes after this short lease's expiry.
    const { f, lost, nextAsk } = answeredByTest(200);
    f.start(performance.now());
    const answer = await nextAsk(); // asked by the expiry, not yet answered
    const write = f.guard('write');
    answer(true);
    await write;
    expect(lost).toEqual([]);
    f.stop();
  });

  it('past the expiry a renewal that fails loses the lease, and the waiting write is refused', async () => {
    const { f, lost, nextAsk } = answeredByTest(200);
    f.start(performance.now());
    const answer = await nextAsk();
    const write = f.guard('write');
    answer(new Error('no route to the database'));
    await expect(write).rejects.toBeInstanceOf(LeaseLostError);
    expect(lost).toEqual([
      'the lease could not be renewed before it expired (200 ms after the last renewal): no route to the database',
    ]);
    f.stop();
  });

  it('a renewal answered "not yours" loses the lease for good', async () => {
    const { f, at, lost } = fence(() => Promise.resolve(false));
    at(50_000);
    await expect(f.guard('write')).rejects.toThrow(/another holder has the lease/);
    expect(lost).toHaveLength(1);
    at(0);
    await expect(f.guard('write')).rejects.toBeInstanceOf(LeaseLostError);
    f.stop();
  });
});
