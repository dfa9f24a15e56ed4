import type { Action, Link } from '../../runner/job.js';
import { safeUrl } from './html.js';

/**
 * A stored run result (JSON written by whichever version of a job ran) read defensively into the
 * shape the page shows. Links keep only http(s) URLs; anything malformed is dropped, not trusted.
 */

export interface ShownItem {
  name: string;
  status: string;
  summary: string;
  links: Link[];
}

export interface ShownResult {
  status: string | null;
  summary: string;
  actions: Action[];
  links: Link[];
  items: ShownItem[];
  details: Record<string, unknown> | null;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
    : [];
}

export function readLinks(value: unknown): Link[] {
  const out: Link[] = [];
  for (const l of list(value)) {
    const url = safeUrl(l.url);
    if (url) out.push({ text: text(l.text) || url, url });
  }
  return out;
}

export function readResult(result: unknown): ShownResult {
  const r = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {};
  return {
    status: typeof r.status === 'string' ? r.status : null,
    summary: text(r.summary),
    actions: list(r.actions).map((a) => {
      const url = safeUrl(a.url);
      const action: Action = { kind: text(a.kind), description: text(a.description), done: a.done === true };
      if (url) action.url = url;
      if (typeof a.subject === 'string') action.subject = a.subject;
      return action;
    }),
    links: readLinks(r.links),
    items: list(r.items).map((i) => ({
      name: text(i.name),
      status: text(i.status),
      summary: text(i.summary),
      links: readLinks(i.links),
    })),
    details:
      typeof r.details === 'object' && r.details !== null && !Array.isArray(r.details)
        ? (r.details as Record<string, unknown>)
        : null,
  };
}

export interface LogLine {
  /** ISO time, when the line had one. */
  time: string | null;
  /** Milliseconds since the run started. */
  offsetMs: number | null;
  level: string;
  msg: string;
  /** Other fields of the line (pino bindings of the run are left out). */
  fields: Record<string, unknown>;
}

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const OMIT = new Set(['time', 'level', 'msg', 'job', 'runId', 'pid', 'hostname', 'v']);

/** A stored pino JSON line, or a plain line kept as its message. */
export function readLogLine(line: string, startedAt: number): LogLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { time: null, offsetMs: null, level: '', msg: line, fields: {} };
  const p = parsed as Record<string, unknown>;
  const time = typeof p.time === 'number' ? p.time : typeof p.time === 'string' ? Date.parse(p.time) : NaN;
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (!OMIT.has(k)) fields[k] = v;
  return {
    time: Number.isFinite(time) ? new Date(time).toISOString() : null,
    offsetMs: Number.isFinite(time) && Number.isFinite(startedAt) ? time - startedAt : null,
    level: typeof p.level === 'number' ? (LEVELS[p.level] ?? String(p.level)) : text(p.level),
    msg: text(p.msg),
    fields,
  };
}
