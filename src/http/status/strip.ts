import type { RunMark } from './data.js';
import { timeIn, took } from './format.js';
import { h, type Html } from './html.js';

/**
 * The last 50 runs of a job as a picture: one bar per run, oldest left, newest right, coloured by
 * status, taller when the run took longer (log scale), faded for dry runs. Each bar links to its
 * run and carries a tooltip (SVG <title>), so it works without JavaScript.
 */

const SLOTS = 50;
const PITCH = 12;
const BAR = 9;
const HEIGHT = 30;
const MIN_BAR = 9;

function barHeight(ms: number | null, longest: number): number {
  if (ms === null || longest <= 0) return MIN_BAR;
  return Math.round(MIN_BAR + ((HEIGHT - MIN_BAR) * Math.log1p(Math.max(ms, 0))) / Math.log1p(longest));
}

function shorten(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function runHref(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}

// The status reader hands out the same runs array until the job's history moves: draw it once.
const drawn = new WeakMap<RunMark[], { key: string; html: Html }>();

export function runStrip(runs: RunMark[], timezone: string, label: string): Html {
  const key = `${timezone} ${label}`;
  const known = drawn.get(runs);
  if (known?.key === key) return known.html;
  const html = draw(runs, timezone, label);
  drawn.set(runs, { key, html });
  return html;
}

function draw(runs: RunMark[], timezone: string, label: string): Html {
  const shown = runs.slice(0, SLOTS).reverse();
  const longest = Math.max(0, ...shown.map((r) => r.durationMs ?? 0));
  const offset = SLOTS - shown.length;
  const width = SLOTS * PITCH;
  const bars = shown.map((run, i) => {
    const height = barHeight(run.durationMs, longest);
    const when = timeIn(run.startedAt, timezone);
    const tip = `${run.status}${run.dryRun ? ' (dry run)' : ''} · ${when} · ${took(run.durationMs)} · ${run.trigger}\n${shorten(run.summary)}`;
    return h`<a href="${runHref(run.id)}" class="s-${run.status}${run.dryRun ? ' dry' : ''}"><title>${tip}</title><rect x="${(offset + i) * PITCH}" y="${HEIGHT - height}" width="${BAR}" height="${height}" rx="1.5"></rect></a>`;
  });
  return h`<svg class="strip" aria-label="${label}" viewBox="0 0 ${width} ${HEIGHT + 2}" width="${width}" height="${HEIGHT + 2}" xmlns="http://www.w3.org/2000/svg"><line x1="0" y1="${HEIGHT + 1}" x2="${width}" y2="${HEIGHT + 1}"></line>${bars}</svg>`;
}

/** "last 50: 41 ok · 7 noop · 2 failed", with colour keys. */
export function stripLegend(runs: RunMark[]): Html {
  const counts = new Map<string, number>();
  for (const r of runs.slice(0, SLOTS)) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  if (counts.size === 0) return h`<div class="legend">no runs yet</div>`;
  const parts = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => h`<i class="s-${status}"></i>${n} ${status}`);
  return h`<div class="legend">last ${Math.min(runs.length, SLOTS)}:${parts}</div>`;
}
