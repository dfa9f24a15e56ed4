import type { ServerResponse } from 'node:http';
import { isShaPrefix, traceSha, TRACE_EXIT, type TraceAnswer } from '../../domain/bump-trace.js';
import type { Store } from '../../store/types.js';
import type { RouteHandler } from '../server.js';
import { h, link } from './html.js';
import { layout, statusBadge } from './layout.js';
import { renderNotFound } from './run-page.js';
import { CONTENT_SECURITY_POLICY } from './style.js';

/**
 * `/trace/<component>/<sha>` (HTML) and `/api/trace/<component>/<sha>` (JSON): the answer of
 * `release-bot trace` on the status server, from the store only. GET and HEAD.
 */

const COMPONENT = /^[a-z0-9][\w.-]{0,99}$/i;

function send(res: ServerResponse, head: boolean, status: number, json: boolean, body: string): true {
  const headers: Record<string, string> = {
    'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (!json) headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
  res.writeHead(status, headers);
  res.end(head ? undefined : body);
  return true;
}

function when(iso: string | null): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : 'not yet';
}

export function renderTracePage(answer: TraceAnswer): string {
  const rows = answer.environments.map(
    (e) =>
      h`<tr><td>${e.name}</td><td>${e.label}</td><td>${when(e.reachedAt)}</td><td>${e.deployment ? link(e.deployment.url, `#${e.deployment.id} ${e.deployment.version}`) : '–'}</td><td>${e.rolledBack ? `rolled back by #${e.rolledBack.deploymentId} at ${when(e.rolledBack.at)}` : ''}${e.failed.map((f) => h` ${link(f.url, `failed #${f.deploymentId}`)}`)}</td></tr>`,
  );
  const verdicts = answer.verdicts.map(
    (v) =>
      h`<li>${v.environment} #${v.deployment.id}: <b>${v.verdict ?? 'not judged'}</b>${v.rolledBack ? ', rolled back' : ''} — ${v.summary}</li>`,
  );
  const rollback = answer.rollback
    ? h`<p><b>Rollback past it:</b> ${answer.rollback.safe === null ? 'unknown' : answer.rollback.safe ? 'safe' : 'unsafe'} — ${answer.rollback.reason}</p>`
    : '';
  const body = h`<p class="small"><a href="/">← status</a> · <a href="/api/trace/${encodeURIComponent(answer.component)}/${encodeURIComponent(answer.sha)}">JSON</a></p>
<section class="card">
<div class="job-head"><h2>${answer.component} <span class="mono">${answer.sha}</span></h2>${statusBadge(answer.status)}</div>
<p class="summary">${answer.summary}</p>
${answer.bump ? h`<p>Bump: ${link(answer.bump.url, answer.bump.title)} · merged ${when(answer.bump.mergedAt)} as <span class="mono">${answer.bump.mergeSha.slice(0, 11)}</span></p>` : ''}
${rows.length ? h`<table><thead><tr><th>environment</th><th>label</th><th>reached</th><th>deployment</th><th>since</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
${verdicts.length ? h`<h3>verify-deployment</h3><ul>${verdicts}</ul>` : ''}
${rollback}
</section>`;
  return layout({ title: `trace ${answer.component} ${answer.sha} — release-bot`, body });
}

export function traceRoutes(store: Store): RouteHandler[] {
  const handler: RouteHandler = async (req, res, url) => {
    const json = url.pathname.startsWith('/api/trace/');
    if (!json && !url.pathname.startsWith('/trace/')) return false;
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      return send(
        res,
        head,
        405,
        json,
        json ? '{"error":"method not allowed"}\n' : renderNotFound('Only GET and HEAD.'),
      );
    }
    let parts: string[];
    try {
      parts = url.pathname
        .slice(json ? '/api/trace/'.length : '/trace/'.length)
        .split('/')
        .map(decodeURIComponent);
    } catch {
      parts = [];
    }
    const [component, sha] = parts;
    if (
      parts.length !== 2 ||
      !component ||
      !sha ||
      !COMPONENT.test(component) ||
      !isShaPrefix(sha.toLowerCase())
    ) {
      const what = 'Use /trace/<component>/<sha> (a sha of 7 to 64 hex digits).';
      return send(res, head, 404, json, json ? `${JSON.stringify({ error: what })}\n` : renderNotFound(what));
    }
    const answer = await traceSha(store, component, sha.toLowerCase());
    return json
      ? send(res, head, 200, true, `${JSON.stringify({ ...answer, exitCode: TRACE_EXIT[answer.status] })}\n`)
      : send(res, head, 200, false, renderTracePage(answer));
  };
  return [handler];
}
