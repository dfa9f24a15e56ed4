import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SimForge } from './model.js';

/**
 * Opt-in sampling of the simulator's JSON answers, so the test suite can check them against the
 * real forges' descriptions afterwards (test/conformance/). Off unless
 * `RELEASE_BOT_SIM_CONFORMANCE` names a directory; then each process appends one JSON line per
 * answer whose shape it has not written yet (same route, status and keys/types are written once,
 * and a list keeps one item per distinct item shape), which keeps a whole suite's sample small.
 */

export interface RecordedAnswer {
  forge: SimForge;
  method: string;
  /** The request path as sent (still encoded). */
  path: string;
  /** The query string as sent (`?a=b`), when there was one. */
  query?: string;
  /** The simulator's route template, or `UNMATCHED`. */
  route: string;
  status: number;
  body: unknown;
  /** GraphQL only: the document and variables that produced the answer. */
  request?: { query?: unknown; variables?: unknown };
}

export type AnswerRecorder = (answer: Omit<RecordedAnswer, 'forge'>) => void;

const ENV = 'RELEASE_BOT_SIM_CONFORMANCE';
const MAX_STRING = 300;

/** A signature of a JSON value's keys and types; list items collapse into the set of their shapes. */
function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${[...new Set(value.map(shapeOf))].sort().join('|')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    let out = '{';
    for (const k of Object.keys(record).sort()) out += `${k}:${shapeOf(record[k])},`;
    return `${out}}`;
  }
  return typeof value;
}

/** The body cut down to what a shape check needs: one list item per shape, long strings shortened. */
function sample(value: unknown): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? value.slice(0, MAX_STRING) : value;
  if (Array.isArray(value)) {
    const seen = new Set<string>();
    return value.filter((item) => !seen.has(shapeOf(item)) && seen.add(shapeOf(item))).map(sample);
  }
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, sample(v)]),
    );
  return value;
}

function isJson(body: unknown): boolean {
  return (
    body !== null &&
    typeof body === 'object' &&
    !Buffer.isBuffer(body) &&
    typeof (body as { pipe?: unknown }).pipe !== 'function'
  );
}

export function answerRecorder(forge: SimForge): AnswerRecorder | undefined {
  const dir = process.env[ENV];
  if (!dir) return undefined;
  const file = join(dir, `${forge}-${process.pid}.jsonl`);
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  return (answer) => {
    if (!isJson(answer.body)) return;
    // Long runs (soaks) repeat the same answers: after the first 30 of a route, look at every 10th.
    const route = `${answer.method} ${answer.route} ${answer.status}`;
    const n = (counts.get(route) ?? 0) + 1;
    counts.set(route, n);
    if (n > 30 && n % 10 !== 0) return;
    const query = typeof answer.request?.query === 'string' ? answer.request.query : '';
    const key = `${answer.method} ${answer.route} ${answer.status} ${query} ${shapeOf(answer.body)}`;
    if (seen.has(key)) return;
    seen.add(key);
    // Request bodies are kept for GraphQL only: the answer's shape depends on the document.
    const request = answer.route.endsWith('/graphql')
      ? { query: answer.request?.query, variables: answer.request?.variables }
      : undefined;
    mkdirSync(dir, { recursive: true });
    appendFileSync(file, `${JSON.stringify({ forge, ...answer, request, body: sample(answer.body) })}\n`);
  };
}
