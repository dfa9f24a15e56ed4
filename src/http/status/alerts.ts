import type { AlertRecord } from '../../store/alerts.js';
import { relative, timeIn } from './format.js';
import { h, link, safeUrl, type Html } from './html.js';

/** Same as strip.ts's, which cannot be imported here (strip.ts reads data.ts, which reads this). */
function runHref(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}

/**
 * Open alerts on the status page (red, on top, under "Waiting for a human") and a run's verdicts
 * on its page, with the evidence in plain view. Alerts come from the store's alerts table
 * (src/runner/verdicts.ts writes it); verdicts from the run's stored result, read defensively.
 */

export type AlertEntry = Omit<AlertRecord, 'state' | 'closedAt' | 'closedBy' | 'resolution'>;

export function alertEntry(alert: AlertRecord): AlertEntry {
  const { state: _s, closedAt: _c, closedBy: _b, resolution: _r, ...open } = alert;
  return { ...open, url: safeUrl(open.url) };
}

export function alertItems(alerts: AlertEntry[], now: Date, timezone: string): Html[] {
  return alerts.map(
    (a) =>
      h`<li class="alert" data-subject="${a.subject}"><span class="kind alert-kind">alert</span>${a.url ? link(a.url, a.title, { className: 'alert-link' }) : h`<b>${a.title}</b>`}${a.reason ? h`<div class="alert-reason">${a.reason}</div>` : ''}${a.nextStep ? h`<div class="next-step"><b>Next step:</b> ${a.nextStep}</div>` : ''}<span class="muted small">— ${a.job} · ${a.subject} · open since <time datetime="${a.openedAt}" title="${timeIn(a.openedAt, timezone)}">${relative(a.openedAt, now)}</time>${a.seen > 1 ? ` · seen in ${a.seen} runs` : ''} · <a href="${runHref(a.openedBy)}">run that opened it</a>${a.lastRunId !== a.openedBy ? h` · <a href="${runHref(a.lastRunId)}">latest</a>` : ''}</span></li>`,
  );
}

export interface ShownVerdict {
  subject: string;
  verdict: string;
  title: string;
  reason: string;
  url: string | null;
  nextStep: string;
}

/** The verdicts a stored result carries; anything malformed is left out. */
export function readVerdicts(result: unknown): ShownVerdict[] {
  const list = (result as { verdicts?: unknown } | null)?.verdicts;
  if (!Array.isArray(list)) return [];
  const out: ShownVerdict[] = [];
  for (const v of list.slice(0, 200)) {
    if (typeof v !== 'object' || v === null) continue;
    const { subject, verdict, title, reason, url, nextStep } = v as Record<string, unknown>;
    if (typeof subject !== 'string' || typeof verdict !== 'string' || typeof title !== 'string') continue;
    out.push({
      subject,
      verdict,
      title,
      reason: typeof reason === 'string' ? reason : '',
      url: safeUrl(url),
      nextStep: typeof nextStep === 'string' ? nextStep : '',
    });
  }
  return out;
}

export function verdictsSection(verdicts: ShownVerdict[]): Html | string {
  if (verdicts.length === 0) return '';
  const rows = verdicts.map(
    (v) =>
      h`<tr class="v-${v.verdict}"><td><span class="badge v-${v.verdict}">${v.verdict}</span></td><td class="mono small">${v.subject}</td><td>${v.url ? link(v.url, v.title) : v.title}${v.reason ? h`<div class="evidence">${v.reason}</div>` : ''}${v.nextStep ? h`<div class="next-step"><b>Next step:</b> ${v.nextStep}</div>` : ''}</td></tr>`,
  );
  return h`<h3>Verdicts</h3><table class="verdicts"><thead><tr><th>verdict</th><th>subject</th><th>what was found</th></tr></thead><tbody>${rows}</tbody></table>`;
}
