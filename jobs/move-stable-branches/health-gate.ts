import type { JobContext } from '../../src/runner/job.js';
import { getJson } from '../../src/kit/http-json.js';
import { valueAtPath } from '../../src/kit/json-path.js';
import type { Evidence, GateResult } from './gate.js';
import type { HealthCheck } from './options.js';

/** Health gate: each stage URL answers the expected status and, optionally, a JSON field (a version). */

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

async function check(ctx: JobContext, h: HealthCheck): Promise<Evidence> {
  const name = h.name ?? h.url;
  const answer = await getJson(h.url, { timeoutMs: h.timeoutSeconds * 1000, signal: ctx.signal });
  const bad = (text: string, key: string): Evidence => ({
    ok: false,
    text: `${name}: ${text}`,
    url: h.url,
    key,
  });
  if (answer.status === 0) return bad(answer.error ?? 'no answer', `${h.url}:down`);
  if (answer.status !== h.status)
    return bad(`HTTP ${answer.status}, expected ${h.status}`, `${h.url}:${answer.status}`);
  if (!h.field) return { ok: true, text: `${name}: HTTP ${answer.status}`, url: h.url, key: h.url };
  const value = valueAtPath(answer.body, h.field);
  if (value === undefined || value === null || value === '')
    return bad(`HTTP ${answer.status} but no "${h.field}" in the JSON answer`, `${h.url}:no-field`);
  if (h.equals !== undefined && String(value) !== h.equals)
    return bad(`${h.field} is ${show(value)}, expected ${h.equals}`, `${h.url}:${h.field}=${show(value)}`);
  return {
    ok: true,
    text: `${name}: HTTP ${answer.status}, ${h.field}=${show(value)}`,
    url: h.url,
    key: h.url,
  };
}

export async function healthGate(ctx: JobContext, checks: HealthCheck[]): Promise<GateResult> {
  const evidence = await Promise.all(checks.map((h) => check(ctx, h)));
  const bad = evidence.filter((e) => !e.ok);
  return {
    gate: 'health',
    ok: bad.length === 0,
    summary: bad.length
      ? `${bad.length} of ${checks.length} stage URL(s) unhealthy: ${bad.map((e) => e.text).join('; ')}`
      : `${checks.length} stage URL(s) healthy`,
    evidence,
  };
}
