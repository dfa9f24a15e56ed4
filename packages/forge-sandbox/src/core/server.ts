import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { answerRecorder } from './answer-recorder.js';
import type { FaultInjector } from './faults.js';
import type { SimForge, SimToken, SimUser } from './model.js';
import { SimError, type World } from './world.js';

/**
 * The HTTP side shared by both forge views: routing on raw (still-encoded) paths, body parsing,
 * authentication, fault injection and the request log. A view (gitlab/ or github/) registers
 * routes and says how its errors look.
 */

export interface SimRequest {
  method: string;
  url: URL;
  /** Decoded route parameters. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed JSON or form body (empty object when none); undefined for raw routes. */
  body: Record<string, unknown>;
  /** The request stream, for raw routes (package uploads). */
  stream: IncomingMessage;
  /** Authenticated user, when the request carried a valid token. */
  user: SimUser | null;
  token: SimToken | null;
  /** Route template that matched, e.g. `GET /api/v4/projects/:id`. */
  route: string;
}

export interface SimResponse {
  status?: number;
  /** JSON-serialised unless a Buffer/string/Readable. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: SimRequest) => Promise<SimResponse> | SimResponse;

export interface RouteOptions {
  /** Do not parse the body: the handler reads `req.stream`. */
  raw?: boolean;
  /** Serve without a token (the handler checks visibility itself). */
  anonymous?: boolean;
}

interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: Handler;
  options: RouteOptions;
}

export interface RequestLogEntry {
  seq: number;
  forge: SimForge;
  method: string;
  /** Route template, or `UNMATCHED`. */
  route: string;
  path: string;
  status: number;
  durationMs: number;
  /** Injected fault kind, if any. */
  fault?: string;
  /** Sim time. */
  at: string;
  /** Whether a token was sent (never the token itself). */
  authenticated: boolean;
  /** The username the token belongs to (never the token), to audit what one actor did. */
  user?: string;
  /** For writes: a few identifying body fields (e.g. `force`), to audit what the bot did. */
  detail?: Record<string, unknown>;
  /** What the answer cost against the forge's rate limit (`core` 1, a 304 on GitHub 0, …). */
  rate?: RateCost;
}

/** An answer as the rate-limit model sees it. */
export interface AnswerInfo {
  method: string;
  route: string;
  status: number;
  user: SimUser | null;
  /** A 304 to `If-None-Match`. */
  notModified: boolean;
}

export interface RateCost {
  resource: string;
  points: number;
}

export interface ViewOptions {
  forge: SimForge;
  world: World;
  faults: FaultInjector;
  log: RequestLogEntry[];
  /** Turn an error into this API's body (`{message}` on GitLab; `{message, documentation_url}` on GitHub). */
  errorBody: (status: number, message: string, code?: string) => unknown;
  /** Read the token from the headers the way this API does. */
  tokenFrom: (req: IncomingMessage, url: URL) => string | undefined;
  /**
   * Headers added to every answer (rate-limit headers and the like); charges the answer to the
   * forge's rate limit and says what it cost (for the request log).
   */
  commonHeaders?: (answer: AnswerInfo) => { headers: Record<string, string>; cost?: RateCost };
  /**
   * Weak ETags on GET answers with a JSON body, and `304 Not Modified` to a matching
   * `If-None-Match` (both forges do: GitHub everywhere, GitLab through Rails' Rack::ETag and
   * Rack::ConditionalGet; see docs/dev/forge-behaviour.md).
   */
  etags?: boolean;
  /** Headers of a throttled (429) answer, in this forge's form (default: `retry-after` only). */
  throttledHeaders?: (retryAfterSeconds: number) => Record<string, string>;
  /** Called before each request is handled (the CI engine catches up with the clock). */
  beforeRequest?: () => Promise<void>;
  /** Body size limit for parsed bodies. */
  maxBodyBytes?: number;
}

export interface View {
  add(method: string, template: string, handler: Handler, options?: RouteOptions): void;
  server: Server;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchRoute(route: Route, segments: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const pattern = route.segments[i]!;
    if (pattern.startsWith(':') && pattern.endsWith('*')) {
      const rest = segments.slice(i);
      if (rest.length === 0) return null;
      params[pattern.slice(1, -1)] = rest.map(safeDecode).join('/');
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return null;
    if (pattern.startsWith(':')) params[pattern.slice(1)] = safeDecode(segment);
    else if (pattern !== segment) return null;
  }
  return segments.length === route.segments.length ? params : null;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new SimError(413, 'Request Entity Too Large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(buffer: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (buffer.length === 0) return {};
  const type = (contentType ?? '').split(';')[0]!.trim();
  if (type === 'application/x-www-form-urlencoded') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(buffer.toString('utf8'))) {
      if (k.endsWith('[]')) ((out[k.slice(0, -2)] ??= []) as unknown[]).push(v);
      else out[k] = v;
    }
    return out;
  }
  try {
    const parsed: unknown = JSON.parse(buffer.toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    throw new SimError(400, 'Problems parsing JSON', 'bad_json');
  }
}

const AUDITED_FIELDS = [
  'force',
  'sha',
  'ref',
  'branch',
  'start_branch',
  'state',
  'state_event',
  'merge_when_pipeline_succeeds',
  'auto_merge',
];

export function createView(options: ViewOptions): View {
  const routes: Route[] = [];
  const sockets = new Set<Socket>();
  const maxBody = options.maxBodyBytes ?? 20 * 1024 * 1024;
  // Only when the conformance suite asks for it (test/conformance/global-setup.ts).
  const recordAnswer = answerRecorder(options.forge);

  function record(entry: Omit<RequestLogEntry, 'seq' | 'forge' | 'at'>): void {
    options.log.push({
      seq: options.log.length + 1,
      forge: options.forge,
      at: options.world.nowIso(),
      ...entry,
    });
  }

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string>,
    info: Omit<AnswerInfo, 'status' | 'notModified'> & { notModified?: boolean },
  ): RateCost | undefined {
    const charged = options.commonHeaders?.({ ...info, status, notModified: info.notModified ?? false });
    const common = charged?.headers ?? {};
    if (info.notModified) {
      res.writeHead(304, { ...common, ...headers });
      res.end();
      return charged?.cost;
    }
    if (body instanceof Readable) {
      res.writeHead(status, { 'content-type': 'application/octet-stream', ...common, ...headers });
      body.pipe(res);
      return charged?.cost;
    }
    let payload: Buffer | string;
    let type = 'application/json';
    if (Buffer.isBuffer(body)) {
      payload = body;
      type = 'application/octet-stream';
    } else if (typeof body === 'string') {
      payload = body;
      type = 'text/plain; charset=utf-8';
    } else if (body === undefined || status === 204) {
      payload = '';
    } else {
      payload = JSON.stringify(body);
    }
    res.writeHead(status, {
      'content-type': type,
      'content-length': String(Buffer.byteLength(payload)),
      ...common,
      ...headers,
    });
    res.end(payload);
    return charged?.cost;
  }

  /**
   * A weak validator over the body and the caller (GitHub varies its answers on Authorization):
   * the same answer to the same user has the same ETag.
   */
  function etagOf(body: unknown, user: SimUser | null): string | undefined {
    if (body === undefined || Buffer.isBuffer(body) || body instanceof Readable || typeof body === 'string')
      return undefined;
    const digest = createHash('sha256')
      .update(`${user?.id ?? 'anonymous'}\n${JSON.stringify(body)}`)
      .digest('hex');
    return `W/"${digest.slice(0, 40)}"`;
  }

  /** `If-None-Match` holds one ETag, a list, or `*`; weak comparison (RFC 9110 13.1.2). */
  function matchesEtag(header: string | undefined, etag: string): boolean {
    if (!header) return false;
    const bare = (tag: string) => tag.trim().replace(/^W\//, '');
    return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const segments = splitPath(url.pathname);
    let route: Route | undefined;
    let params: Record<string, string> | null = null;
    for (const r of routes) {
      if (r.method !== method) continue;
      params = matchRoute(r, segments);
      if (params) {
        route = r;
        break;
      }
    }
    const routeName = route ? `${method} ${route.template}` : 'UNMATCHED';
    const token = options.tokenFrom(req, url);
    const caller = options.world.userByToken(token)?.user ?? null;
    const actor = caller?.username;
    const info = { method, route: routeName, user: caller };
    const base = {
      method,
      route: routeName,
      path: url.pathname,
      authenticated: Boolean(token),
      ...(actor ? { user: actor } : {}),
    };

    const decision = options.faults.decide(options.forge, method, routeName);
    if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
    if (decision.kind === 'reset') {
      record({ ...base, status: 0, durationMs: performance.now() - started, fault: 'reset' });
      req.socket.destroy();
      return;
    }
    if (decision.kind === 'hang') {
      record({ ...base, status: 0, durationMs: performance.now() - started, fault: 'hang' });
      return; // the socket stays open until the client gives up or the server closes
    }
    if (decision.kind === 'error') {
      req.resume();
      const rate = send(
        res,
        decision.status,
        options.errorBody(decision.status, `${decision.status} simulated failure`),
        {},
        info,
      );
      record({
        ...base,
        status: decision.status,
        durationMs: performance.now() - started,
        fault: 'error',
        ...(rate ? { rate } : {}),
      });
      return;
    }
    if (decision.kind === 'rate_limit') {
      req.resume();
      const rate = send(
        res,
        429,
        options.errorBody(429, 'API rate limit exceeded'),
        options.throttledHeaders?.(decision.retryAfterSeconds) ?? {
          'retry-after': String(decision.retryAfterSeconds),
        },
        info,
      );
      record({
        ...base,
        status: 429,
        durationMs: performance.now() - started,
        fault: 'rate_limit',
        ...(rate ? { rate } : {}),
      });
      return;
    }

    let status = 500;
    let detail: Record<string, unknown> | undefined;
    let rate: RateCost | undefined;
    try {
      await options.beforeRequest?.();
      if (!route) throw new SimError(404, 'Not Found', 'unknown_route');
      const auth = options.world.userByToken(token);
      if (token && !auth) throw new SimError(401, 'Unauthorized', 'bad_credentials');
      if (!auth && !route.options.anonymous) throw new SimError(401, 'Unauthorized', 'unauthenticated');
      let body: Record<string, unknown> = {};
      if (!route.options.raw) {
        body = parseBody(await readBody(req, maxBody), req.headers['content-type']);
        if (method !== 'GET') {
          detail = {};
          for (const f of AUDITED_FIELDS) if (body[f] !== undefined) detail[f] = body[f];
          if (Object.keys(detail).length === 0) detail = undefined;
        }
      }
      const answer = await route.handler({
        method,
        url,
        params: params!,
        query: url.searchParams,
        headers: req.headers,
        body,
        stream: req,
        user: auth?.user ?? null,
        token: auth?.token ?? null,
        route: routeName,
      });
      status = answer.status ?? (answer.body === undefined ? 204 : 200);
      const etag =
        options.etags && method === 'GET' && status === 200 ? etagOf(answer.body, caller) : undefined;
      if (etag && matchesEtag(req.headers['if-none-match'], etag)) {
        status = 304;
        // A 304 carries the validator and the caching headers, never the body (RFC 9110 15.4.5).
        rate = send(res, 304, undefined, { etag }, { ...info, notModified: true });
        return;
      }
      rate = send(res, status, answer.body, { ...(answer.headers ?? {}), ...(etag ? { etag } : {}) }, info);
      recordAnswer?.({
        method,
        path: url.pathname,
        query: url.search,
        route: routeName,
        status,
        body: answer.body,
        request: body,
      });
    } catch (error) {
      const simError =
        error instanceof SimError
          ? error
          : new SimError(500, `Internal Server Error: ${(error as Error).message}`);
      status = simError.status;
      if (!req.complete) req.resume();
      if (!res.headersSent) {
        const errorBody = options.errorBody(status, simError.message, simError.code);
        rate = send(res, status, errorBody, {}, info);
        recordAnswer?.({
          method,
          path: url.pathname,
          query: url.search,
          route: routeName,
          status,
          body: errorBody,
        });
      } else res.destroy();
    } finally {
      record({
        ...base,
        status,
        durationMs: performance.now() - started,
        ...(detail ? { detail } : {}),
        ...(rate ? { rate } : {}),
      });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(
          res,
          500,
          options.errorBody(500, String(error)),
          {},
          { method: req.method ?? 'GET', route: 'UNMATCHED', user: null },
        );
    });
  });
  // GitLab's bundled nginx keeps idle connections 65 s. Node's 5 s default raced clients in the same
  // process: after a long synchronous step (seeding thousands of commits) the server's idle timer and
  // the client's reuse of that socket fired together, and the request died with ECONNRESET.
  server.keepAliveTimeout = 65_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    add(method, template, handler, routeOptions = {}) {
      routes.push({
        method: method.toUpperCase(),
        template,
        segments: splitPath(template),
        handler,
        options: routeOptions,
      });
    },
    server,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve) => {
        server.listen(port, host, () => {
          const { port: actual } = server.address() as AddressInfo;
          resolve(`http://${host}:${actual}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
}

/** Offset pagination (`page`, `per_page`) shared by both views; each adds its own headers. */
export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  options: { defaultPerPage?: number; maxPerPage?: number } = {},
): { page: number; perPage: number; total: number; totalPages: number; items: T[] } {
  const perPage = Math.min(
    Math.max(
      1,
      Number(query.get('per_page') ?? options.defaultPerPage ?? 20) || (options.defaultPerPage ?? 20),
    ),
    options.maxPerPage ?? 100,
  );
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const total = items.length;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  return { page, perPage, total, totalPages, items: items.slice((page - 1) * perPage, page * perPage) };
}

/** RFC 8288 Link header for page-based pagination of `url`. */
export function linkHeader(
  url: URL,
  publicBase: string,
  page: number,
  totalPages: number,
  includeLast = true,
): string {
  const link = (p: number, rel: string) => {
    const u = new URL(url.pathname + url.search, publicBase);
    u.searchParams.set('page', String(p));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(link(page - 1, 'prev'));
  if (page < totalPages) parts.push(link(page + 1, 'next'));
  parts.push(link(1, 'first'));
  if (includeLast) parts.push(link(totalPages, 'last'));
  return parts.join(', ');
}
