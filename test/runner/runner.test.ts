import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, LeaseHeldError, TransientError, UsageError } from '../../src/errors.js';
import type { ResultStatus } from '../../src/runner/job.js';
import { validateBlockKit } from '../../packages/forge-sandbox/src/receivers/block-kit.js';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import { harness, ok, scriptedJob, type Behaviour, type Harness } from './harness.js';

describe('runner', () => {
  let h: Harness | undefined;
  let slack: SlackReceiver | undefined;
  afterEach(async () => {
    await h?.close();
    await slack?.close();
    h = undefined;
    slack = undefined;
  });

  it('records each result status with its summary, trigger and dry-run flag', async () => {
    const behaviour = { current: (async () => ok()) as Behaviour };
    h = await harness({ jobs: [scriptedJob('j', behaviour)], config: { jobs: { j: {} } } });
    for (const status of ['ok', 'noop', 'skipped', 'failed'] as ResultStatus[]) {
      behaviour.current = async (ctx) => ({
        status,
        summary: `${status} ${ctx.dryRun}`,
        actions: [],
        links: [],
      });
      const { run } = await h.runner.run('j', { trigger: 'manual', dryRun: status === 'noop' });
      expect(run).toMatchObject({
        status,
        summary: `${status} ${status === 'noop'}`,
        trigger: 'manual',
        attempts: 1,
      });
    }
    const history = await h.store.listRuns({ job: 'j' });
    expect(history.map((r) => r.status)).toEqual(['failed', 'skipped', 'noop', 'ok']);
    expect(history[2]?.dryRun).toBe(true);
    expect(history[0]?.logs.some((l) => l.includes('run started'))).toBe(true);
  });

  it('fails a run at its timeout, even when the job ignores the abort signal', async () => {
    const behaviour = { current: (() => new Promise(() => undefined)) as Behaviour };
    h = await harness({
      jobs: [scriptedJob('slow', behaviour)],
      config: { jobs: { slow: { timeoutSeconds: 0.2 } } },
    });
    // The job never settles: that the run returns at all is the timeout at work.
    const { run } = await h.runner.run('slow', { trigger: 'manual' });
    expect(run.status).toBe('failed');
    expect(run.error).toContain('timed out after 0.2s');
    // the lease is released: the next run is not refused
    behaviour.current = async () => ok();
    expect((await h.runner.run('slow', { trigger: 'manual' })).run.status).toBe('ok');
  });

  it('retries transient failures honouring Retry-After, never a non-transient one', async () => {
    let calls = 0;
    const behaviour = {
      current: (async () => {
        calls++;
        if (calls < 3) throw new TransientError('502 from forge', 150);
        return ok('third time');
      }) as Behaviour,
    };
    h = await harness({
      jobs: [scriptedJob('flaky', behaviour)],
      config: { jobs: { flaky: { retries: 3 } } },
    });
    const started = Date.now();
    const { run } = await h.runner.run('flaky', { trigger: 'manual' });
    expect(run).toMatchObject({ status: 'ok', attempts: 3, summary: 'third time' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);

    calls = 0;
    behaviour.current = async () => {
      calls++;
      throw new Error('422 validation failed');
    };
    const failed = await h.runner.run('flaky', { trigger: 'manual' });
    expect(failed.run).toMatchObject({ status: 'failed', attempts: 1, error: '422 validation failed' });
    expect(calls).toBe(1);

    calls = 0;
    behaviour.current = async () => {
      calls++;
      throw new TransientError('still down');
    };
    const exhausted = await h.runner.run('flaky', { trigger: 'manual' });
    expect(exhausted.run).toMatchObject({ status: 'failed', attempts: 4 });
    expect(calls).toBe(4);
  });

  it('refuses an overlapping run and records the refusal', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running!: () => void;
    const started = new Promise<void>((r) => (running = r));
    const behaviour = {
      current: (async () => {
        running();
        await gate;
        return ok();
      }) as Behaviour,
    };
    h = await harness({ jobs: [scriptedJob('j', behaviour)], config: { jobs: { j: {} } } });
    const first = h.runner.run('j', { trigger: 'schedule' });
    // The job runs, so the first run holds the lease (however slowly the machine got here).
    await started;
    await expect(h.runner.run('j', { trigger: 'manual' })).rejects.toBeInstanceOf(LeaseHeldError);
    release();
    expect((await first).run.status).toBe('ok');
    const statuses = (await h.store.listRuns({ job: 'j' })).map((r) => r.status).sort();
    expect(statuses).toEqual(['ok', 'refused']);
  });

  it('aborts a run on shutdown and records it as aborted', async () => {
    let running!: () => void;
    const started = new Promise<void>((r) => (running = r));
    const behaviour = {
      current: ((ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          running();
        })) as Behaviour,
    };
    h = await harness({ jobs: [scriptedJob('j', behaviour)], config: { jobs: { j: {} } } });
    const shutdown = new AbortController();
    const pending = h.runner.run('j', { trigger: 'schedule', signal: shutdown.signal });
    await started;
    shutdown.abort();
    const { run } = await pending;
    expect(run.status).toBe('aborted');
    expect(run.error).toBe(new AbortedError('aborted by shutdown').message);
  });

  it('marks a run left running by a dead process as aborted when the job next runs', async () => {
    const behaviour = { current: (async () => ok()) as Behaviour };
    h = await harness({ jobs: [scriptedJob('j', behaviour)], config: { jobs: { j: {} } } });
    await h.store.insertRun({
      id: 'dead-run',
      job: 'j',
      trigger: 'schedule',
      dryRun: false,
      status: 'running',
      startedAt: new Date(Date.now() - 60_000).toISOString(),
      finishedAt: null,
      durationMs: null,
      summary: '',
      error: null,
      attempts: 1,
      slot: null,
      holder: 'gone:1',
      result: null,
      logs: [],
    });
    await h.runner.run('j', { trigger: 'manual' });
    expect((await h.store.getRun('dead-run'))?.status).toBe('aborted');
  });

  it('rejects an unknown job with a suggestion and bad job options with their path', async () => {
    const behaviour = { current: (async () => ok()) as Behaviour };
    h = await harness({
      jobs: [scriptedJob('update-component', behaviour)],
      config: { jobs: { 'update-component': {} } },
    });
    await expect(h.runner.run('update-componnet', { trigger: 'manual' })).rejects.toThrow(
      /unknown job "update-componnet" \(did you mean "update-component"\?\)/,
    );
    await expect(h.runner.run('nope', { trigger: 'manual' })).rejects.toBeInstanceOf(UsageError);
  });

  it('alerts Slack once per failure streak and once on recovery', async () => {
    slack = await startSlackReceiver();
    let fail = true;
    const behaviour = {
      current: (async () =>
        fail
          ? { status: 'failed', summary: 'MR pipeline red', actions: [], links: [] }
          : ok('green again')) as Behaviour,
    };
    h = await harness({
      jobs: [scriptedJob('j', behaviour)],
      config: { jobs: { j: {} } },
      slackUrl: slack.url('ops'),
    });
    for (let i = 0; i < 3; i++) await h.runner.run('j', { trigger: 'schedule' });
    fail = false;
    await h.runner.run('j', { trigger: 'schedule' });
    await h.runner.run('j', { trigger: 'schedule' });
    const texts = slack.messages.map((m) => m.payload.text);
    expect(texts).toHaveLength(2);
    for (const m of slack.messages) expect(validateBlockKit(m.payload)).toEqual([]);
    expect(texts[0]).toContain('j failed');
    expect(texts[1]).toContain('j recovered');
    expect(JSON.stringify(slack.messages[1]?.payload.blocks)).toContain('after 3 failed runs');
  });

  it('sends nothing to Slack for a dry run', async () => {
    slack = await startSlackReceiver();
    const behaviour = {
      current: (async (ctx) => {
        await ctx.notifier.send(undefined, { title: 'hello', severity: 'info', context: { job: 'j' } });
        return { status: 'failed', summary: 'x', actions: [], links: [] };
      }) as Behaviour,
    };
    h = await harness({
      jobs: [scriptedJob('j', behaviour)],
      config: { jobs: { j: {} } },
      slackUrl: slack.url('ops'),
    });
    await h.runner.run('j', { trigger: 'manual', dryRun: true });
    expect(slack.requests).toHaveLength(0);
  });
});
