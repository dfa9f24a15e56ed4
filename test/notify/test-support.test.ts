import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeMentions, validateBlockKit } from '../../packages/forge-sandbox/src/receivers/block-kit.js';
import { assertNoCanary, canaryToken, findCanary } from '../support/canary.js';
import {
  parseEnvelope,
  startSentryReceiver,
  type SentryReceiver,
} from '../../packages/forge-sandbox/src/receivers/sentry-receiver.js';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('validateBlockKit', () => {
  it('accepts a well-formed message', () => {
    expect(
      validateBlockKit({
        text: 'fallback',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Title', emoji: true } },
          section('body'),
          { type: 'section', fields: [{ type: 'mrkdwn', text: '*a*\nb' }] },
          { type: 'divider' },
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                text: { type: 'plain_text', text: 'Open' },
                url: 'https://x.example',
                action_id: 'a',
              },
            ],
          },
          { type: 'context', elements: [{ type: 'mrkdwn', text: 'job `x`' }] },
        ],
      }),
    ).toEqual([]);
  });

  it('names every broken limit and shape', () => {
    const button = (i: number, extra: object = {}) => ({
      type: 'button',
      text: { type: 'plain_text', text: `b${i}` },
      action_id: `a${i}`,
      ...extra,
    });
    const problems = validateBlockKit({
      blocks: [
        { type: 'header', text: { type: 'mrkdwn', text: 'h'.repeat(151) } },
        section('s'.repeat(3001)),
        { type: 'section' },
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
        { type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] },
        { type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(i)) },
        {
          type: 'actions',
          elements: [
            button(0),
            button(100, { text: { type: 'plain_text', text: 'b'.repeat(76) }, url: 'javascript:x' }),
          ],
        },
        { type: 'context', elements: [] },
        section(''),
        { type: 'fancy' },
        ...Array.from({ length: 41 }, () => ({ type: 'divider' })),
      ],
    });
    expect(problems).toEqual([
      'text: missing (the fallback that notifications show)',
      'blocks: 51 blocks (max 50)',
      'blocks[0].text.type: must be plain_text, got "mrkdwn"',
      'blocks[0].text.text: 151 characters (max 150)',
      'blocks[1].text.text: 3001 characters (max 3000)',
      'blocks[2]: a section needs text or fields',
      'blocks[3].fields: 11 fields (max 10)',
      'blocks[4].fields[0].text: 2001 characters (max 2000)',
      'blocks[5].elements: 26 elements (max 25)',
      'blocks[6].elements[0].action_id: duplicate "a0"',
      'blocks[6].elements[1].text.text: 76 characters (max 75)',
      'blocks[6].elements[1].url: must be an http(s) URL',
      'blocks[7].elements: must be a non-empty array',
      'blocks[8].text.text: must be a non-empty string',
      'blocks[9].type: unknown block type "fancy"',
    ]);
  });
});

describe('activeMentions', () => {
  it('finds the mentions Slack would notify, and not the neutralised ones', () => {
    const payload = {
      text: '<!channel> <!here|here> <!subteam^S1|@team> <@U123> @here @everyone',
      blocks: [section('&lt;!channel&gt; @\u200Bhere ops@channel.example <!everyone>')],
    };
    expect(activeMentions(payload)).toEqual([
      '<!channel>',
      '<!here|here>',
      '<!subteam^S1|@team>',
      '<@U123>',
      '@here',
      '@everyone',
      '<!everyone>',
    ]);
  });
});

describe('canary', () => {
  it('finds a token raw, URL-encoded or base64 in strings, objects, Buffers and errors', () => {
    const token = canaryToken('x');
    expect(token).toMatch(/^x-canary-[0-9a-f]{40}$/);
    expect(canaryToken('x')).not.toBe(token);
    const hits = findCanary(token, [
      'clean',
      { nested: [{ header: `Basic ${Buffer.from(token).toString('base64')}` }] },
      { body: Buffer.from(`token=${token}`) },
      new Error('wrapped', { cause: new Error(`bad ${token}`) }),
      `?t=${encodeURIComponent(token)}`,
    ]);
    expect(hits.map((h) => [h.index, h.form])).toEqual([
      [1, 'base64'],
      [2, 'raw'],
      [2, 'url-encoded'],
      [3, 'raw'],
      [3, 'url-encoded'],
      [4, 'raw'],
      [4, 'url-encoded'],
    ]);
    expect(() => assertNoCanary(token, ['fine', { token }], 'logs')).toThrow(
      /canary secret leaked into logs/,
    );
    expect(() => assertNoCanary(token, ['fine'])).not.toThrow();
  });
});

describe('Slack receiver', () => {
  let slack: SlackReceiver;
  beforeAll(async () => {
    slack = await startSlackReceiver();
  });
  afterAll(() => slack.close());

  it('answers like Slack: ok, invalid_blocks, no_text, and failures on demand', async () => {
    const post = (body: unknown) =>
      fetch(slack.url('ops'), { method: 'POST', body: JSON.stringify(body) }).then(async (r) => [
        r.status,
        await r.text(),
        r.headers.get('retry-after'),
      ]);
    expect(await post({ text: 'hi' })).toEqual([200, 'ok', null]);
    expect(await post({ text: 'hi', blocks: [section('x'.repeat(3001))] })).toEqual([
      400,
      'invalid_blocks',
      null,
    ]);
    expect(await post({})).toEqual([400, 'no_text', null]);
    slack.failNext(1, { status: 429, retryAfterSeconds: 7 });
    expect(await post({ text: 'hi' })).toEqual([429, 'rate_limited', '7']);
    expect(slack.messages).toEqual([{ path: '/services/ops', channel: 'ops', payload: { text: 'hi' } }]);
    expect(slack.requests.map((r) => r.status)).toEqual([200, 400, 400, 429]);
    expect(slack.requests[1]?.problems).toEqual(['blocks[0].text.text: 3001 characters (max 3000)']);
    slack.clear();
    expect(slack.requests).toEqual([]);
  });
});

describe('Sentry receiver', () => {
  let sentry: SentryReceiver;
  beforeAll(async () => {
    sentry = await startSentryReceiver({ publicKey: 'abc123', projectId: '7' });
  });
  afterAll(() => sentry.close());

  const envelope = (): Buffer => {
    const attachment = Buffer.from('line one\nline two\n');
    const checkIn = '{"monitor_slug":"m","status":"ok"}';
    return Buffer.concat([
      Buffer.from('{"event_id":"e1"}\n'),
      Buffer.from('{"type":"event"}\n{"message":"hello","level":"error"}\n'),
      Buffer.from(`{"type":"attachment","length":${attachment.length},"filename":"log.txt"}\n`),
      attachment,
      Buffer.from(`\n{"type":"check_in","length":${Buffer.byteLength(checkIn)}}\n${checkIn}`),
    ]);
  };

  it('parses envelope items with and without explicit lengths', () => {
    const parsed = parseEnvelope(envelope());
    expect(parsed.header).toEqual({ event_id: 'e1' });
    expect(parsed.items.map((i) => [i.type, i.payload])).toEqual([
      ['event', { message: 'hello', level: 'error' }],
      ['attachment', 'line one\nline two\n'],
      ['check_in', { monitor_slug: 'm', status: 'ok' }],
    ]);
  });

  it('accepts gzip-encoded envelopes for its project and key only', async () => {
    expect(sentry.dsn).toMatch(/^http:\/\/abc123@127\.0\.0\.1:\d+\/7$/);
    const base = sentry.dsn.replace('abc123@', '');
    const post = (path: string, key: string, body: Buffer, headers: Record<string, string> = {}) =>
      fetch(`${base.replace(/\/7$/, '')}${path}?sentry_key=${key}`, { method: 'POST', body, headers }).then(
        (r) => r.status,
      );
    expect(
      await post('/api/7/envelope/', 'abc123', gzipSync(envelope()), { 'content-encoding': 'gzip' }),
    ).toBe(200);
    expect(await post('/api/7/envelope/', 'wrong', envelope())).toBe(401);
    expect(await post('/api/8/envelope/', 'abc123', envelope())).toBe(404);
    const items = await sentry.waitFor((all) => all.length === 3, 30_000);
    expect(items.map((i) => i.type)).toEqual(['event', 'attachment', 'check_in']);
    expect(sentry.events()).toEqual([{ message: 'hello', level: 'error' }]);
    expect(sentry.checkIns()).toEqual([{ monitor_slug: 'm', status: 'ok' }]);
    expect(sentry.envelopes[0]?.raw).toContain('"monitor_slug":"m"');
    await expect(sentry.waitFor((all) => all.length > 3, 50)).rejects.toThrow(/timed out after 50 ms/);
  });
});
