import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import {
  startSlackWebApi,
  type SlackWebApiReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-web-api.js';
import { registerSecret } from '../../src/secrets/masker.js';
import { createSlackNotifier } from '../../src/notify/slack.js';
import type { ThreadRecord, ThreadStore } from '../../src/notify/threads.js';
import type { NotifyMessage, ProgressRef } from '../../src/notify/types.js';

/**
 * The notifier's progress conversations (SendOptions.progress): with a bot token one parent per
 * subject, each step a reply in its thread with the parent updated to the job's summary; with
 * webhooks one message per step. A step said before is not said again; a deleted parent starts
 * afresh; secrets stay masked in the parent and in what the thread store keeps.
 */

const TOKEN = 'xoxb-77-progress-test';
const SECRET = 'glpat-progress-secret-0123456789';
const ENVS = ['gstg-cny', 'gprd-cny', 'gstg', 'gprd'];

function memoryThreads(): ThreadStore & { map: Map<string, ThreadRecord> } {
  const map = new Map<string, ThreadRecord>();
  return {
    map,
    get: async (key) => structuredClone(map.get(key)),
    set: async (key, value) => void map.set(key, structuredClone(value)),
    delete: async (key) => void map.delete(key),
  };
}

function step(i: number, key = 'bump:gitaly:12'): { message: NotifyMessage; progress: ProgressRef } {
  const env = ENVS[i]!;
  const last = i === ENVS.length - 1;
  return {
    message: {
      title: `gitaly bump MR org/app!12 reached ${env} (${i + 1}/4)`,
      severity: 'info',
      context: { job: 'follow-deployments', runId: `run-${i}` },
    },
    progress: {
      key,
      step: `arrival:${env}#${i + 40}`,
      summary: {
        title: last
          ? 'gitaly bump MR org/app!12: on production since 2026-12-04 20:00 UTC (gprd)'
          : `gitaly bump MR org/app!12: on ${env} (${i + 1}/4)`,
        severity: last ? 'success' : 'info',
        context: { job: 'follow-deployments', runId: `run-${i}` },
      },
    },
  };
}

describe('Slack progress with a bot token', () => {
  let api: SlackWebApiReceiver;
  beforeAll(async () => {
    registerSecret(SECRET);
    api = await startSlackWebApi({ token: TOKEN, channels: { releases: 'C0RELEASES' } });
  });
  afterAll(() => api.close());
  beforeEach(() => {
    api.messages.length = 0;
    api.requests.length = 0;
  });

  function notifier(threads: ThreadStore, dryRun = false) {
    return createSlackNotifier({
      channels: { releases: { channel: '#releases' } },
      defaultChannel: 'releases',
      dryRun,
      botToken: TOKEN,
      apiUrl: api.apiUrl,
      threads,
      retryBaseDelayMs: 1,
    });
  }

  it('one parent per subject, one reply per step, the parent updated to the latest summary', async () => {
    const threads = memoryThreads();
    const slack = notifier(threads);
    const sent = [];
    for (let i = 0; i < ENVS.length; i++) {
      const { message, progress } = step(i);
      sent.push(await slack.send('releases', message, { progress }));
    }
    expect(sent.map((s) => s.progress)).toEqual(['opened', 'reply', 'reply', 'reply']);
    const parents = api.parents('C0RELEASES');
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    expect(parent.text).toContain('on production since 2026-12-04 20:00 UTC');
    // Posted as "on gstg-cny (1/4)", then updated once per later step.
    expect(parent.history.map((h) => h.text.split('\n')[0])).toEqual([
      expect.stringContaining('on gstg-cny (1/4)'),
      expect.stringContaining('on gprd-cny (2/4)'),
      expect.stringContaining('on gstg (3/4)'),
    ]);
    expect(api.replies(parent.ts).map((m) => m.text.split('\n')[0])).toEqual(
      ENVS.map((env) => expect.stringContaining(`reached ${env}`)),
    );
    expect(api.requests.filter((r) => r.method === 'chat.update')).toHaveLength(3);
    // A second subject has a conversation of its own.
    await slack.send('releases', step(0, 'bump:shell:13').message, {
      progress: step(0, 'bump:shell:13').progress,
    });
    expect(api.parents('C0RELEASES')).toHaveLength(2);
  });

  it('a step said before (a run killed before it recorded it) is not said again; the parent is brought up to date', async () => {
    const threads = memoryThreads();
    const slack = notifier(threads);
    await slack.send('releases', step(0).message, { progress: step(0).progress });
    await slack.send('releases', step(1).message, { progress: step(1).progress });
    const again = await notifier(threads).send('releases', step(1).message, {
      progress: { ...step(1).progress, summary: step(3).progress.summary },
    });
    expect(again).toMatchObject({ delivered: true, progress: 'said' });
    const parent = api.parents('C0RELEASES')[0]!;
    expect(api.replies(parent.ts)).toHaveLength(2);
    expect(parent.text).toContain('on production since');
    expect([...threads.map.values()][0]!.steps).toEqual(['arrival:gstg-cny#40', 'arrival:gprd-cny#41']);
  });

  it('a parent someone deleted: the next step starts afresh with a new parent', async () => {
    const threads = memoryThreads();
    const slack = notifier(threads);
    await slack.send('releases', step(0).message, { progress: step(0).progress });
    api.failNext(1, { error: 'thread_not_found' });
    const sent = await slack.send('releases', step(1).message, { progress: step(1).progress });
    expect(sent.progress).toBe('opened');
    const parents = api.parents('C0RELEASES');
    expect(parents).toHaveLength(2);
    expect(parents[1]!.text).toContain('on gprd-cny (2/4)');
    expect(api.replies(parents[1]!.ts)).toHaveLength(1);
  });

  it('secrets stay masked in the parent, its updates and the thread store', async () => {
    const threads = memoryThreads();
    const slack = notifier(threads);
    const leak = (i: number) => {
      const s = step(i);
      return { ...s.progress, summary: { ...s.progress.summary, sections: [`token ${SECRET}`] } };
    };
    await slack.send('releases', step(0).message, { progress: leak(0) });
    await slack.send('releases', step(1).message, { progress: leak(1) });
    const everything = JSON.stringify([api.requests, [...threads.map.values()]]);
    expect(everything).not.toContain(SECRET);
    expect(api.parents('C0RELEASES')[0]!.text).toContain('token [MASKED]');
  });

  it('a dry run posts nothing and remembers nothing', async () => {
    const threads = memoryThreads();
    const sent = await notifier(threads, true).send('releases', step(0).message, {
      progress: step(0).progress,
    });
    expect(sent.delivered).toBe(false);
    expect(api.requests).toEqual([]);
    expect(threads.map.size).toBe(0);
  });
});

describe('Slack progress with webhooks only', () => {
  let hooks: SlackReceiver;
  beforeAll(async () => {
    hooks = await startSlackReceiver();
  });
  afterAll(() => hooks.close());

  it('one message per step (no thread to reply in); a step said before is not said again', async () => {
    const threads = memoryThreads();
    const slack = createSlackNotifier({
      channels: { releases: { webhookUrl: hooks.url('releases') } },
      dryRun: false,
      threads,
      retryBaseDelayMs: 1,
    });
    for (let i = 0; i < ENVS.length; i++) {
      const { message, progress } = step(i);
      expect((await slack.send('releases', message, { progress })).progress).toBe('message');
    }
    expect((await slack.send('releases', step(2).message, { progress: step(2).progress })).progress).toBe(
      'said',
    );
    expect(hooks.messagesTo('releases').map((m) => m.payload.text?.split('\n')[0])).toEqual(
      ENVS.map((env) => expect.stringContaining(`reached ${env}`)),
    );
  });
});
