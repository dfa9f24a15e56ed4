import type { Target, MetricQuery } from './options.js';
import { getWithTimeout, requestError, type Probe, type Sample } from './probe.js';
import { fill, type Subject } from './subject.js';

/**
 * The metrics gate: PromQL instant queries against a Prometheus HTTP API (`/api/v1/query`),
 * evaluated at the run's clock, each compared with its thresholds. A sample fails when any
 * returned series is out of bounds. Prometheus not answering is an unknown sample.
 */

const TIMEOUT_MS = 15_000;

type PromValue = [number, string];
interface PromResponse {
  status: 'success' | 'error';
  error?: string;
  data?: {
    resultType: 'vector' | 'scalar' | 'matrix' | 'string';
    result: { metric: Record<string, string>; value: PromValue }[] | PromValue;
  };
}

function valuesOf(body: PromResponse): { label: string; value: number }[] | string {
  const data = body.data;
  if (!data) return 'no data in the answer';
  if (data.resultType === 'scalar') {
    const [, v] = data.result as PromValue;
    return [{ label: '', value: Number(v) }];
  }
  if (data.resultType !== 'vector')
    return `a ${data.resultType} result (use an instant vector or scalar query)`;
  return (data.result as { metric: Record<string, string>; value: PromValue }[]).map((s) => ({
    label: Object.entries(s.metric)
      .filter(([k]) => k !== '__name__')
      .map(([k, v]) => `${k}="${v}"`)
      .join(','),
    value: Number(s.value[1]),
  }));
}

function bounds(query: MetricQuery): string {
  return [
    query.min !== undefined ? `min ${query.min}` : '',
    query.max !== undefined ? `max ${query.max}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

export function graphUrl(base: string, expression: string): string {
  const url = new URL('/graph', base);
  url.searchParams.set('g0.expr', expression);
  url.searchParams.set('g0.tab', '0');
  return url.toString();
}

async function sample(
  target: Target,
  query: MetricQuery,
  subject: Subject,
  now: () => Date,
  signal: AbortSignal,
): Promise<Sample> {
  const metrics = target.metrics!;
  const expression = fill(subject, query.query);
  const url = new URL('/api/v1/query', metrics.url);
  url.searchParams.set('query', expression);
  url.searchParams.set('time', String(now().getTime() / 1000));
  const links = [{ text: `Prometheus: ${query.name}`, url: graphUrl(metrics.url, expression) }];
  let body: PromResponse;
  try {
    const response = await getWithTimeout(url.toString(), {
      timeoutMs: TIMEOUT_MS,
      signal,
      headers: metrics.token ? { authorization: `Bearer ${metrics.token}` } : {},
    });
    body = (await response
      .json()
      .catch(() => ({ status: 'error', error: `HTTP ${response.status}` }))) as PromResponse;
    if (!response.ok || body.status !== 'success')
      return {
        outcome: 'unknown',
        evidence: `Prometheus answered ${response.status}${body.error ? `: ${body.error}` : ''}`,
        links,
      };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return {
      outcome: 'unknown',
      evidence: `Prometheus did not answer: ${requestError(error, TIMEOUT_MS)}`,
      links,
    };
  }
  const values = valuesOf(body);
  if (typeof values === 'string') return { outcome: 'unknown', evidence: values, links };
  const numbers = values.filter((v) => !Number.isNaN(v.value));
  if (numbers.length === 0)
    return {
      outcome: metrics.noData === 'fail' ? 'fail' : 'pass',
      evidence: `${query.name}: no data (${metrics.noData === 'fail' ? 'counts as a failure' : 'nothing to measure yet'})`,
      links,
    };
  const breaching = numbers.filter(
    (v) =>
      (query.max !== undefined && v.value > query.max) || (query.min !== undefined && v.value < query.min),
  );
  const shown = (breaching.length ? breaching : numbers)
    .slice(0, 3)
    .map((v) => `${v.label ? `{${v.label}} ` : ''}${format(v.value)}`)
    .join(', ');
  return {
    outcome: breaching.length ? 'fail' : 'pass',
    evidence: `${query.name} = ${shown} (${bounds(query)})`,
    links,
  };
}

export function metricProbes(target: Target, subject: Subject, now: () => Date): Probe[] {
  const metrics = target.metrics;
  if (!metrics) return [];
  return metrics.queries.map((query) => ({
    gate: 'metrics',
    name: query.name,
    tolerance: metrics,
    take: (signal) => sample(target, query, subject, now, signal),
  }));
}
