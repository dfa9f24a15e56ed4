import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';

/**
 * The daemon's HTTP server: /healthz, /metrics, and whatever pages are mounted (the status page).
 * Loopback needs no auth; any other bind address requires a token or basic auth from the config.
 */

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) => Promise<boolean> | boolean;

export interface DaemonServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function authorized(req: IncomingMessage, auth: ServerConfig['auth']): boolean {
  if (!auth || (!auth.token && !auth.basic)) return true;
  const header = req.headers.authorization ?? '';
  if (auth.token && header.startsWith('Bearer ') && same(header.slice(7), auth.token)) return true;
  if (auth.basic && header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    if (same(decoded, auth.basic)) return true;
  }
  return false;
}

export function checkServerConfig(config: ServerConfig): void {
  if (!LOOPBACK.has(config.host) && !config.auth?.token && !config.auth?.basic) {
    throw new ConfigError(
      `server.host ${config.host} is not loopback: set server.auth.token or server.auth.basic`,
      [
        `server.auth: required when server.host (${config.host}) is not a loopback address — the status page shows run history`,
      ],
    );
  }
}

export async function startDaemonServer(input: {
  config: ServerConfig;
  health: () => Promise<{ ok: boolean; details: Record<string, unknown> }>;
  metrics: () => Promise<{ contentType: string; body: string }>;
  routes?: RouteHandler[];
  /**
   * Routes that authenticate requests themselves and are served before the server's auth (the
   * Slack app: Slack signs its requests and cannot send a bearer token).
   */
  selfAuthenticated?: RouteHandler[];
}): Promise<DaemonServer> {
  checkServerConfig(input.config);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void (async () => {
      try {
        if (url.pathname === '/healthz') {
          const health = await input.health();
          res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: health.ok ? 'ok' : 'unhealthy', ...health.details }));
          return;
        }
        for (const route of input.selfAuthenticated ?? []) if (await route(req, res, url)) return;
        if (!authorized(req, input.config.auth)) {
          res.writeHead(401, {
            'www-authenticate': 'Basic realm="release-bot"',
            'content-type': 'text/plain',
          });
          res.end('unauthorized\n');
          return;
        }
        if (url.pathname === '/metrics') {
          const metrics = await input.metrics();
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(metrics.body);
          return;
        }
        for (const route of input.routes ?? []) if (await route(req, res, url)) return;
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      } catch (error) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`internal error: ${(error as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(input.config.port, input.config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = input.config.host.includes(':') ? `[${input.config.host}]` : input.config.host;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
