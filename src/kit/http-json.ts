import { errorMessage } from '../errors.js';
import { mask } from '../secrets/masker.js';

/**
 * GET a JSON document from a non-forge service (Sentry's web API, stage health endpoints) with a
 * timeout tied to the run's signal. Never throws for HTTP or network trouble: a gate that cannot
 * read its evidence fails closed and says why.
 */

export interface FetchAnswer {
  /** HTTP status, or 0 when no answer came (network error, timeout). */
  status: number;
  body: unknown;
  error?: string;
}

export async function getJson(
  url: string,
  options: { headers?: Record<string, string>; timeoutMs: number; signal: AbortSignal; retries?: number },
): Promise<FetchAnswer> {
  let answer: FetchAnswer = { status: 0, body: null };
  for (let attempt = 0; attempt <= (options.retries ?? 0); attempt++) {
    if (options.signal.aborted) throw options.signal.reason;
    answer = await once(url, options);
    if (answer.status !== 0 && answer.status < 500 && answer.status !== 429) return answer;
  }
  return answer;
}

async function once(
  url: string,
  options: { headers?: Record<string, string>; timeoutMs: number; signal: AbortSignal },
): Promise<FetchAnswer> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal,
      redirect: 'follow',
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      // Not JSON: keep the text; callers that need a field report it missing.
    }
    return { status: response.status, body };
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return {
      status: 0,
      body: null,
      error: timedOut
        ? `no answer within ${Math.round(options.timeoutMs / 1000)}s`
        : mask(errorMessage((error as { cause?: unknown }).cause ?? error)),
    };
  }
}
