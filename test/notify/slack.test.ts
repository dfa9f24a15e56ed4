import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createSlackNotifier, SlackSendError, type SlackNotifierOptions } from '../../src/notify/slack.js';
import type { NotifyLogger, NotifyMessage } from '../../src/notify/types.js';
import { registerSecret } from '../../src/secrets/masker.js';
import { activeMentions, validateBlockKit } from '../../packages/forge-sandbox/src/receivers/block-kit.js';
import { assertNoCanary, canaryToken } from '../support/canary.js';
import { startLocalServer } from '../../packages/forge-sandbox/src/receivers/local-server.js';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';

const message: NotifyMessage = {
  title: 'gitaly bump MR pipeline failed: fix <!channel> & <@U123> @here',
  severity: 'error',
  fields: [{ label: 'Project', value: 'org/gitlab' }],
  items: ['rspec <!here>'],
  links: [{ text: 'Pipeline', url: 'https://gitlab.example/pipelines/9' }],
  nextStep: 'Revert the component change',
  context: { job: 'report-pipeline-failures', runId: 'run-1' },
};

function recordingLogger(): NotifyLogger & { lines: unknown[] } {
  const lines: unknown[] = [];
  const log = (obj: object, msg?: string): void => {
    lines.push({ ...obj, msg });
  };
  return { lines, debug: log, info: log, warn: log };
}

describe('Slack notifier (real @slack/webhook → local receiver)', () => {
  let slack: SlackReceiver;
  // The token part of a real webhook URL is what an attacker wants: make it a canary.
  const hookToken = canaryToken('hook');
  let options: SlackNotifierOptions;

  beforeAll(async () => {
    slack = await startSlackReceiver();
  });
  afterAll(() => slack.close());
  beforeEach(() => {
    slack.clear();
    options = {
      channels: {
        oncall: { webhookUrl: slack.url(`T000/B000/${hookToken}`), mention: '<!subteam^S0ONCALL>' },
        releases: { webhookUrl: slack.url('T000/B111/releases') },
      },
      defaultChannel: 'releases',
      dryRun: false,
      retryBaseDelayMs: 5,
    };
  });

  it('posts text and valid Block Kit to the channel webhook, with the channel mention', async () => {
    const notifier = createSlackNotifier(options);
    const sent = await notifier.send('oncall', message);
    expect(sent).toMatchObject({ channel: 'oncall', delivered: true });
    expect(notifier.sent).toEqual([sent]);

    expect(slack.messages).toHaveLength(1);
    const [received] = slack.messagesTo(`T000/B000/${hookToken}`);
    expect(validateBlockKit(received?.payload)).toEqual([]);
    expect(received?.payload.text).toContain('gitaly bump MR pipeline failed');
    expect(received?.payload.text).toBe(sent.text);
    expect(activeMentions(received?.payload)).toEqual(['<!subteam^S0ONCALL>', '<!subteam^S0ONCALL>']);
    expect(slack.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it("uses the default channel, and a message's own mention over the channel's", async () => {
    const notifier = createSlackNotifier(options);
    await notifier.send(undefined, message);
    await notifier.send('oncall', { ...message, mention: '@release-managers' });
    expect(slack.messages.map((m) => m.channel)).toEqual(['T000/B111/releases', `T000/B000/${hookToken}`]);
    expect(activeMentions(slack.messages[0]?.payload)).toEqual([]);
    expect(slack.messages[1]?.payload).toMatchObject({ link_names: true });
    expect(slack.messages[1]?.payload.text?.split('\n')[1]).toBe('@release-managers');
  });

  it('sends nothing in dry-run but records the message', async () => {
    const notifier = createSlackNotifier({ ...options, dryRun: true });
    const sent = await notifier.send('oncall', message);
    expect(sent).toMatchObject({ channel: 'oncall', delivered: false });
    expect(sent.text).toContain('Next step: Revert the component change');
    expect(notifier.sent).toHaveLength(1);
    expect(slack.requests).toEqual([]);
  });

  it('records but does not deliver when Slack is not configured', async () => {
    const notifier = createSlackNotifier({ channels: {}, dryRun: false });
    expect(await notifier.send('oncall', message)).toMatchObject({ channel: 'oncall', delivered: false });
    expect(slack.requests).toEqual([]);
  });

  it('refuses unknown channels and bad config with a ConfigError naming the path', async () => {
    const notifier = createSlackNotifier(options);
    await expect(notifier.send('nope', message)).rejects.toThrow(
      new ConfigError('slack.channels.nope: unknown Slack channel "nope" (configured: oncall, releases)'),
    );
    const noDefault = createSlackNotifier({ ...options, defaultChannel: undefined });
    await expect(noDefault.send(undefined, message)).rejects.toBeInstanceOf(ConfigError);
    expect(() => createSlackNotifier({ ...options, defaultChannel: 'ghost' })).toThrow(
      /slack.defaultChannel/,
    );
    expect(() =>
      createSlackNotifier({ channels: { x: { webhookUrl: `ftp://hooks/${hookToken}` } }, dryRun: false }),
    ).toThrow(new ConfigError('slack.channels.x.webhookUrl: must be an http(s) URL'));
    expect(slack.requests).toEqual([]);
  });

  it('honours Retry-After on 429 and then delivers', async () => {
    slack.failNext(1, { status: 429, retryAfterSeconds: 1 });
    const logger = recordingLogger();
    const notifier = createSlackNotifier({ ...options, logger });
    const started = Date.now();
    await expect(notifier.send('oncall', message)).resolves.toMatchObject({ delivered: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(slack.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(slack.messages).toHaveLength(1);
    expect(logger.lines).toContainEqual(expect.objectContaining({ status: 429, waitMs: 1000, attempt: 1 }));
    assertNoCanary(hookToken, logger.lines, 'logs');
  });

  it('retries 5xx with backoff and then delivers', async () => {
    slack.failNext(2, { status: 500 });
    const notifier = createSlackNotifier(options);
    await expect(notifier.send('oncall', message)).resolves.toMatchObject({ delivered: true });
    expect(slack.requests.map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('gives up after the retries with an error that never shows the webhook URL', async () => {
    slack.failNext(10, { status: 503 });
    const notifier = createSlackNotifier({ ...options, retries: 2 });
    const error = await notifier.send('oncall', message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackSendError);
    expect(error).toMatchObject({ channel: 'oncall', status: 503, attempts: 3, transient: true });
    expect((error as Error).message).toBe(
      'slack: sending to channel "oncall" failed after 3 attempts: HTTP 503 service_unavailable',
    );
    expect(slack.requests).toHaveLength(3);
    expect(notifier.sent).toEqual([]);
    assertNoCanary(hookToken, [error], 'the error');
  });

  it('does not retry a permanent failure (404 no_service, 400 invalid_blocks)', async () => {
    slack.failNext(1, { status: 404 });
    const notifier = createSlackNotifier(options);
    await expect(notifier.send('oncall', message)).rejects.toMatchObject({
      message: 'slack: sending to channel "oncall" failed after 1 attempt: HTTP 404 no_service',
      status: 404,
      transient: false,
    });
    expect(slack.requests).toHaveLength(1);
  });

  it('fails at once when Retry-After is longer than allowed', async () => {
    slack.failNext(1, { status: 429, retryAfterSeconds: 3600 });
    const notifier = createSlackNotifier(options);
    await expect(notifier.send('oncall', message)).rejects.toThrow(
      /Retry-After 3600 s is longer than allowed/,
    );
    expect(slack.requests).toHaveLength(1);
  });

  it('retries network errors and reports them without the URL', async () => {
    // A port that just stopped listening: connection refused.
    const gone = await startLocalServer(() => undefined);
    await gone.close();
    const url = `${gone.baseUrl}/services/T000/B000/${hookToken}`;
    const notifier = createSlackNotifier({
      channels: { oncall: { webhookUrl: url } },
      dryRun: false,
      retries: 1,
      retryBaseDelayMs: 5,
    });
    const error = await notifier.send('oncall', message).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SlackSendError', attempts: 2, transient: true, status: undefined });
    expect((error as Error).message).toMatch(/failed after 2 attempts: request error ECONNREFUSED/);
    assertNoCanary(hookToken, [error], 'the error');
    expect((error as Error).message).not.toContain(gone.baseUrl);
  });

  it('times out a webhook that never answers', async () => {
    const silent = await startLocalServer(() => undefined);
    const url = `${silent.baseUrl}/services/T000/B000/${hookToken}`;
    const notifier = createSlackNotifier({
      channels: { oncall: { webhookUrl: url } },
      dryRun: false,
      retries: 0,
      timeoutMs: 100,
    });
    await expect(notifier.send('oncall', message)).rejects.toMatchObject({
      message: 'slack: sending to channel "oncall" failed after 1 attempt: request timed out',
      transient: true,
    });
    await silent.close();
  });

  it('masks registered secrets in what it sends and records', async () => {
    const token = canaryToken('glpat');
    registerSecret(token);
    const notifier = createSlackNotifier(options);
    await notifier.send('oncall', {
      ...message,
      title: `clone with ${token} failed`,
      sections: [`fatal: ${token}`],
    });
    assertNoCanary(token, [slack.requests.map((r) => r.body), notifier.sent], 'Slack payloads');
    expect(slack.messages[0]?.payload.text).toContain('clone with [MASKED] failed');
  });
});
