/**
 * A local stand-in for Sentry's ingest endpoint. Give the SDK `receiver.dsn`
 * (`http://<publicKey>@127.0.0.1:<port>/<projectId>`); every envelope it POSTs to
 * `/api/<projectId>/envelope/` is decoded (gzip/deflate/br), parsed and recorded per item.
 *
 *   const sentry = await startSentryReceiver();
 *   // ... initialise the SDK with sentry.dsn, run something, flush
 *   const [event] = await sentry.waitFor((items) => items.some((i) => i.type === 'event'));
 *   expect(sentry.events()[0]?.tags).toMatchObject({ job: 'heartbeat' });
 *
 * The SDK sends asynchronously: flush it (or use `waitFor`) before asserting.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { pollUntil, readBody, startLocalServer } from './local-server.js';

/** An `event` item (error or message). Loose: only what tests commonly read is named. */
export interface SentryEventPayload {
  event_id?: string;
  level?: string;
  message?: string | { formatted?: string; message?: string };
  exception?: { values?: Array<{ type?: string; value?: string; [key: string]: unknown }> };
  tags?: Record<string, string>;
  fingerprint?: string[];
  extra?: Record<string, unknown>;
  breadcrumbs?: Array<{ message?: string; category?: string; data?: unknown; [key: string]: unknown }>;
  environment?: string;
  release?: string;
  [key: string]: unknown;
}

/** A `check_in` item (cron monitor). */
export interface SentryCheckInPayload {
  check_in_id: string;
  monitor_slug: string;
  status: 'in_progress' | 'ok' | 'error';
  duration?: number;
  environment?: string;
  release?: string;
  monitor_config?: {
    schedule: { type: 'crontab'; value: string } | { type: 'interval'; value: number; unit: string };
    checkin_margin?: number;
    max_runtime?: number;
    timezone?: string;
    failure_issue_threshold?: number;
    recovery_threshold?: number;
  };
  [key: string]: unknown;
}

export interface SentryItem {
  /** `event`, `check_in`, `transaction`, `session`, `attachment`, `client_report`, ... */
  type: string;
  header: Record<string, unknown>;
  /** Parsed JSON, or the raw text when the payload is not JSON (attachments). */
  payload: unknown;
  /** The envelope header (event_id, sent_at, sdk, ...). */
  envelopeHeader: Record<string, unknown>;
}

export interface SentryEnvelope {
  header: Record<string, unknown>;
  items: SentryItem[];
  /** The decoded envelope text as received, for searching (e.g. for a canary secret). */
  raw: string;
  /** Request headers (x-sentry-auth, user-agent, content-encoding). */
  requestHeaders: Record<string, string | string[] | undefined>;
}

export interface SentryReceiver {
  /** `http://<publicKey>@127.0.0.1:<port>/<projectId>` */
  readonly dsn: string;
  readonly publicKey: string;
  readonly projectId: string;
  readonly envelopes: SentryEnvelope[];
  /** Every item of every envelope, in arrival order. */
  readonly items: SentryItem[];
  /** Payloads of the `event` items. */
  events(): SentryEventPayload[];
  /** Payloads of the `check_in` items. */
  checkIns(): SentryCheckInPayload[];
  /** Payloads of the items of one type. */
  ofType<T = unknown>(type: string): T[];
  /** Resolves with all items once `predicate(items)` holds; rejects after `timeoutMs` (default 30 s). */
  waitFor(predicate: (items: SentryItem[]) => boolean, timeoutMs?: number): Promise<SentryItem[]>;
  /** Answer the next `count` envelopes with `status` (e.g. 429, 503) and drop them. */
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  clear(): void;
  close(): Promise<void>;
}

export interface SentryReceiverOptions {
  publicKey?: string;
  projectId?: string;
}

export async function startSentryReceiver(options: SentryReceiverOptions = {}): Promise<SentryReceiver> {
  const publicKey = options.publicKey ?? 'publickey0123456789abcdef01234567';
  const projectId = options.projectId ?? '1';
  const envelopes: SentryEnvelope[] = [];
  const items: SentryItem[] = [];
  const failures: Array<{ status: number; retryAfterSeconds?: number }> = [];
  const envelopePath = `/api/${projectId}/envelope/`;

  const server = await startLocalServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await readBody(req);
    const reply = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };
    if (req.method !== 'POST' || url.pathname !== envelopePath) return reply(404, { detail: 'not found' });
    const auth = String(req.headers['x-sentry-auth'] ?? '');
    const key = url.searchParams.get('sentry_key') ?? /sentry_key=([^,\s]+)/.exec(auth)?.[1];
    if (key !== publicKey) return reply(401, { detail: 'invalid api key' });
    const failure = failures.shift();
    if (failure) {
      const headers: Record<string, string> = {};
      if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
      return reply(failure.status, { detail: 'failing on purpose' }, headers);
    }
    let envelope: SentryEnvelope;
    try {
      const decoded = decode(body, req.headers['content-encoding']);
      envelope = { ...parseEnvelope(decoded), raw: decoded.toString('utf8'), requestHeaders: req.headers };
    } catch (error) {
      return reply(400, {
        detail: `bad envelope: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    envelopes.push(envelope);
    items.push(...envelope.items);
    reply(200, { id: envelope.header.event_id ?? null });
  });

  const ofType = <T>(type: string): T[] => items.filter((i) => i.type === type).map((i) => i.payload as T);
  return {
    dsn: `http://${publicKey}@127.0.0.1:${server.port}/${projectId}`,
    publicKey,
    projectId,
    envelopes,
    items,
    events: () => ofType<SentryEventPayload>('event'),
    checkIns: () => ofType<SentryCheckInPayload>('check_in'),
    ofType,
    waitFor: (predicate, timeoutMs = 30_000) =>
      pollUntil(() => predicate(items) && items, timeoutMs, 'Sentry items'),
    failNext(count, status, retryAfterSeconds) {
      for (let i = 0; i < count; i++) failures.push({ status, retryAfterSeconds });
    },
    clear() {
      envelopes.length = 0;
      items.length = 0;
      failures.length = 0;
    },
    close: () => server.close(),
  };
}

function decode(body: Buffer, encoding: string | string[] | undefined): Buffer {
  switch (String(encoding ?? '').toLowerCase()) {
    case 'gzip':
      return gunzipSync(body);
    case 'deflate':
      return inflateSync(body);
    case 'br':
      return brotliDecompressSync(body);
    default:
      return body;
  }
}

/**
 * Envelope format (https://develop.sentry.dev/sdk/data-model/envelopes/): a JSON header line,
 * then items, each a JSON item-header line followed by a payload of `length` bytes when the
 * header gives one, else up to the next newline. Works on bytes because `length` counts bytes.
 */
export function parseEnvelope(data: Buffer): Omit<SentryEnvelope, 'raw' | 'requestHeaders'> {
  let offset = 0;
  const readLine = (): Buffer => {
    const end = data.indexOf(0x0a, offset);
    const line = data.subarray(offset, end === -1 ? data.length : end);
    offset = end === -1 ? data.length : end + 1;
    return line;
  };
  const header = JSON.parse(readLine().toString('utf8')) as Record<string, unknown>;
  const items: SentryItem[] = [];
  while (offset < data.length) {
    const headerLine = readLine();
    if (headerLine.length === 0) continue;
    const itemHeader = JSON.parse(headerLine.toString('utf8')) as Record<string, unknown>;
    let payload: Buffer;
    if (typeof itemHeader.length === 'number') {
      payload = data.subarray(offset, offset + itemHeader.length);
      offset += itemHeader.length;
      if (data[offset] === 0x0a) offset += 1;
    } else {
      payload = readLine();
    }
    const text = payload.toString('utf8');
    let parsed: unknown = text;
    if (itemHeader.type !== 'attachment' || itemHeader.content_type === 'application/json') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    items.push({
      type: String(itemHeader.type),
      header: itemHeader,
      payload: parsed,
      envelopeHeader: header,
    });
  }
  return { header, items };
}
