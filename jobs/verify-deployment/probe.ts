import type { Link } from '../../src/runner/job.js';
import type { SampleOutcome, Tolerance } from './judge.js';

/** One thing sampled at every tick of the window: a health URL, the Sentry search, a PromQL query. */

export type GateKind = 'health' | 'sentry' | 'metrics';

export interface Sample {
  outcome: SampleOutcome;
  /** What was seen: "503 in 12 ms", "2 new issues (max 0)", "error rate = 0.12 (max 0.05)". */
  evidence: string;
  links?: Link[];
}

export interface Probe {
  gate: GateKind;
  name: string;
  tolerance: Tolerance;
  take(signal: AbortSignal): Promise<Sample>;
}

/** An HTTP GET with a timeout that also ends when the run is aborted. */
export async function getWithTimeout(
  url: string,
  options: { timeoutMs: number; signal: AbortSignal; headers?: Record<string, string> },
): Promise<Response> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  return fetch(url, { headers: { accept: 'application/json', ...options.headers }, signal });
}

/** Why a request did not answer, in a few words. */
export function requestError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e?.cause?.code) return e.cause.code === 'ECONNREFUSED' ? 'connection refused' : e.cause.code;
  return e?.cause?.message ?? e?.message ?? String(error);
}
