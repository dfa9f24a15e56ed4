import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_THREADS, type ThreadRecord } from '../../../src/notify/threads.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/**
 * The heartbeat forgets Slack progress conversations nothing was said in for 30 days (a bump
 * settled long ago); recent ones and incidents (open until their recovery) stay; a dry run lists
 * what it would forget and forgets nothing.
 */

const DAY = 86_400_000;

function record(lastPostMs: number, progress: boolean): ThreadRecord {
  const at = new Date(lastPostMs).toISOString();
  return {
    mode: 'thread',
    channelId: 'C0RELEASES',
    ts: '1.2',
    count: 1,
    openedAt: at,
    lastPostAt: at,
    parent: { title: 'gitaly bump', severity: 'info', context: { job: 'follow-deployments' } },
    ...(progress ? { steps: ['gstg'] } : {}),
  };
}

describe('heartbeat housekeeping', () => {
  let h: JobHarness;
  beforeAll(async () => {
    h = await jobHarness({ jobsConfig: () => ({ heartbeat: {} }) });
  });
  afterAll(() => h?.close());

  it('forgets settled progress conversations only, and only in a real run', async () => {
    const now = h.sim.clock.nowMs(); // the bot's clock in the harness
    const store = h.app.store;
    await store.setState(SLACK_THREADS, 'releases:bump:old', record(now - 40 * DAY, true));
    await store.setState(SLACK_THREADS, 'releases:bump:recent', record(now - 2 * DAY, true));
    await store.setState(SLACK_THREADS, 'oncall:ref:broken', record(now - 90 * DAY, false));
    const keys = async () => (await store.listState(SLACK_THREADS)).map((r) => r.key).sort();

    const dry = await h.run('heartbeat', { dryRun: true });
    expect(dry.result?.actions.map((a) => [a.kind, a.done])).toEqual([['forget-conversation', false]]);
    expect(await keys()).toEqual(['oncall:ref:broken', 'releases:bump:old', 'releases:bump:recent']);

    const real = await h.run('heartbeat');
    expect(real.result?.actions.map((a) => [a.kind, a.done, a.description])).toEqual([
      ['forget-conversation', true, expect.stringContaining('releases:bump:old')],
    ]);
    expect(await keys()).toEqual(['oncall:ref:broken', 'releases:bump:recent']);
    expect((await h.run('heartbeat')).result?.actions).toEqual([]);
  });
});
