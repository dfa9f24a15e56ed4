/**
 * A local stand-in for Slack incoming webhooks. Point a channel's `webhookUrl` at
 * `receiver.url('oncall')`; every POST is recorded and answered `ok` like Slack does, or with
 * `invalid_blocks` when the blocks would not pass Slack's checks (see `validateBlockKit`).
 *
 *   const slack = await startSlackReceiver();
 *   afterAll(() => slack.close());
 *   // ... run a job whose config has webhookUrl: slack.url('oncall')
 *   expect(slack.messagesTo('oncall')).toHaveLength(1);
 *
 * `failNext` makes the next requests fail (429 with Retry-After, 500, ...) to test retries.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { validateBlockKit } from './block-kit.js';
import { pollUntil, readBody, startLocalServer } from './local-server.js';

/** What a webhook receives (see src/notify/slack-blocks.ts); loose so tests can read any field. */
export interface SlackWebhookPayload {
  text?: string;
  blocks?: Array<{ type: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface SlackRequest {
  /** Request path, e.g. `/services/oncall`. */
  path: string;
  /** The part after `/services/` (what `url()` was given). */
  channel: string;
  headers: IncomingHttpHeaders;
  /** Raw body text. */
  body: string;
  /** Parsed JSON body, undefined when it was not JSON. */
  payload: SlackWebhookPayload | undefined;
  /** Status the receiver answered. */
  status: number;
  /** Why a request was refused (`invalid_blocks` details), empty when accepted. */
  problems: string[];
}

/** An accepted message. */
export interface ReceivedSlackMessage {
  path: string;
  channel: string;
  payload: SlackWebhookPayload;
}

export interface SlackFailure {
  /** e.g. 429, 500, 404 (`no_service`), 410 (`channel_is_archived`). */
  status: number;
  /** Sent as Retry-After (Slack sends seconds with its 429s). Default 1 for 429. */
  retryAfterSeconds?: number;
  /** Response body; defaults to Slack's code for the status (`rate_limited`, `internal_error`, ...). */
  body?: string;
}

export interface SlackReceiverOptions {
  /** Answer 400 `invalid_blocks` when `validateBlockKit` finds problems, like Slack. Default true. */
  validate?: boolean;
}

export interface SlackReceiver {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** A webhook URL for a channel: `<baseUrl>/services/<channelPath>`. */
  url(channelPath?: string): string;
  /** Accepted messages, oldest first. */
  readonly messages: ReceivedSlackMessage[];
  /** Every POST, including refused and failed ones. */
  readonly requests: SlackRequest[];
  /** Accepted messages for one channel path. */
  messagesTo(channelPath: string): ReceivedSlackMessage[];
  /** Fail the next `count` requests with `failure`. */
  failNext(count: number, failure: SlackFailure): void;
  /** Resolves with the messages once `predicate` holds. */
  waitFor(
    predicate: (messages: ReceivedSlackMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedSlackMessage[]>;
  /** Forget recorded messages, requests and pending failures. */
  clear(): void;
  close(): Promise<void>;
}

const SLACK_CODES: Record<number, string> = {
  400: 'invalid_payload',
  403: 'invalid_token',
  404: 'no_service',
  410: 'channel_is_archived',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'service_unavailable',
};

const PREFIX = '/services/';

export async function startSlackReceiver(options: SlackReceiverOptions = {}): Promise<SlackReceiver> {
  const validate = options.validate ?? true;
  const messages: ReceivedSlackMessage[] = [];
  const requests: SlackRequest[] = [];
  const failures: SlackFailure[] = [];

  const server = await startLocalServer(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    const path = (req.url ?? '/').split('?')[0] as string;
    const channel = path.startsWith(PREFIX) ? decodeURIComponent(path.slice(PREFIX.length)) : path;
    const record: SlackRequest = {
      path,
      channel,
      headers: req.headers,
      body,
      payload: undefined,
      status: 200,
      problems: [],
    };
    requests.push(record);
    const answer = (status: number, text: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'text/html', ...headers });
      res.end(text);
    };

    if (req.method !== 'POST') return answer(405, 'invalid_method');
    const failure = failures.shift();
    try {
      record.payload = JSON.parse(body) as SlackWebhookPayload;
    } catch {
      record.problems.push('body is not JSON');
    }
    if (failure) {
      const headers: Record<string, string> = {};
      const retryAfter = failure.retryAfterSeconds ?? (failure.status === 429 ? 1 : undefined);
      if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
      return answer(failure.status, failure.body ?? SLACK_CODES[failure.status] ?? 'error', headers);
    }
    const payload = record.payload;
    if (!payload || typeof payload !== 'object') return answer(400, 'invalid_payload');
    if (!payload.text && !payload.blocks) {
      record.problems.push('neither text nor blocks');
      return answer(400, 'no_text');
    }
    if (validate) {
      record.problems.push(...validateBlockKit(payload));
      if (record.problems.length) return answer(400, 'invalid_blocks');
    }
    messages.push({ path, channel, payload });
    answer(200, 'ok');
  });

  return {
    baseUrl: server.baseUrl,
    url: (channelPath = 'default') => `${server.baseUrl}${PREFIX}${channelPath}`,
    messages,
    requests,
    messagesTo: (channelPath) => messages.filter((m) => m.channel === channelPath),
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    waitFor: (predicate, timeoutMs = 30_000) =>
      pollUntil(() => predicate(messages) && messages, timeoutMs, 'Slack messages'),
    clear() {
      messages.length = 0;
      requests.length = 0;
      failures.length = 0;
    },
    close: () => server.close(),
  };
}
