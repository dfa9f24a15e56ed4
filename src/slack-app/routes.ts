import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler } from '../http/server.js';
import { handleAction } from './actions.js';
import { handleCommand, type SlackDeps } from './commands.js';
import { verifySlackRequest } from './signature.js';

/**
 * The Slack app's endpoints on the daemon's server: `POST /slack/commands` (slash commands) and
 * `POST /slack/actions` (buttons). Mounted before the server's own auth (Slack cannot send a
 * bearer token): every request must carry Slack's signature over its raw body, made with the
 * app's signing secret within five minutes, and each signed request acts once (a replay within
 * the window is refused: its signature is claimed in the store, shared by replicas).
 */

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        // Keep nothing more; the answer (413) closes the connection once it is written.
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, json = false): true {
  res.writeHead(status, {
    'content-type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(body);
  return true;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function slackRoutes(deps: SlackDeps): RouteHandler[] {
  const handler: RouteHandler = async (req, res, url) => {
    const path = url.pathname;
    if (path !== '/slack/commands' && path !== '/slack/actions') return false;
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, 'method not allowed\n');
    }
    const body = await readBody(req);
    if (body === null) {
      res.setHeader('connection', 'close');
      send(res, 413, 'request too large\n');
      res.on('finish', () => req.destroy());
      return true;
    }
    const verdict = verifySlackRequest({
      secret: deps.app.signingSecret,
      timestamp: header(req, 'x-slack-request-timestamp'),
      signature: header(req, 'x-slack-signature'),
      body,
      now: new Date(),
    });
    if (!verdict.ok) {
      deps.log.warn({ path, reason: verdict.reason }, `refused a Slack request: ${verdict.reason}`);
      return send(res, 401, 'invalid signature\n');
    }
    if (!(await deps.store.claimSlot(`slack-request:${verdict.signature}`, 'slack'))) {
      deps.log.warn({ path }, 'refused a replayed Slack request');
      return send(res, 401, 'replayed request\n');
    }
    const form = new URLSearchParams(body);
    if (path === '/slack/actions') {
      const answer = await handleAction(deps, form.get('payload') ?? '');
      return send(res, answer.status, answer.body);
    }
    const teamId = form.get('team_id') ?? undefined;
    if (deps.app.teamId && teamId !== deps.app.teamId) return send(res, 403, 'wrong workspace\n');
    const userId = form.get('user_id');
    if (!userId) return send(res, 400, 'no user_id\n');
    const answer = await handleCommand(deps, {
      userId,
      userName: form.get('user_name') ?? undefined,
      teamId,
      text: form.get('text') ?? '',
      responseUrl: form.get('response_url') ?? undefined,
    });
    return send(res, 200, JSON.stringify(answer), true);
  };
  return [handler];
}

/** POSTs a follow-up answer to a Slack `response_url` (http(s) only, ten-second limit). */
export async function postToResponseUrl(url: string, body: unknown): Promise<void> {
  if (!/^https?:\/\//i.test(url)) return;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`response_url answered ${response.status}`);
}
