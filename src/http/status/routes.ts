import type { ServerResponse } from 'node:http';
import type { Config } from '../../config/schema.js';
import type { JobDefinition } from '../../runner/job.js';
import type { Store } from '../../store/types.js';
import type { Scheduler } from '../../runner/scheduler.js';
import type { RouteHandler } from '../server.js';
import { createStatusReader, type StatusSource } from './data.js';
import { renderNotFound, renderRunPage } from './run-page.js';
import { renderStatusPage } from './status-page.js';
import { traceRoutes } from './trace-page.js';
import { CONTENT_SECURITY_POLICY } from './style.js';

/**
 * The status page's routes on the daemon's server (which has already checked auth):
 * `/` and `/api/status`, `/runs/:id` and `/api/runs/:id`. GET and HEAD only.
 */

const RUN_ID = /^[\w.:-]{1,128}$/;

function send(res: ServerResponse, head: boolean, status: number, type: 'html' | 'json', body: string): true {
  const headers: Record<string, string> = {
    'content-type': type === 'html' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (type === 'html') headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
  res.writeHead(status, headers);
  res.end(head ? undefined : body);
  return true;
}

function runIdOf(pathname: string, prefix: string): string | null | undefined {
  if (!pathname.startsWith(prefix)) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(pathname.slice(prefix.length));
  } catch {
    return null;
  }
  return RUN_ID.test(id) ? id : null;
}

export function createStatusRoutes(source: StatusSource): RouteHandler[] {
  const reader = createStatusReader(source);
  const handler: RouteHandler = async (req, res, url) => {
    const path = url.pathname;
    const json = path.startsWith('/api/');
    const known =
      path === '/' || path === '/api/status' || path.startsWith('/runs/') || path.startsWith('/api/runs/');
    if (!known) return false;
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      return send(
        res,
        head,
        405,
        json ? 'json' : 'html',
        json ? '{"error":"method not allowed"}\n' : renderNotFound('Only GET and HEAD are served here.'),
      );
    }
    if (path === '/') return send(res, head, 200, 'html', renderStatusPage(await reader.status()));
    if (path === '/api/status')
      return send(res, head, 200, 'json', `${JSON.stringify(await reader.status())}\n`);

    const id = runIdOf(path, json ? '/api/runs/' : '/runs/');
    const detail = id ? await reader.run(id) : null;
    if (!detail) {
      const what = id ? `No run with id ${id}.` : 'That is not a run id.';
      return json
        ? send(res, head, 404, 'json', `${JSON.stringify({ error: what })}\n`)
        : send(res, head, 404, 'html', renderNotFound(what));
    }
    return json
      ? send(res, head, 200, 'json', `${JSON.stringify(detail)}\n`)
      : send(res, head, 200, 'html', renderRunPage(detail));
  };
  return [handler];
}

/** The factory `release-bot start` registers (app/commands/start.ts `registerStatusRoutes`). */
/** What the status page reads of the running app (the composition root in app/ passes itself). */
export interface StatusSources {
  config: Config;
  jobs: JobDefinition[];
  store: Store;
}

export function statusPageRoutes(app: StatusSources, scheduler: Scheduler): RouteHandler[] {
  return [
    ...createStatusRoutes({
      config: app.config,
      jobs: app.jobs,
      store: app.store,
      inFlight: () => scheduler.inFlight(),
    }),
    ...traceRoutes(app.store),
  ];
}
