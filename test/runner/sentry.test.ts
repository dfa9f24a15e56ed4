import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSentry } from '../../src/notify/sentry-loader.js';
import type { SentryReporter } from '../../src/notify/sentry-types.js';
import { runnerSentry } from '../../src/runner/sentry-bridge.js';
import {
  startSentryReceiver,
  type SentryReceiver,
} from '../../packages/forge-sandbox/src/receivers/sentry-receiver.js';
import { harness, ok, scriptedJob, type Behaviour, type Harness } from './harness.js';

/** The runner with the real @sentry/node SDK sending envelopes to a local ingest endpoint. */
describe('runner → Sentry', () => {
  let receiver: SentryReceiver;
  let reporter: SentryReporter;
  let h: Harness;
  const behaviour = { current: (async () => ok()) as Behaviour };

  beforeAll(async () => {
    receiver = await startSentryReceiver();
    reporter = await loadSentry({ dsn: receiver.dsn, environment: 'test' });
    h = await harness({
      jobs: [scriptedJob('bump', behaviour)],
      config: { jobs: { bump: { schedule: '0 * * * *', timezone: 'Europe/Berlin', timeoutSeconds: 900 } } },
      sentry: runnerSentry(reporter),
    });
  });
  afterAll(async () => {
    await h.close();
    await reporter.close(2000);
    await receiver.close();
  });

  it('sends check-ins in_progress then ok for a good scheduled run', async () => {
    receiver.clear();
    await h.runner.run('bump', { trigger: 'schedule' });
    await reporter.flush(30_000);
    const checkIns = receiver.checkIns();
    expect(checkIns.map((c) => c.status)).toEqual(['in_progress', 'ok']);
    expect(checkIns[0]?.monitor_slug).toContain('bump');
    expect(checkIns[0]?.monitor_config).toMatchObject({
      schedule: { type: 'crontab', value: '0 * * * *' },
      timezone: 'Europe/Berlin',
      max_runtime: 15,
    });
    expect(checkIns[1]?.check_in_id).toBe(checkIns[0]?.check_in_id);
    expect(receiver.events()).toHaveLength(0);
  });

  it('sends an event with the run tags and check-ins in_progress then error for a failed run', async () => {
    receiver.clear();
    behaviour.current = async () => {
      throw new Error('forge said 403 Forbidden');
    };
    const { run } = await h.runner.run('bump', { trigger: 'schedule' });
    await reporter.flush(30_000);
    expect(receiver.checkIns().map((c) => c.status)).toEqual(['in_progress', 'error']);
    const [event] = receiver.events();
    expect(event?.tags).toMatchObject({ job: 'bump', run_id: run.id, trigger: 'schedule', dry_run: 'false' });
    expect(JSON.stringify(event?.exception)).toContain('forge said 403 Forbidden');
  });

  it('marks the check-in as error when the job returns a failed result', async () => {
    receiver.clear();
    behaviour.current = async () => ({
      status: 'failed',
      summary: '1 of 2 components failed',
      actions: [],
      links: [],
    });
    await h.runner.run('bump', { trigger: 'schedule' });
    await reporter.flush(30_000);
    expect(receiver.checkIns().map((c) => c.status)).toEqual(['in_progress', 'error']);
    expect(JSON.stringify(receiver.events()[0])).toContain('1 of 2 components failed');
  });

  it('sends no check-in for a manual run', async () => {
    receiver.clear();
    behaviour.current = async () => ok();
    await h.runner.run('bump', { trigger: 'manual' });
    await reporter.flush(30_000);
    expect(receiver.checkIns()).toHaveLength(0);
  });
});
