/**
 * The Slack notifier: renders a `NotifyMessage` (slack-blocks.ts) and posts it to the channel's
 * incoming webhook through `@slack/webhook`. A webhook URL is a credential (anyone holding it can
 * post), so it is registered with the masker and kept out of every error message.
 */
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import type { FetchFunction } from '@slack/webhook';
import { ConfigError } from '../errors.js';
import { backoffDelay } from '../kit/backoff.js';
import { parseRetryAfter } from '../kit/retry-after.js';
import { sleep } from '../kit/sleep.js';
import { mask, maskDeep, registerSecret } from '../secrets/masker.js';
import { renderSlackMessage, type SlackPayload } from './slack-blocks.js';
import { oneLine, truncate } from './slack-text.js';
import { createSlackWebApi, SlackApiError, type SlackWebApi } from './slack-web-api.js';
import { incidentMessage, type ThreadRecord, type ThreadStore } from './threads.js';
import type {
  Notifier,
  NotifyLogger,
  NotifyMessage,
  ProgressRef,
  SendOptions,
  SentMessage,
} from './types.js';

export interface SlackChannel {
  /** `https://hooks.slack.com/services/…`: a secret. Optional with a bot token and `channel`. */
  webhookUrl?: string;
  /** Channel id (C0123…) or #name for the bot token. */
  channel?: string;
  /** Default mention for messages to this channel (`<!subteam^ID>`, `<@U…>`, `@group`); a message's own mention wins. */
  mention?: string;
}

export interface SlackNotifierOptions {
  /** Channels by the name jobs use (`slack.channels.<name>` in the config). */
  channels: Record<string, SlackChannel>;
  /** Used when `send` gets no channel name. */
  defaultChannel?: string;
  /** Record messages, send nothing. */
  dryRun: boolean;
  logger?: NotifyLogger;
  /** Retries after a 429, a 5xx or a network error (default 3). */
  retries?: number;
  /** First backoff when Slack sends no Retry-After; doubled each retry, with jitter (default 500 ms). */
  retryBaseDelayMs?: number;
  /** Longest Retry-After honoured; a longer one fails the send at once (default 30 s). */
  maxRetryAfterMs?: number;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** Bot token (xoxb-…): channels with a `channel` post through the Web API, incidents and progress as threads. */
  botToken?: string;
  /** Web API base (default https://slack.com/api/). */
  apiUrl?: string;
  /** Where incident and progress conversations are remembered (parent ts, count, steps); without it every message stands alone. */
  threads?: ThreadStore;
  /** The clock for "still failing" at most once an hour (tests move it). */
  now?: () => Date;
  /** The page of a run (`server.publicUrl`), linked from every message that names its run. */
  runUrl?: (runId: string) => string | undefined;
}

/** Webhook mode says "still failing (n)" at most this often. */
export const STILL_FAILING_EVERY_MS = 3_600_000;

/** Sending failed for good (after retries for transient failures). The message never contains the webhook URL. */
export class SlackSendError extends Error {
  override name = 'SlackSendError';
  constructor(
    message: string,
    readonly channel: string,
    /** HTTP status from Slack, when it answered. */
    readonly status: number | undefined,
    readonly attempts: number,
    /** true when the last failure was a 429, a 5xx or a network error. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/**
 * A `Notifier` that posts to Slack incoming webhooks. Unknown channel names throw a
 * `ConfigError`; with no channels configured at all, messages are recorded as not delivered.
 */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const { channels, dryRun, logger } = options;
  const retries = options.retries ?? 3;
  const baseDelayMs = options.retryBaseDelayMs ?? 500;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const sent: SentMessage[] = [];
  const now = options.now ?? (() => new Date());
  const api: SlackWebApi | undefined = options.botToken
    ? createSlackWebApi({
        token: options.botToken,
        apiUrl: options.apiUrl,
        retries,
        baseDelayMs,
        maxRetryAfterMs,
        timeoutMs,
        onRetry: ({ attempt, waitMs, reason }) =>
          logger?.warn({ attempt, waitMs }, `slack: ${reason}; retrying`),
      })
    : undefined;

  for (const [name, channel] of Object.entries(channels)) {
    if (channel.webhookUrl === undefined) {
      if (!channel.channel || !api)
        throw new ConfigError(
          `slack.channels.${name}.webhookUrl: required (or \`channel\` with slack.botToken)`,
        );
      continue;
    }
    registerWebhookUrl(channel.webhookUrl);
    if (!isHttpUrl(channel.webhookUrl)) {
      throw new ConfigError(`slack.channels.${name}.webhookUrl: must be an http(s) URL`);
    }
  }
  if (options.defaultChannel !== undefined && !channels[options.defaultChannel]) {
    throw new ConfigError(
      `slack.defaultChannel: unknown Slack channel "${options.defaultChannel}" (configured: ${known(channels)})`,
    );
  }
  const webhookUrls = Object.values(channels).flatMap((c) => (c.webhookUrl ? [c.webhookUrl] : []));

  /** Masks and, as a second line of defence, strips webhook URLs the masker might not know. */
  function scrub(text: string): string {
    let out = mask(text);
    for (const url of webhookUrls) out = out.split(url).join('[webhook]');
    return out;
  }

  async function post(name: string, url: string, payload: SlackPayload): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      let retryAfter: string | null = null;
      // @slack/webhook's HTTP error drops the response headers; keep Retry-After on the way through.
      const fetchWithHeaders: FetchFunction = async (input, init) => {
        const response = await fetch(input, init as RequestInit);
        retryAfter = response.headers.get('retry-after');
        return response;
      };
      const webhook = new IncomingWebhook(url, {
        fetch: fetchWithHeaders,
        timeout: timeoutMs,
        retryConfig: { retries: 0 },
      });
      try {
        await webhook.send(payload);
        return attempt;
      } catch (error) {
        const failure = classify(error);
        const reason = scrub(failure.reason);
        const fail = (why: string): SlackSendError =>
          new SlackSendError(
            `slack: sending to channel "${name}" failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${why}`,
            name,
            failure.status,
            attempt,
            failure.transient,
          );
        if (!failure.transient || attempt > retries) throw fail(reason);
        const retryAfterMs = parseRetryAfter(retryAfter);
        if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) {
          throw fail(`${reason} (Retry-After ${Math.ceil(retryAfterMs / 1000)} s is longer than allowed)`);
        }
        // Equal jitter: Slack's own advice is to back off, so never retry almost at once.
        const waitMs = backoffDelay(attempt - 1, baseDelayMs, retryAfterMs, Math.random, 'equal');
        logger?.warn(
          { channel: name, attempt, status: failure.status, waitMs },
          `slack: ${reason}; retrying`,
        );
        await sleep(waitMs);
      }
    }
  }

  /** Bot-token channels post through the Web API; the others (and a bot post refused for good, when a webhook exists) through the webhook. */
  async function deliver(
    name: string,
    channel: SlackChannel,
    payload: SlackPayload,
    thread?: { channel: string; ts: string },
  ): Promise<{ attempts: number; channel?: string; ts?: string; via: 'api' | 'webhook' }> {
    if (api && channel.channel) {
      try {
        const posted = await api.post(thread?.channel ?? channel.channel, payload, thread?.ts);
        return { ...posted, via: 'api' };
      } catch (error) {
        if (!(error instanceof SlackApiError) || error.failure.transient || !channel.webhookUrl) throw error;
        logger?.warn(
          { channel: name, code: error.failure.code },
          `slack: ${error.message}; sending through the channel's webhook instead`,
        );
      }
    }
    if (!channel.webhookUrl)
      throw new ConfigError(`slack.channels.${name}: no webhookUrl and no bot token to post with`);
    return { attempts: await post(name, channel.webhookUrl, payload), via: 'webhook' };
  }

  function render(message: NotifyMessage, channel: SlackChannel): SlackPayload {
    return maskDeep(renderSlackMessage({ ...message, mention: message.mention ?? channel.mention }));
  }

  function warnParentNotUpdated(name: string, what: string) {
    return (error: unknown) =>
      logger?.warn(
        { channel: name },
        `slack: could not update the ${what}'s message: ${scrub(String(error))}`,
      );
  }

  /**
   * One subject's progress, one conversation (see ProgressRef in types.ts). Shares the thread
   * store with incidents (a key of its own per subject). Order, so that a kill repeats as little
   * as possible: the parent is posted and remembered before the first reply; each reply is
   * remembered (its step) before the parent is updated. A kill between Slack's answer and that
   * write (one local store write) is the only way a step is said twice; with webhooks the same
   * holds for the step's message.
   */
  async function sendProgress(
    name: string,
    channel: SlackChannel,
    message: NotifyMessage,
    ref: ProgressRef,
    threads: ThreadStore,
    afresh = false,
  ): Promise<SentMessage> {
    const key = `${name}:${ref.key}`;
    const summary = maskDeep(withRunUrl(ref.summary));
    const at = now().toISOString();
    const payload = render(message, channel);
    const record: SentMessage = { channel: name, message, delivered: false, text: payload.text };
    let thread = await threads.get(key);
    const threaded = (t: ThreadRecord | undefined): t is ThreadRecord & { channelId: string; ts: string } =>
      t?.mode === 'thread' && !!t.channelId && !!t.ts && !!api;

    if (thread?.steps?.includes(ref.step)) {
      // Said before (a run that died before recording it): only the parent is brought up to date.
      if (threaded(thread))
        await api!
          .update(thread.channelId, thread.ts, render(summary, channel))
          .catch(warnParentNotUpdated(name, 'progress'));
      await threads.set(key, { ...thread, parent: summary });
      record.delivered = true;
      record.progress = 'said';
      record.ts = thread.ts;
      return record;
    }

    let opened = false;
    if (!thread && api && channel.channel) {
      try {
        const parent = await api.post(channel.channel, render(summary, channel));
        thread = {
          mode: 'thread',
          channelId: parent.channel,
          ts: parent.ts,
          count: 0,
          openedAt: at,
          lastPostAt: at,
          parent: summary,
          steps: [],
        };
        await threads.set(key, thread);
        opened = true;
      } catch (error) {
        if (!(error instanceof SlackApiError) || error.failure.transient || !channel.webhookUrl) throw error;
        logger?.warn(
          { channel: name, code: error.failure.code },
          `slack: ${error.message}; sending through the channel's webhook instead`,
        );
      }
    }

    if (threaded(thread)) {
      const reply = await api!.post(thread.channelId, payload, thread.ts).catch(async (error: unknown) => {
        if (!isGone(error) || afresh) throw error;
        await threads.delete(key);
        return undefined;
      });
      // A parent someone deleted (or a channel the bot left): start afresh, once.
      if (!reply) return sendProgress(name, channel, message, ref, threads, true);
      const next: ThreadRecord = {
        ...thread,
        count: thread.count + 1,
        lastPostAt: at,
        parent: summary,
        steps: [...(thread.steps ?? []), ref.step],
      };
      await threads.set(key, next);
      if (!opened)
        await api!
          .update(thread.channelId, thread.ts, render(summary, channel))
          .catch(warnParentNotUpdated(name, 'progress'));
      record.delivered = true;
      record.progress = opened ? 'opened' : 'reply';
      record.ts = reply.ts;
      return record;
    }

    // Webhook (or a bot post refused for good): no thread, each step a message of its own.
    const posted = await deliver(name, channel, payload);
    const base: ThreadRecord = thread ?? {
      mode: 'webhook',
      count: 0,
      openedAt: at,
      lastPostAt: at,
      parent: summary,
      steps: [],
    };
    await threads.set(key, {
      ...base,
      count: base.count + 1,
      lastPostAt: at,
      parent: summary,
      steps: [...(base.steps ?? []), ref.step],
    });
    record.delivered = true;
    record.progress = 'message';
    record.ts = posted.ts;
    return record;
  }

  /** One incident, one conversation (see IncidentRef in types.ts). */
  async function sendIncident(
    name: string,
    channel: SlackChannel,
    message: NotifyMessage,
    ref: NonNullable<SendOptions['incident']>,
    threads: ThreadStore,
  ): Promise<SentMessage> {
    const key = `${name}:${ref.key}`;
    const thread = await threads.get(key);
    const at = now();
    const record: SentMessage = { channel: name, message, delivered: false };
    if (ref.resolved) {
      const payload = render(message, channel);
      record.text = payload.text;
      const reply =
        thread?.ts && thread.channelId && api
          ? await api.post(thread.channelId, payload, thread.ts).catch((error: unknown) => {
              if (isGone(error)) return undefined;
              throw error;
            })
          : undefined;
      if (reply && thread?.ts && thread.channelId && api) {
        await api
          .update(thread.channelId, thread.ts, render(incidentMessage(thread, 'resolved', message), channel))
          .catch(warnParentNotUpdated(name, 'incident'));
        record.ts = reply.ts;
      } else await deliver(name, channel, payload);
      await threads.delete(key);
      record.delivered = true;
      record.incident = 'resolved';
      return record;
    }
    if (!thread) {
      const payload = render(message, channel);
      record.text = payload.text;
      const posted = await deliver(name, channel, payload);
      const opened: ThreadRecord = {
        mode: posted.via === 'api' ? 'thread' : 'webhook',
        channelId: posted.channel,
        ts: posted.ts,
        count: 1,
        openedAt: at.toISOString(),
        lastPostAt: at.toISOString(),
        parent: message,
      };
      await threads.set(key, opened);
      record.delivered = true;
      record.incident = 'parent';
      record.ts = posted.ts;
      return record;
    }
    const count = thread.count + 1;
    if (thread.mode === 'thread' && thread.ts && thread.channelId && api) {
      const payload = render(message, channel);
      record.text = payload.text;
      const reply = await api.post(thread.channelId, payload, thread.ts).catch(async (error: unknown) => {
        if (!isGone(error)) throw error;
        await threads.delete(key);
        return undefined;
      });
      if (!reply) return sendIncident(name, channel, message, ref, threads);
      await threads.set(key, { ...thread, count, lastPostAt: at.toISOString() });
      await api
        .update(
          thread.channelId,
          thread.ts,
          render(incidentMessage({ ...thread, count }, 'failing'), channel),
        )
        .catch(warnParentNotUpdated(name, 'incident'));
      record.delivered = true;
      record.incident = 'reply';
      record.ts = reply.ts;
      return record;
    }
    // Webhook: no thread to reply in; one reminder an hour at most, with the count.
    const again = incidentMessage({ ...thread, count }, 'still-failing', message);
    const payload = render(again, channel);
    record.text = payload.text;
    if (at.getTime() - Date.parse(thread.lastPostAt) < STILL_FAILING_EVERY_MS) {
      await threads.set(key, { ...thread, count });
      record.incident = 'held';
      logger?.info(
        { channel: name, title: message.title, count },
        'slack: incident still failing, said less than an hour ago',
      );
      return record;
    }
    await deliver(name, channel, payload);
    await threads.set(key, { ...thread, count, lastPostAt: at.toISOString() });
    record.delivered = true;
    record.incident = 'update';
    return record;
  }

  function withRunUrl(input: NotifyMessage): NotifyMessage {
    const runUrl =
      input.context.runUrl ?? (input.context.runId ? options.runUrl?.(input.context.runId) : undefined);
    return runUrl ? { ...input, context: { ...input.context, runUrl } } : input;
  }

  async function send(
    channelName: string | undefined,
    input: NotifyMessage,
    sendOptions: SendOptions = {},
  ): Promise<SentMessage> {
    const message = maskDeep(withRunUrl(input));
    const names = Object.keys(channels);
    if (names.length === 0) {
      // Slack is not configured: the run goes on, the message stays in the run report.
      const record = {
        channel: channelName ?? '',
        message,
        delivered: false,
        text: renderSlackMessage(message).text,
      };
      sent.push(record);
      logger?.debug(
        { channel: channelName, title: message.title },
        'slack: no channels configured, not sent',
      );
      return record;
    }
    const name = channelName ?? options.defaultChannel;
    if (name === undefined) {
      throw new ConfigError('slack.defaultChannel: no channel given and no default channel configured');
    }
    const channel = channels[name];
    if (!channel) {
      throw new ConfigError(
        `slack.channels.${name}: unknown Slack channel "${name}" (configured: ${known(channels)})`,
      );
    }
    const payload = render(message, channel);
    const record: SentMessage = { channel: name, message, delivered: false, text: payload.text };
    if (dryRun) {
      sent.push(record);
      logger?.info({ channel: name, title: message.title }, 'slack: dry run, not sent');
      return record;
    }
    if (sendOptions.progress && options.threads) {
      const done = await sendProgress(name, channel, message, sendOptions.progress, options.threads);
      sent.push(done);
      return done;
    }
    if (sendOptions.incident && options.threads) {
      const done = await sendIncident(name, channel, message, sendOptions.incident, options.threads);
      sent.push(done);
      return done;
    }
    const { attempts, ts } = await deliver(name, channel, payload);
    record.delivered = true;
    record.ts = ts;
    sent.push(record);
    logger?.debug({ channel: name, title: message.title, attempts }, 'slack: sent');
    return record;
  }

  return { send, sent };
}

/** A parent someone deleted (or a channel the bot left) ends a conversation: start afresh. */
function isGone(error: unknown): boolean {
  return (
    error instanceof SlackApiError &&
    ['thread_not_found', 'message_not_found', 'channel_not_found', 'not_in_channel', 'is_archived'].includes(
      error.failure.code ?? '',
    )
  );
}

interface Failure {
  status?: number;
  transient: boolean;
  reason: string;
}

function classify(error: unknown): Failure {
  if (error instanceof IncomingWebhookHTTPError) {
    const status = error.statusCode;
    // Slack answers errors with a short code (`invalid_blocks`, `no_service`, `rate_limited`).
    const body = truncate(oneLine(String(error.body ?? '')), 200);
    return {
      status,
      transient: status === 429 || status >= 500,
      reason: `HTTP ${status}${body ? ` ${body}` : ''}`,
    };
  }
  if (error instanceof IncomingWebhookRequestError) {
    const original = error.original;
    const cause = (original as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    if (original.name === 'TimeoutError') return { transient: true, reason: 'request timed out' };
    // fetch's TypeError for a malformed URL quotes the URL: never pass its message on.
    if (!code && /parse URL|Invalid URL/i.test(original.message))
      return { transient: false, reason: 'invalid webhook URL' };
    return {
      transient: true,
      reason: `request error${code ? ` ${code}` : ''}: ${truncate(oneLine(original.message), 200)}`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { transient: false, reason: truncate(oneLine(message), 200) };
}

function registerWebhookUrl(url: string): void {
  registerSecret(url);
  try {
    // Error text from lower layers may quote only the path, which holds the token.
    registerSecret(new URL(url).pathname);
  } catch {
    // Reported as a ConfigError by the caller.
  }
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function known(channels: Record<string, SlackChannel>): string {
  return Object.keys(channels).join(', ') || 'none';
}
