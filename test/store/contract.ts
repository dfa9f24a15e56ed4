import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord, Store } from '../../src/store/types.js';

/**
 * The behaviour every Store must have. Each backend's test file calls this with a factory that
 * returns a fresh, empty store.
 */

export function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: `r-${Math.random().toString(36).slice(2, 10)}`,
    job: 'job-a',
    trigger: 'manual',
    dryRun: false,
    status: 'running',
    startedAt: new Date().toISOString(),
    finishedAt: null,
    durationMs: null,
    summary: '',
    error: null,
    attempts: 0,
    slot: null,
    holder: 'host:1',
    result: null,
    logs: [],
    ...overrides,
  };
}

export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
    });

    it('migrates idempotently', async () => {
      await store.migrate();
      await store.migrate();
    });

    it('records runs and lists them newest first, filtered', async () => {
      const a = run({ startedAt: '2026-01-01T00:00:00.000Z' });
      const b = run({ startedAt: '2026-01-02T00:00:00.000Z', job: 'job-b' });
      const c = run({ startedAt: '2026-01-03T00:00:00.000Z' });
      for (const r of [a, b, c]) await store.insertRun(r);
      await store.updateRun(a.id, {
        status: 'ok',
        summary: 'done',
        finishedAt: '2026-01-01T00:00:01.000Z',
        durationMs: 1000,
        result: { status: 'ok', actions: [{ kind: 'x', description: 'y', done: true }] },
        logs: ['line 1'],
        attempts: 2,
      });
      const got = await store.getRun(a.id);
      expect(got).toMatchObject({
        status: 'ok',
        summary: 'done',
        durationMs: 1000,
        attempts: 2,
        logs: ['line 1'],
      });
      expect((got?.result as { actions: unknown[] }).actions).toHaveLength(1);
      expect((await store.listRuns()).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
      expect((await store.listRuns({ job: 'job-a' })).map((r) => r.id)).toEqual([c.id, a.id]);
      expect((await store.listRuns({ job: 'job-a', limit: 1 })).map((r) => r.id)).toEqual([c.id]);
      expect((await store.listRuns({ status: 'ok' })).map((r) => r.id)).toEqual([a.id]);
      expect((await store.listRuns({ before: c.startedAt })).map((r) => r.id)).toEqual([b.id, a.id]);
      const light = await store.listRuns({ job: 'job-a', status: 'ok', withoutLogs: true });
      expect(light[0]).toMatchObject({ id: a.id, summary: 'done', logs: [] });
      expect(await store.getRun('missing')).toBeNull();
    });

    it('keeps the last finished run per job', async () => {
      const a = run();
      await store.insertRun(a);
      expect(await store.lastRuns()).toEqual({});
      await store.updateRun(a.id, { status: 'failed', error: 'boom' });
      const b = run();
      await store.insertRun(b);
      expect((await store.lastRuns())['job-a']?.id).toBe(a.id);
      await store.updateRun(b.id, { status: 'ok' });
      expect((await store.lastRuns())['job-a']?.id).toBe(b.id);
    });

    it('aborts runs left running by a dead process', async () => {
      const a = run();
      const other = run({ job: 'job-b' });
      await store.insertRun(a);
      await store.insertRun(other);
      expect(await store.abortStaleRuns('job-a', 'process died')).toBe(1);
      expect(await store.getRun(a.id)).toMatchObject({ status: 'aborted', error: 'process died' });
      expect((await store.getRun(other.id))?.status).toBe('running');
    });

    it('grants a lease to one holder until it expires or is released', async () => {
      expect(await store.acquireLease('job:x', 'h1', 60_000)).toBe(true);
      expect(await store.acquireLease('job:x', 'h2', 60_000)).toBe(false);
      expect(await store.acquireLease('job:x', 'h1', 60_000)).toBe(true);
      expect((await store.getLease('job:x'))?.holder).toBe('h1');
      expect(await store.renewLease('job:x', 'h2', 60_000)).toBe(false);
      expect(await store.renewLease('job:x', 'h1', 60_000)).toBe(true);
      await store.releaseLease('job:x', 'h2');
      expect(await store.acquireLease('job:x', 'h2', 60_000)).toBe(false);
      await store.releaseLease('job:x', 'h1');
      expect(await store.getLease('job:x')).toBeNull();
      expect(await store.acquireLease('job:x', 'h2', 50)).toBe(true);
      await new Promise((r) => setTimeout(r, 80));
      expect(await store.getLease('job:x')).toBeNull();
      expect(await store.acquireLease('job:x', 'h3', 60_000)).toBe(true);
      expect(await store.renewLease('job:x', 'h2', 60_000)).toBe(false);
    });

    it('lets exactly one claimant take a slot, even concurrently', async () => {
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.claimSlot('job-a:2026-01-01T00:00:00.000Z', `h${i}`)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claimSlot('job-a:2026-01-01T00:01:00.000Z', 'h1')).toBe(true);
    });

    it('keeps per-job state', async () => {
      expect(await store.getState('job-a', 'cursor')).toBeUndefined();
      await store.setState('job-a', 'cursor', { id: 5 });
      await store.setState('job-a', 'reported:1', true);
      await store.setState('job-a', 'reported:2', true);
      await store.setState('job-b', 'reported:3', true);
      expect(await store.getState('job-a', 'cursor')).toEqual({ id: 5 });
      expect((await store.listState('job-a', 'reported:')).map((e) => e.key)).toEqual([
        'reported:1',
        'reported:2',
      ]);
      await store.deleteState('job-a', 'cursor');
      expect(await store.getState('job-a', 'cursor')).toBeUndefined();
      await store.setState('job-a', 'reported:1', false);
      expect(await store.getState('job-a', 'reported:1')).toBe(false);
    });
  });
}
