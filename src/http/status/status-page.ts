import type { JobStatus, StatusData } from './data.js';
import { relative, timeIn, took } from './format.js';
import { h, link, type Html } from './html.js';
import { layout, statusBadge } from './layout.js';
import { PENDING_LABELS } from './pending.js';
import { runHref, runStrip, stripLegend } from './strip.js';
import { alertItems } from './alerts.js';

/** `GET /`: what waits for a human, then every job — schedule, next runs, last result, run strip. */

function pendingSection(data: StatusData, now: Date): Html {
  const { pending, timezone } = data;
  // Open alerts first, in red: the world needs a human even when every run was "ok".
  const alerts = alertItems(data.alerts, now, timezone);
  if (pending.length === 0 && alerts.length === 0)
    return h`<section class="card pending" id="pending"><h2>Waiting for a human</h2><p class="muted small">Nothing waits for a human.</p></section>`;
  const items = pending.map((p) => {
    const since = p.since
      ? h`, waiting since <time datetime="${p.since}" title="${timeIn(p.since, timezone)}">${relative(p.since, now)}</time>`
      : '';
    return h`<li><span class="kind">${PENDING_LABELS[p.kind] ?? p.kind}</span>${p.url ? link(p.url, p.title, { className: 'pending-link' }) : p.title} <span class="muted small">— ${p.job}${since} · <a href="${runHref(p.runId)}">run</a></span></li>`;
  });
  const red = alerts.length ? ' has-alerts' : '';
  return h`<section class="card pending${red}" id="pending"><h2>Waiting for a human (${alerts.length + pending.length})</h2>${alerts.length ? h`<ul class="alerts" id="alerts">${alerts}</ul>` : ''}${items.length ? h`<ul>${items}</ul>` : ''}</section>`;
}

/** Paused jobs, held components and freezes: what keeps the bot from writing, and until when. */
function controlsSection(data: StatusData, now: Date): Html {
  const { pauses, holds, freezes } = data.controls;
  const zone = data.timezone;
  const at = (iso: string) =>
    h`<time datetime="${iso}" title="${relative(iso, now)}">${timeIn(iso, zone).slice(0, -3)}</time>`;
  const items: Html[] = [
    ...pauses.map(
      (p) =>
        h`<li><span class="kind">paused</span><b>${p.job}</b> ${p.until ? h`until ${at(p.until)}` : 'until resumed'} <span class="muted small">— ${p.by} (${p.via}): ${p.reason}</span></li>`,
    ),
    ...holds.map(
      (x) =>
        h`<li><span class="kind">held</span><b>${x.component}</b> ${x.sha ? h`at <code>${x.sha.slice(0, 11)}</code>` : 'at the next green commit'} until a newer green commit <span class="muted small">— ${x.mr ? h`${link(x.mr.url, `MR !${x.mr.iid}`)} closed without merging` : h`${x.by} (${x.via})`}: ${x.reason}</span></li>`,
    ),
    ...freezes
      .filter((f) => f.window)
      .map(
        (f) =>
          h`<li><span class="kind">${f.window!.active ? 'frozen' : 'freeze'}</span><b>${f.name}</b> ${f.window!.active ? 'now, until' : h`from ${at(f.window!.since)} to`} ${at(f.window!.until)} <span class="muted small">— ${f.jobs === 'all' ? 'all jobs' : f.jobs.join(', ')}: ${f.reason}</span></li>`,
      ),
  ];
  if (items.length === 0) return h``;
  return h`<section class="card pending" id="controls"><h2>Paused, held, frozen (${items.length})</h2><ul>${items}</ul></section>`;
}

function schedule(job: JobStatus): Html {
  if (job.problem) return h`<span class="badge s-failed">config problem</span> ${job.problem}`;
  if (!job.registered)
    return h`<span class="muted">not part of this version of the bot (history only)</span>`;
  if (!job.configured) return h`<span class="muted">not configured (no section in the config)</span>`;
  if (!job.enabled) return h`<span class="muted">disabled</span>`;
  if (job.schedule === 'manual')
    return h`<span class="muted">manual only (release-bot run ${job.name})</span>`;
  const next = job.nextRuns.map(
    (iso, i) => h`${i ? ', ' : ''}<time datetime="${iso}">${job.nextRunsLocal[i]}</time>`,
  );
  return h`schedule <code>${job.schedule}</code> <span class="muted">(${job.timezone})</span> · next: ${next.length ? next : '–'}`;
}

function lastRun(job: JobStatus, now: Date): Html {
  const run = job.last;
  if (!run) return h`<p class="muted small">No finished run yet.</p>`;
  const links = run.links.map((l) => link(l.url, l.text));
  const dry = run.dryRun ? h` <span class="badge plain">dry run</span>` : '';
  return h`<dl class="facts">
<dt>last run</dt><dd>${statusBadge(run.status)}${dry} <a href="${runHref(run.id)}" class="last-run">${timeIn(run.startedAt, job.timezone)}</a> <span class="muted">(${relative(run.startedAt, now)}, took ${took(run.durationMs)}, ${run.trigger})</span></dd>
<dt>summary</dt><dd class="summary">${run.summary || '–'}</dd>
${links.length ? h`<dt>links</dt><dd class="links">${links}</dd>` : ''}
</dl>`;
}

function jobCard(job: JobStatus, now: Date): Html {
  const badges = [
    job.running ? h`<span class="badge s-running">running now</span>` : '',
    job.paused ? h`<span class="badge s-skipped" title="${job.paused.reason}">paused</span>` : '',
    job.frozen ? h`<span class="badge s-skipped" title="${job.frozen.reason}">frozen</span>` : '',
    job.last ? statusBadge(job.last.status) : '',
    job.alerts
      ? h`<a class="badge s-alert" href="#alerts" title="the run worked; what it watches needs a human">${job.alerts} alert${job.alerts === 1 ? '' : 's'} open</a>`
      : '',
  ];
  const strip = job.runs.length
    ? h`${runStrip(job.runs, job.timezone, `last ${job.runs.length} runs of ${job.name}`)}${stripLegend(job.runs)}`
    : '';
  return h`<section class="card job" id="job-${job.name}">
<div class="job-head"><h2>${job.name}</h2>${badges}</div>
${job.description ? h`<div class="muted small">${job.description}</div>` : ''}
<div class="small schedule">${schedule(job)}</div>
${lastRun(job, now)}
${strip}
</section>`;
}

export function renderStatusPage(data: StatusData): string {
  const now = new Date(data.generatedAt);
  const shown = data.jobs.filter((j) => j.configured || j.runs.length > 0);
  const others = data.jobs.filter((j) => !j.configured && j.runs.length === 0);
  const rest = others.length
    ? h`<p class="others">Not configured: ${others.map((j, i) => h`${i ? ', ' : ''}<span title="${j.description}">${j.name}</span>`)}</p>`
    : '';
  const body = h`${pendingSection(data, now)}
${controlsSection(data, now)}
${shown.length ? shown.map((j) => jobCard(j, now)) : h`<p class="muted">No job is configured.</p>`}
${rest}
<p class="muted small">Generated ${timeIn(data.generatedAt, data.timezone)} (${data.timezone}); the page reloads every minute.</p>`;
  return layout({ title: 'release-bot status', body, refreshSeconds: 60 });
}
