import type { RunDetail } from './data.js';
import { timeIn, took } from './format.js';
import { h, link, type Html } from './html.js';
import { layout, statusBadge } from './layout.js';
import { PENDING_LABELS } from './pending.js';
import type { LogLine, ShownResult } from './result.js';
import { verdictsSection } from './alerts.js';

/** `GET /runs/:id`: one run — facts and timings, error, plan/actions, items, links, log. */

function when(iso: string | null, timezone: string): Html | string {
  if (!iso) return '–';
  return h`<time datetime="${iso}">${timeIn(iso, timezone)}</time> <span class="muted">(${timezone}; ${iso})</span>`;
}

function offset(ms: number | null): string {
  return ms === null ? '' : `+${(ms / 1000).toFixed(3)}s`;
}

function logLine(line: LogLine): Html {
  const fields = Object.keys(line.fields).length ? JSON.stringify(line.fields) : '';
  const level = line.level ? h`<b>${line.level.toUpperCase()}</b> ` : '';
  return h`<li class="lv-${line.level || 'none'}"><span class="t">${offset(line.offsetMs)}</span> ${level}${line.msg}${fields ? h` <span class="f">${fields}</span>` : ''}</li>`;
}

function actionsSection(result: ShownResult | null, dryRun: boolean): Html | string {
  if (!result) return '';
  if (result.actions.length === 0)
    return h`<h3>Actions</h3><p class="muted small">No action ${dryRun ? 'planned' : 'taken'}.</p>`;
  const rows = result.actions.map((a) => {
    const state = a.done
      ? h`<span class="done" title="done">✓</span>`
      : h`<span class="planned" title="planned, not done">○</span>`;
    return h`<li>${state} ${a.subject ? h`<b>${a.subject}</b>: ` : ''}${a.description}${a.url ? h` · ${link(a.url, 'open')}` : ''} <span class="muted small">${a.kind}</span></li>`;
  });
  return h`<h3>${dryRun ? 'Plan' : 'Actions'}</h3><ul class="actions">${rows}</ul>`;
}

function itemsSection(result: ShownResult | null): Html | string {
  if (!result?.items.length) return '';
  const rows = result.items.map(
    (i) =>
      h`<tr><td>${i.name}</td><td>${statusBadge(i.status)}</td><td class="summary">${i.summary}</td><td class="links">${i.links.map((l) => link(l.url, l.text))}</td></tr>`,
  );
  return h`<h3>Items</h3><table><thead><tr><th>name</th><th>status</th><th>summary</th><th>links</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderRunPage(detail: RunDetail): string {
  const { run, result, timezone } = detail;
  const links = result?.links ?? [];
  const pending = detail.pending.map(
    (p) =>
      h`<li><span class="kind">${PENDING_LABELS[p.kind] ?? p.kind}</span>${p.url ? link(p.url, p.title) : p.title}</li>`,
  );
  const dry = run.dryRun ? h`<span class="badge plain">dry run (planned, nothing written)</span>` : '';
  const body = h`<p class="small"><a href="/">← status</a> · <a href="/#job-${run.job}">${run.job}</a> · <a href="/api/runs/${encodeURIComponent(run.id)}">JSON</a></p>
<section class="card run" id="run">
<div class="job-head"><h2>${run.job} · run <span class="mono">${run.id}</span></h2>${statusBadge(run.status)}${dry}</div>
<dl class="facts">
<dt>summary</dt><dd class="summary">${run.summary || '–'}</dd>
<dt>trigger</dt><dd>${run.trigger}${run.slot ? h` <span class="muted">(slot ${run.slot})</span>` : ''}</dd>
<dt>started</dt><dd>${when(run.startedAt, timezone)}</dd>
<dt>finished</dt><dd>${when(run.finishedAt, timezone)}</dd>
<dt>took</dt><dd>${took(run.durationMs)}${run.attempts > 1 ? h` <span class="muted">in ${run.attempts} attempts</span>` : ''}</dd>
<dt>ran on</dt><dd class="mono">${run.holder}</dd>
</dl>
${run.error ? h`<h3>Error</h3><div class="error" id="error">${run.error}</div>` : ''}
${pending.length ? h`<h3>Waiting for a human</h3><ul>${pending}</ul>` : ''}
${verdictsSection(detail.verdicts)}
${actionsSection(result, run.dryRun)}
${itemsSection(result)}
${links.length ? h`<h3>Links</h3><p class="links">${links.map((l) => link(l.url, l.text))}</p>` : ''}
${result?.details ? h`<details><summary>details (JSON)</summary><pre>${JSON.stringify(result.details, null, 2)}</pre></details>` : ''}
<h3>Log</h3>
${detail.logs.length ? h`<ol class="log">${detail.logs.map(logLine)}</ol>` : h`<p class="muted small">No log lines kept for this run.</p>`}
</section>`;
  return layout({ title: `${run.job} run ${run.id} — release-bot`, body });
}

export function renderNotFound(what: string): string {
  const body = h`<section class="card"><h2>Not found</h2><p>${what}</p><p><a href="/">← back to the status page</a></p></section>`;
  return layout({ title: 'not found — release-bot', body });
}
