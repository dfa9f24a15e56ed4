import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that plays back recorded forge interactions: each request is answered with
 * the recorded status, headers and body of the interaction it matches (by a key the caller
 * chooses, e.g. the OpenAPI operation), in recorded order. The recorded forge's origins in
 * headers and bodies (pagination links, upload URLs) are rewritten to the server's own.
 */

export interface Interaction {
  method: string;
  /** Path as recorded, with its query. */
  path: string;
  status: number;
  headers: Record<string, string>;
  response: unknown;
  source: string;
}

export interface Received {
  method: string;
  path: string;
  body: string;
}

export interface Replay {
  url: string;
  received: Received[];
  /** Requests no interaction matched (answered 599 so the caller fails loudly). */
  unmatched: Received[];
  /** A recorded value as this replay serves it (origins rewritten). */
  rewrite<T>(value: T): T;
  close(): Promise<void>;
}

/** One recording from test/conformance/fixtures (the shared contracts format). */
export function contract(
  file: string,
): Interaction & { request: { path: string; query?: Record<string, unknown> } } {
  const c = JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as {
    source: string;
    request: { method: string; path: string; query?: Record<string, unknown> };
    status: number;
    headers: Record<string, string>;
    response: unknown;
  };
  const query = new URLSearchParams(
    Object.entries(c.request.query ?? {}).flatMap(([k, v]) =>
      Array.isArray(v)
        ? v.map((x): [string, string] => [k, String(x)])
        : [[k, String(v)] as [string, string]],
    ),
  ).toString();
  return {
    method: c.request.method,
    path: query ? `${c.request.path}?${query}` : c.request.path,
    status: c.status,
    headers: c.headers,
    response: c.response,
    source: c.source,
    request: c.request,
  };
}

/** One interaction of an @octokit/fixtures scenario (nock definitions). */
export function octokitFixture(entry: {
  scope: string;
  method: string;
  path: string;
  status: number;
  response: unknown;
  headers?: Record<string, string>;
}): Interaction {
  return {
    method: entry.method.toUpperCase(),
    path: entry.path,
    status: entry.status,
    headers: entry.headers ?? {},
    response: entry.response,
    source: `@octokit/fixtures ${entry.scope}${entry.path}`,
  };
}

/** Headers of the recorded transfer, not of the answer (the body is re-serialised here). */
const HOP_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection']);

/** The recorded forges' origins (and the hosts GitLab's docs examples use), rewritten to the replay's. */
const ORIGINS =
  /https:\/\/(api\.github\.com|uploads\.github\.com|gitlab\.com|gitlab\.example\.com|example\.com)(:443)?|http:\/\/(gitlab\.example\.com|localhost:3000|127\.0\.0\.1:3000|gitlab\.dev)/g;

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startReplay(
  interactions: Interaction[],
  key: (method: string, pathname: string) => string,
): Promise<Replay> {
  const queues = new Map<string, Interaction[]>();
  for (const i of interactions) {
    const k = key(i.method, i.path.split('?')[0]!);
    queues.set(k, [...(queues.get(k) ?? []), i]);
  }
  const received: Received[] = [];
  const unmatched: Received[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://replay.invalid');
      const entry = { method: req.method ?? 'GET', path: url.pathname + url.search, body: await bodyOf(req) };
      received.push(entry);
      const queue = queues.get(key(entry.method, url.pathname)) ?? [];
      // Pages of one list share a key: the page number picks the recording (an unrecorded page is unmatched).
      const page = url.searchParams.get('page') ?? '1';
      const candidates = queue.filter(
        (i) => (new URL(i.path, 'http://x').searchParams.get('page') ?? '1') === page,
      );
      const hit = candidates[0];
      if (!hit) {
        unmatched.push(entry);
        res.writeHead(599, { 'content-type': 'text/plain' }).end('no recorded interaction');
        return;
      }
      if (candidates.length > 1) queue.splice(queue.indexOf(hit), 1); // the last one keeps answering
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      for (const [k, v] of Object.entries(hit.headers))
        if (!HOP_HEADERS.has(k.toLowerCase())) headers[k.toLowerCase()] = String(v).replace(ORIGINS, origin);
      if (hit.status === 204 || hit.status === 304 || hit.response === undefined || hit.response === '') {
        res.writeHead(hit.status, headers).end();
        return;
      }
      const text =
        typeof hit.response === 'string'
          ? hit.response
          : JSON.stringify(hit.response).replace(ORIGINS, origin);
      res.writeHead(hit.status, headers).end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    received,
    unmatched,
    rewrite: <T>(value: T) => JSON.parse(JSON.stringify(value).replace(ORIGINS, origin)) as T,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
