import { parseDuration } from '../../src/kit/duration.js';
import { valueAtPath } from '../../src/kit/json-path.js';
import type { HealthCheck, Target } from './options.js';
import { getWithTimeout, requestError, type Probe, type Sample } from './probe.js';
import { fill, type Subject } from './subject.js';

/**
 * The health gate: each check is a GET whose status, latency and (optionally) one JSON field
 * must be right — the field is how "the latest version is live" is confirmed, not assumed. An
 * endpoint that does not answer is a failed sample: the service is what is down.
 */

function nameOf(check: HealthCheck): string {
  if (check.name) return check.name;
  const url = new URL(check.url);
  return `${url.host}${url.pathname}`;
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

async function sample(check: HealthCheck, subject: Subject, signal: AbortSignal): Promise<Sample> {
  const timeoutMs = parseDuration(check.timeout)!;
  const maxLatencyMs = check.maxLatency ? parseDuration(check.maxLatency)! : undefined;
  const started = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await getWithTimeout(check.url, { timeoutMs, signal });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return { outcome: 'fail', evidence: requestError(error, timeoutMs) };
  }
  const latency = Math.round(performance.now() - started);
  const seen = `${response.status} in ${latency} ms`;
  if (response.status !== check.expectStatus)
    return { outcome: 'fail', evidence: `${seen} (expected ${check.expectStatus})` };
  if (maxLatencyMs !== undefined && latency > maxLatencyMs)
    return { outcome: 'fail', evidence: `${seen}: slower than ${check.maxLatency}` };
  if (check.json) {
    const expected = fill(subject, check.json.equals);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { outcome: 'fail', evidence: `${seen}, but the body is not JSON: ${clip(text)}` };
    }
    const value = valueAtPath(body, check.json.path);
    if (value === undefined)
      return { outcome: 'fail', evidence: `${seen}, but ${check.json.path} is missing` };
    const actual = typeof value === 'string' ? value : JSON.stringify(value);
    if (actual !== expected)
      return {
        outcome: 'fail',
        evidence: `${seen}, but ${check.json.path} is "${clip(actual)}", expected "${expected}" (the new version is not live)`,
      };
    return { outcome: 'pass', evidence: `${seen}, ${check.json.path} = ${clip(actual)}` };
  }
  return { outcome: 'pass', evidence: seen };
}

export function healthProbes(target: Target, subject: Subject): Probe[] {
  const health = target.health;
  if (!health) return [];
  return health.checks.map((check) => ({
    gate: 'health',
    name: nameOf(check),
    tolerance: health,
    take: (signal) => sample(check, subject, signal),
  }));
}
