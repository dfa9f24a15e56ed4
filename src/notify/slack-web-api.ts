/**
 * Posting with a Slack bot token through `@slack/web-api`: `chat.postMessage` (optionally in a
 * thread) and `chat.update`. Retries are ours, as for webhooks: a 429 waits Retry-After (up to a
 * limit), a 5xx or network error backs off; a platform error (`channel_not_found`,
 * `not_in_channel`, `invalid_auth`) fails at once. The token is a secret and never appears in
 * an error.
 */
import { ErrorCode, LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import { backoffDelay } from '../kit/backoff.js';
import { sleep } from '../kit/sleep.js';
import { mask, registerSecret } from '../secrets/masker.js';
import type { SlackPayload } from './slack-blocks.js';
import { oneLine, truncate } from './slack-text.js';

export interface WebApiOptions {
  token: string;
  /** Default https://slack.com/api/. */
  apiUrl?: string;
  retries: number;
  baseDelayMs: number;
  maxRetryAfterMs: number;
  timeoutMs: number;
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
}

export interface PostedMessage {
  /** The channel id Slack answered with (chat.update needs it). */
  channel: string;
  ts: string;
}

export interface WebApiFailure {
  status?: number;
  transient: boolean;
  reason: string;
  /** Slack's error code (`channel_not_found`), when it answered one. */
  code?: string;
}

export interface SlackWebApi {
  post(
    channel: string,
    payload: SlackPayload,
    threadTs?: string,
  ): Promise<PostedMessage & { attempts: number }>;
  update(channel: string, ts: string, payload: SlackPayload): Promise<{ attempts: number }>;
}

const TRANSIENT_CODES = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Quiet: the web-api client's own log lines would bypass our masking. */
const silent: SlackLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

export function classifyWebApiError(error: unknown): WebApiFailure & { retryAfterMs?: number } {
  const coded = error as {
    code?: string;
    data?: { error?: string };
    statusCode?: number;
    retryAfter?: number;
    original?: Error;
  };
  switch (coded?.code) {
    case ErrorCode.RateLimitedError:
      return {
        status: 429,
        transient: true,
        reason: 'HTTP 429 ratelimited',
        code: 'ratelimited',
        retryAfterMs: typeof coded.retryAfter === 'number' ? coded.retryAfter * 1000 : undefined,
      };
    case ErrorCode.PlatformError: {
      const code = String(coded.data?.error ?? 'unknown_error');
      return { transient: TRANSIENT_CODES.has(code), reason: code, code };
    }
    case ErrorCode.HTTPError: {
      const status = Number(coded.statusCode);
      return { status, transient: status === 429 || status >= 500, reason: `HTTP ${status}` };
    }
    case ErrorCode.RequestError:
      return {
        transient: true,
        reason: `request error: ${truncate(oneLine(coded.original?.message ?? 'unknown'), 200)}`,
      };
    default:
      return {
        transient: false,
        reason: truncate(oneLine(error instanceof Error ? error.message : String(error)), 200),
      };
  }
}

export class SlackApiError extends Error {
  override name = 'SlackApiError';
  constructor(
    message: string,
    readonly failure: WebApiFailure,
    readonly attempts: number,
  ) {
    super(message);
  }
}

export function createSlackWebApi(options: WebApiOptions): SlackWebApi {
  registerSecret(options.token);
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    logger: silent,
    logLevel: LogLevel.ERROR,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs,
  });

  async function call<T>(what: string, fn: () => Promise<T>): Promise<{ value: T; attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { value: await fn(), attempts: attempt };
      } catch (error) {
        const failure = classifyWebApiError(error);
        const reason = mask(failure.reason);
        const fail = (why: string) =>
          new SlackApiError(
            `slack: ${what} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${why}`,
            { ...failure, reason },
            attempt,
          );
        if (!failure.transient || attempt > options.retries) throw fail(reason);
        if (failure.retryAfterMs !== undefined && failure.retryAfterMs > options.maxRetryAfterMs)
          throw fail(
            `${reason} (Retry-After ${Math.ceil(failure.retryAfterMs / 1000)} s is longer than allowed)`,
          );
        const waitMs = backoffDelay(
          attempt - 1,
          options.baseDelayMs,
          failure.retryAfterMs,
          Math.random,
          'equal',
        );
        options.onRetry?.({ attempt, waitMs, reason });
        await sleep(waitMs);
      }
    }
  }

  return {
    async post(channel, payload, threadTs) {
      const { value, attempts } = await call(`chat.postMessage to ${channel}`, () =>
        client.chat.postMessage({
          ...payload,
          channel,
          blocks: payload.blocks as never,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        }),
      );
      if (!value.ts || !value.channel)
        throw new SlackApiError(
          `slack: chat.postMessage to ${channel} answered without ts or channel`,
          { transient: false, reason: 'bad answer' },
          attempts,
        );
      return { channel: value.channel, ts: value.ts, attempts };
    },
    async update(channel, ts, payload) {
      const { attempts } = await call(`chat.update in ${channel}`, () =>
        client.chat.update({
          channel,
          ts,
          text: payload.text,
          blocks: payload.blocks as never,
          ...(payload.link_names ? { link_names: true } : {}),
        }),
      );
      return { attempts };
    },
  };
}
