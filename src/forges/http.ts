import { DryRunWriteError, TransientError } from '../errors.js';
import { backoffDelay } from '../kit/backoff.js';
import { parseRetryAfter } from '../kit/retry-after.js';
import { sleep } from '../kit/sleep.js';
import { mask } from '../secrets/masker.js';
import { ForgeLimitError } from './answer-error.js';
import {
  countPage,
  DEFAULT_MAX_PAGES_PER_CALL,
  hasNextPage,
  requestBudget,
  takeRequest,
  type RequestBudget,
} from './limits.js';

/**
 * The one HTTP path of a forge. Both SDKs (@gitbeaker/rest through a requester, @octokit/rest
 * through `request.fetch`) send every request through here, so retries, Retry-After,
 * throttling, the dry-run guard, the token-host guard and metrics behave the same on both.
 */

export interface ForgeRequestEvent {
  forge: string;
  method: string;
  url: string;
  status: number | 'error';
  durationMs: number;
  attempt: number;
}

export interface ForgeHttpOptions {
  /** Forge name from the config, used in errors and metrics. */
  forge: string;
  /** API base URL; auth headers are only ever sent to this origin. */
  baseUrl: string;
  /**
   * Auth headers added to requests to `baseUrl`'s origin; a function is asked before every
   * request (a GitHub App's installation token changes hourly).
   */
  authHeaders: Record<string, string> | (() => Promise<Record<string, string>>);
  dryRun: boolean;
  /** Attempts after the first for transient failures (default 4). */
  retries?: number;
  /** Backoff base in ms (default 250); the wait is random in [0, base * 2^attempt] ("full jitter"). */
  backoffMs?: number;
  /** A Retry-After longer than this is not waited for; the error surfaces instead (default 60 s). */
  maxRetryAfterMs?: number;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Bounds concurrent requests to this forge. */
  limit?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Aborts waits and requests (run timeout or shutdown). */
  signal?: AbortSignal;
  onRequest?: (event: ForgeRequestEvent) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** The run's lease fence: asked before every write; throws LeaseLostError once the lease may be lost. */
  fence?: WriteFence;
  /** Pages one Forge call may follow before it is refused (default 100, see limits.ts). */
  maxPagesPerCall?: number;
  /** Requests this forge may get in one run; shared by every client of the forge in the run. */
  budget?: RequestBudget;
  /** Largest JSON/text API answer read (the SDK adapters' parsers enforce it; default 20 MiB). */
  maxAnswerBytes?: number;
}

/** What the forge layer asks before a write (runner/fence.ts keeps the run's lease behind it). */
export interface WriteFence {
  guard(what: string): Promise<void>;
}

const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_REDIRECTS = 5;

/**
 * A GraphQL query is a read sent by POST, so dry-run lets it through; anything that might be a
 * mutation (or is not plainly a query) stays refused.
 */
function isGraphqlQuery(url: URL, body: unknown): boolean {
  if (!url.pathname.endsWith('/graphql') || typeof body !== 'string') return false;
  let query: unknown;
  try {
    query = (JSON.parse(body) as { query?: unknown }).query;
  } catch {
    return false;
  }
  if (typeof query !== 'string') return false;
  const start = query.replace(/#.*$/gm, '');
  return /^\s*(?:query\b|\{)/.test(start) && !/\b(?:mutation|subscription)\b/.test(query);
}

const SECONDARY_LIMIT = /secondary rate limit|abuse detection|rate limit exceeded/i;

/**
 * How long a rate-limited answer asks us to wait, or undefined when it is no rate limit. GitHub
 * answers both its limits with 403 as often as 429 ("Rate limits for the REST API"): with
 * `retry-after` (seconds); with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (UTC epoch
 * seconds); or, for a secondary limit, with only a message naming it ("wait for at least one
 * minute"). A 403 like that is a pause, never a permission problem.
 */
export async function rateLimitWaitMs(response: Response, now = Date.now()): Promise<number | undefined> {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  if (response.headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0)
    return Math.max(1000, reset * 1000 - now);
  if (response.status === 429) return undefined;
  const text = await response
    .clone()
    .text()
    .catch(() => '');
  return SECONDARY_LIMIT.test(text) ? 60_000 : undefined;
}

function isStreamBody(body: unknown): boolean {
  return (
    typeof body === 'object' && body !== null && typeof (body as ReadableStream).getReader === 'function'
  );
}

export function createForgeFetch(options: ForgeHttpOptions): typeof fetch {
  const retries = options.retries ?? 4;
  const backoffMs = options.backoffMs ?? 250;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const limit = options.limit ?? (<T>(fn: () => Promise<T>) => fn());
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const origin = new URL(options.baseUrl).origin;
  const budget = options.budget ?? requestBudget();
  const maxPages = options.maxPagesPerCall ?? DEFAULT_MAX_PAGES_PER_CALL;

  async function attemptOnce(url: URL, init: RequestInit, attempt: number): Promise<Response> {
    const started = performance.now();
    let current = url;
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    for (let hop = 0; ; hop++) {
      const headers = new Headers(init.headers);
      // The token goes only to the forge's own origin: a redirect elsewhere gets no credentials.
      if (current.origin === origin) {
        const auth =
          typeof options.authHeaders === 'function' ? await options.authHeaders() : options.authHeaders;
        for (const [k, v] of Object.entries(auth)) headers.set(k, v);
      } else {
        headers.delete('authorization');
        headers.delete('private-token');
        headers.delete('job-token');
      }
      const signals = [AbortSignal.timeout(timeoutMs)];
      if (options.signal) signals.push(options.signal);
      if (init.signal) signals.push(init.signal);
      let response: Response;
      try {
        response = await fetch(current, {
          ...init,
          method,
          body,
          headers,
          redirect: 'manual',
          signal: AbortSignal.any(signals),
          ...(isStreamBody(body) ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (error) {
        options.onRequest?.({
          forge: options.forge,
          method,
          url: mask(current.toString()),
          status: 'error',
          durationMs: performance.now() - started,
          attempt,
        });
        throw error;
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location && hop < MAX_REDIRECTS) {
        await response.body?.cancel();
        current = new URL(location, current);
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && method === 'POST')
        ) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      options.onRequest?.({
        forge: options.forge,
        method,
        url: mask(current.toString()),
        status: response.status,
        durationMs: performance.now() - started,
        attempt,
      });
      return response;
    }
  }

  const forgeFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    let url: URL;
    let requestInit = init;
    if (input instanceof Request) {
      url = new URL(input.url);
      const hasBody = input.body !== null && !READ_METHODS.has(input.method.toUpperCase());
      requestInit = {
        method: input.method,
        headers: input.headers,
        body: hasBody ? input.body : undefined,
        signal: input.signal,
        ...init,
      };
    } else {
      url = new URL(input.toString());
    }
    const method = (requestInit.method ?? 'GET').toUpperCase();
    const isWrite =
      !READ_METHODS.has(method) && !(method === 'POST' && isGraphqlQuery(url, requestInit.body));
    if (options.dryRun && isWrite) {
      throw new DryRunWriteError(`${method} ${mask(url.pathname)} on ${options.forge}`);
    }
    if (url.origin !== origin) {
      throw new Error(
        `refusing to send a ${options.forge} request to ${url.origin}: not the forge's origin ${origin}`,
      );
    }
    // A streamed body can be sent once only; the caller (a job step) retries the whole step.
    const canRetry = !isStreamBody(requestInit.body);
    for (let attempt = 0; ; attempt++) {
      // Fencing: each attempt of a write (retries too) starts only while the run's lease holds.
      if (isWrite) await options.fence?.guard(`${method} ${mask(url.pathname)} on ${options.forge}`);
      let response: Response | undefined;
      let failure: unknown;
      try {
        takeRequest(budget, options.forge, `${method} ${mask(url.pathname)}`);
        response = await limit(() => attemptOnce(url, requestInit, attempt));
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        if (error instanceof ForgeLimitError) throw error;
        failure = error;
      }
      const throttledMs = response ? await rateLimitWaitMs(response) : undefined;
      if (response && !TRANSIENT_STATUSES.has(response.status) && throttledMs === undefined) {
        if (response.ok && READ_METHODS.has(method) && hasNextPage(response.headers)) {
          try {
            countPage(options.forge, maxPages, `${method} ${mask(url.pathname)}`);
          } catch (error) {
            await response.body?.cancel();
            throw error;
          }
        }
        return response;
      }

      const retryAfterMs =
        throttledMs ?? (response ? parseRetryAfter(response.headers.get('retry-after')) : undefined);
      const what = response
        ? `${method} ${mask(url.pathname)} answered ${response.status}`
        : `${method} ${mask(url.pathname)} failed: ${mask(String((failure as Error)?.cause ?? failure))}`;
      const tooLong = retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs;
      if (attempt >= retries || !canRetry || tooLong) {
        await response?.body?.cancel();
        throw new TransientError(`${options.forge}: ${what} (after ${attempt + 1} attempts)`, retryAfterMs, {
          cause: failure,
        });
      }
      await response?.body?.cancel();
      const delay = backoffDelay(attempt, backoffMs, retryAfterMs, random);
      await wait(delay, options.signal);
    }
  };
  return forgeFetch as typeof fetch;
}
