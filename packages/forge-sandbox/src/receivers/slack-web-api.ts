/**
 * A local stand-in for the Slack Web API methods the bot uses with a bot token:
 * `chat.postMessage` (optionally with `thread_ts`) and `chat.update`, answered like Slack does —
 * HTTP 200 with `{ ok: true, channel, ts, message }`, or `{ ok: false, error }` for
 * `not_authed`, `invalid_auth`, `channel_not_found`, `thread_not_found`, `message_not_found`,
 * `cant_update_message`, `invalid_blocks`, `no_text`; HTTP 429 with Retry-After and
 * `{ ok: false, error: 'ratelimited' }` when rate limited. Bodies are form-encoded (what
 * `@slack/web-api` sends: arrays as JSON strings) or JSON.
 *
 *   const slack = await startSlackWebApi({ token: 'xoxb-test', channels: { oncall: 'C0ONCALL' } });
 *   // config: slack.botToken xoxb-test, slack.apiUrl slack.apiUrl, channels.oncall.channel C0ONCALL
 *   slack.parents('C0ONCALL'); slack.replies(parent.ts);
 */
import { validateBlockKit } from './block-kit.js';
import { readBody, startLocalServer } from './local-server.js';

export interface SlackApiMessage {
  channel: string;
  ts: string;
  /** Set on thread replies: the parent's ts. */
  threadTs?: string;
  text: string;
  blocks: Array<{ type: string; [key: string]: unknown }>;
  /** Earlier versions, oldest first, each replaced by `chat.update`. */
  history: { text: string; blocks: unknown[] }[];
}

export interface SlackApiRequest {
  method: string;
  params: Record<string, unknown>;
  status: number;
  error?: string;
}

export interface SlackApiFailure {
  /** Slack's error code (`channel_not_found`, `ratelimited`, `internal_error`). */
  error: string;
  /** Default 429 for `ratelimited`, else 200 (Slack answers most errors with 200 and ok:false). */
  status?: number;
  /** With 429: Retry-After in seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface SlackWebApiReceiver {
  baseUrl: string;
  /** What `slack.apiUrl` should be: `<baseUrl>/api/`. */
  apiUrl: string;
  token: string;
  /** Every accepted message (parents and replies) in the order posted, as they read now. */
  readonly messages: SlackApiMessage[];
  readonly requests: SlackApiRequest[];
  /** Top-level messages of a channel (by id). */
  parents(channel: string): SlackApiMessage[];
  /** Replies in the thread of `ts`. */
  replies(ts: string): SlackApiMessage[];
  /** Fail the next `count` calls (any method). */
  failNext(count: number, failure: SlackApiFailure): void;
  close(): Promise<void>;
}

function parseParams(body: string, type: string | undefined): Record<string, unknown> {
  if (type?.includes('application/json')) return JSON.parse(body || '{}') as Record<string, unknown>;
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    // Form bodies carry arrays and objects as JSON text (that is how the SDK sends blocks).
    params[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return params;
}

export async function startSlackWebApi(
  options: { token?: string; channels?: Record<string, string> } = {},
): Promise<SlackWebApiReceiver> {
  const token = options.token ?? 'xoxb-test-token';
  // name → id; ids answer for themselves.
  const channels = new Map<string, string>(Object.entries(options.channels ?? { general: 'C0GENERAL' }));
  const ids = new Set(channels.values());
  const messages: SlackApiMessage[] = [];
  const requests: SlackApiRequest[] = [];
  const failures: SlackApiFailure[] = [];
  let clock = 1_700_000_000;
  let seq = 0;

  function resolveChannel(value: unknown): string | undefined {
    if (typeof value !== 'string') return undefined;
    if (ids.has(value)) return value;
    return channels.get(value.replace(/^#/, ''));
  }

  const server = await startLocalServer(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    const method = path.replace(/^\/api\//, '');
    let params: Record<string, unknown> = {};
    try {
      params = parseParams(body, req.headers['content-type']);
    } catch {
      params = {};
    }
    const record: SlackApiRequest = { method, params, status: 200 };
    requests.push(record);
    const answer = (
      status: number,
      payload: Record<string, unknown>,
      headers: Record<string, string> = {},
    ) => {
      record.status = status;
      if (payload.ok === false) record.error = String(payload.error);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
    };
    const fail = (error: string) => answer(200, { ok: false, error });

    if (req.method !== 'POST') return answer(405, { ok: false, error: 'method_not_allowed' });
    const failure = failures.shift();
    if (failure) {
      const status = failure.status ?? (failure.error === 'ratelimited' ? 429 : 200);
      const headers: Record<string, string> = {};
      if (status === 429) headers['retry-after'] = String(failure.retryAfterSeconds ?? 1);
      return answer(status, { ok: false, error: failure.error }, headers);
    }
    const auth =
      req.headers.authorization ?? (typeof params.token === 'string' ? `Bearer ${params.token}` : '');
    if (!auth) return fail('not_authed');
    if (auth !== `Bearer ${token}`) return fail('invalid_auth');
    if (method !== 'chat.postMessage' && method !== 'chat.update') return fail('unknown_method');

    const channel = resolveChannel(params.channel);
    if (!channel) return fail('channel_not_found');
    const text = typeof params.text === 'string' ? params.text : '';
    const blocks = Array.isArray(params.blocks) ? (params.blocks as SlackApiMessage['blocks']) : [];
    if (!text && blocks.length === 0) return fail('no_text');
    if (blocks.length && validateBlockKit({ text, blocks }).length) return fail('invalid_blocks');

    if (method === 'chat.postMessage') {
      const threadTs = typeof params.thread_ts === 'string' ? params.thread_ts : undefined;
      if (threadTs && !messages.some((m) => m.channel === channel && m.ts === threadTs && !m.threadTs))
        return fail('thread_not_found');
      const ts = `${clock++}.${String(++seq).padStart(6, '0')}`;
      const message: SlackApiMessage = {
        channel,
        ts,
        text,
        blocks,
        history: [],
        ...(threadTs ? { threadTs } : {}),
      };
      messages.push(message);
      return answer(200, {
        ok: true,
        channel,
        ts,
        message: {
          type: 'message',
          text,
          ts,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          bot_id: 'B0RELEASEBOT',
        },
      });
    }
    const ts = params.ts;
    const found = messages.find((m) => m.channel === channel && m.ts === ts);
    // chat.update needs the channel id the post answered with, and a message the bot posted.
    if (!found) return fail(typeof ts === 'string' ? 'message_not_found' : 'invalid_arguments');
    found.history.push({ text: found.text, blocks: found.blocks });
    found.text = text;
    found.blocks = blocks;
    return answer(200, {
      ok: true,
      channel,
      ts: found.ts,
      text,
      message: { type: 'message', text, ts: found.ts },
    });
  });

  return {
    baseUrl: server.baseUrl,
    apiUrl: `${server.baseUrl}/api/`,
    token,
    messages,
    requests,
    parents: (channel) => messages.filter((m) => m.channel === channel && !m.threadTs),
    replies: (ts) => messages.filter((m) => m.threadTs === ts),
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    close: () => server.close(),
  };
}
