import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import {
  startSlackWebApi,
  type SlackWebApiReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-web-api.js';
import { createSlackNotifier, SlackSendError } from '../../src/notify/slack.js';
import { SlackApiError } from '../../src/notify/slack-web-api.js';
import type { ThreadRecord, ThreadStore } from '../../src/notify/threads.js';
import type { NotifyMessage } from '../../src/notify/types.js';

/**
 * The notifier's incident conversations: the real `@slack/web-api` client against a local server
 * that answers like Slack's Web API (ok/ts/channel, channel_not_found, ratelimited with
 * Retry-After), and the webhook fallback against the local webhook receiver.
 */

const TOKEN = 'xoxb-1234-test-token';

function memoryThreads(): ThreadStore & { map: Map<string, ThreadRecord> } {
  const map = new Map<string, ThreadRecord>();
  return {
    map,
    get: async (key) => map.get(key),
    set: async (key, value) => void map.set(key, structuredClone(value)),
    delete: async (key) => void map.delete(key),
  };
}

function failed(n: number): NotifyMessage {
  return {
    title: `org/app main: pipeline #${n} failed`,
    severity: 'error',
    sections: [`test (stage test) failed in pipeline #${n}`],
    nextStep: 'Look at the failed job.',
    context: { job: 'report-pipeline-failures', runId: `run-${n}` },
  };
}

const recovered: NotifyMessage = {
  title: 'org/app main recovered: pipeline #9 passed',
  severity: 'success',
  context: { job: 'report-pipeline-failures', runId: 'run-9' },
};

describe('Slack incidents with a bot token (@slack/web-api against a local Web API)', () => {
  let api: SlackWebApiReceiver;
  beforeAll(async () => {
    api = await startSlackWebApi({ token: TOKEN, channels: { oncall: 'C0ONCALL' } });
  });
  afterAll(() => api.close());

  function notifier(threads: ThreadStore, extra: Record<string, unknown> = {}) {
    return createSlackNotifier({
      channels: { oncall: { channel: '#oncall' } },
      defaultChannel: 'oncall',
      dryRun: false,
      botToken: TOKEN,
      apiUrl: api.apiUrl,
      threads,
      retryBaseDelayMs: 1,
      runUrl: (id) => `https://bot.example.com/runs/${id}`,
      ...extra,
    });
  }

  it('opens one parent, replies in its thread with the count on the parent, and closes on recovery', async () => {
    const threads = memoryThreads();
    const slack = notifier(threads);
    const incident = { key: 'ref:gitlab:org/app:main' };
    const first = await slack.send('oncall', failed(1), { incident });
    expect(first).toMatchObject({ delivered: true, incident: 'parent' });
    await slack.send('oncall', failed(2), { incident });
    await slack.send('oncall', failed(3), { incident });

    const parents = api.parents('C0ONCALL');
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    expect(parent.ts).toBe(first.ts);
    expect(api.replies(parent.ts).map((m) => m.text.split('\n')[0])).toEqual([
      expect.stringContaining('pipeline #2 failed'),
      expect.stringContaining('pipeline #3 failed'),
    ]);
    // The parent says how it stands, and the phone notification says why.
    expect(parent.text).toContain('still failing (3)');
    expect(parent.text).toContain('test (stage test) failed in pipeline #1');
    expect(parent.history).toHaveLength(2);
    // Links back to the run page.
    expect(JSON.stringify(parent.blocks)).toContain('https://bot.example.com/runs/run-1');

    const done = await slack.send('oncall', recovered, { incident: { ...incident, resolved: true } });
    expect(done).toMatchObject({ delivered: true, incident: 'resolved' });
    expect(api.parents('C0ONCALL')).toHaveLength(1);
    expect(api.replies(parent.ts)).toHaveLength(3);
    expect(api.parents('C0ONCALL')[0]!.text).toContain('Recovered: org/app main: pipeline #1 failed');
    expect(threads.map.size).toBe(0);

    // A new incident on the same key is a new conversation.
    await slack.send('oncall', failed(10), { incident });
    expect(api.parents('C0ONCALL')).toHaveLength(2);
  });

  it('starts a new parent when the old one is gone (thread_not_found)', async () => {
    const threads = memoryThreads();
    const slack = notifier(threads);
    const incident = { key: 'ref:gitlab:org/app:gone' };
    const first = await slack.send('oncall', failed(50), { incident });
    api.failNext(1, { error: 'thread_not_found' });
    const next = await slack.send('oncall', failed(51), { incident });
    expect(next.incident).toBe('parent');
    expect(next.ts).not.toBe(first.ts);
    expect(threads.map.get('oncall:ref:gitlab:org/app:gone')?.ts).toBe(next.ts);
  });

  it('waits out a rate limit (429 ratelimited, Retry-After) and fails at once on channel_not_found', async () => {
    const slack = notifier(memoryThreads());
    api.failNext(1, { error: 'ratelimited', retryAfterSeconds: 1 });
    const before = api.requests.length;
    const sent = await slack.send('oncall', failed(20));
    expect(sent.delivered).toBe(true);
    expect(api.requests.slice(before).map((r) => r.status)).toEqual([429, 200]);

    const unknown = createSlackNotifier({
      channels: { nowhere: { channel: 'C0MISSING' } },
      dryRun: false,
      botToken: TOKEN,
      apiUrl: api.apiUrl,
      retryBaseDelayMs: 1,
    });
    const error = await unknown.send('nowhere', failed(21)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackApiError);
    expect((error as SlackApiError).failure.code).toBe('channel_not_found');
    expect((error as SlackApiError).attempts).toBe(1);
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });

  it('falls back to the webhook when the bot cannot post to the channel', async () => {
    const hooks = await startSlackReceiver();
    try {
      const slack = createSlackNotifier({
        channels: { oncall: { channel: 'C0MISSING', webhookUrl: hooks.url('oncall') } },
        dryRun: false,
        botToken: TOKEN,
        apiUrl: api.apiUrl,
        retryBaseDelayMs: 1,
      });
      await slack.send('oncall', failed(30));
      expect(hooks.messagesTo('oncall')).toHaveLength(1);
    } finally {
      await hooks.close();
    }
  });
});

describe('Slack incidents with webhooks only', () => {
  let hooks: SlackReceiver;
  beforeAll(async () => {
    hooks = await startSlackReceiver();
  });
  afterAll(() => hooks.close());

  it('posts one message per incident and "still failing (n)" at most once an hour, then the recovery', async () => {
    let now = Date.parse('2026-12-04T10:00:00Z');
    const threads = memoryThreads();
    const slack = createSlackNotifier({
      channels: { oncall: { webhookUrl: hooks.url('oncall') } },
      dryRun: false,
      threads,
      now: () => new Date(now),
    });
    const incident = { key: 'ref:gitlab:org/app:main' };
    await slack.send('oncall', failed(1), { incident });
    now += 20 * 60_000;
    expect((await slack.send('oncall', failed(2), { incident })).incident).toBe('held');
    now += 20 * 60_000;
    expect((await slack.send('oncall', failed(3), { incident })).incident).toBe('held');
    expect(hooks.messagesTo('oncall')).toHaveLength(1);

    now += 30 * 60_000;
    const update = await slack.send('oncall', failed(4), { incident });
    expect(update.incident).toBe('update');
    const texts = hooks.messagesTo('oncall').map((m) => m.payload.text ?? '');
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('still failing (4)');
    // The fallback text carries the reason, not only the title.
    expect(texts[1]).toContain('test (stage test) failed in pipeline #4');

    await slack.send('oncall', recovered, { incident: { ...incident, resolved: true } });
    expect(hooks.messagesTo('oncall')).toHaveLength(3);
    expect(threads.map.size).toBe(0);
  });

  it('still reports a webhook failure as a SlackSendError', async () => {
    const slack = createSlackNotifier({
      channels: { oncall: { webhookUrl: hooks.url('oncall') } },
      dryRun: false,
      threads: memoryThreads(),
      retries: 0,
    });
    hooks.failNext(1, { status: 404 });
    await expect(slack.send('oncall', failed(40), { incident: { key: 'x' } })).rejects.toBeInstanceOf(
      SlackSendError,
    );
  });
});
