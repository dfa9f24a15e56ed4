import { DryRunWriteError, TransientError } from '../errors.js';
import { backoffDelay } from '../kit/backoff.js';
import { parseRetryAfter } from '../kit/retry-after.js';
import { sleep } from '../kit/sleep.js';
import { mask } from '../secrets/masker.js';
import { ForgeLimitError } from './answer-error.js';
import {
  currentLowPriority,
  DeferredReadError,
  exhaustedWaitMs,
  shouldDefer,
  type RateBudget,
  type RunSpend,
} from './budget.js';
import {
  authIdentity,
  etagKey,
  keptHeaders,
  MAX_CACHED_ANSWER_BYTES,
  type CachedAnswer,
  type EtagCache,
} from './etag-cache.js';
import {
  countPage,
  DEFAULT_MAX_PAGES_PER_CALL,
  hasNextPage,
  readAnswerText,
  requestBudget,
  takeRequest,
  type RequestBudget,
} from './limits.js';

/** Rate-limit resets are said in whole seconds. */
const RESET_ROUNDING_MS = 1000;

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
  /**
   * Conditional requests (etag-cache.ts): GET answers with an ETag are kept and asked again with
   * `If-None-Match`; a 304 is answered from the cache as the 200 it stands for. `identity`
   * names the caller in cache keys (default: a hash of the auth headers).
   */
  etags?: { cache: EtagCache; identity?: string };
  /** The forge's rate-limit budget (budget.ts), fed by every answer, and this run's spend. */
  rate?: { budget: RateBudget; spend?: RunSpend };
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
  // GitLab's throttles (Rack::Attack) say when the window resets with RateLimit-Reset (epoch
  // seconds); Retry-After usually comes too, but a proxy may drop it.
  const glReset = Number(response.headers.get('ratelimit-reset'));
  if (
    response.status === 429 &&
    response.headers.get('ratelimit-remaining') === '0' &&
    Number.isFinite(glReset) &&
    glReset > 0
  )
    return Math.max(1000, glReset * 1000 - now);
  if (response.status === 429) return undefined;
  const text = await response
    .clone()
    .text()
    .catch(() => '');
  return SECONDARY_LIMIT.test(text) ? 60_000 : undefined;
}

function hasConditional(headers: RequestInit['headers']): boolean {
  const h = new Headers(headers);
  return h.has('if-none-match') || h.has('if-modified-since');
}

/** The 200 a 304 stands for: the cached body and headers, with the fresh answer's other headers. */
function fromCache(cached: CachedAnswer, fresh: Response, url: URL): Response {
  const headers = new Headers(fresh.headers);
  headers.delete('content-length');
  for (const [k, v] of Object.entries(cached.headers)) headers.set(k, v);
  headers.set('etag', cached.etag);
  headers.set('x-release-bot-cache', 'revalidated');
  const response = new Response(cached.body, { status: 200, statusText: 'OK', headers });
  Object.defineProperty(response, 'url', { value: url.toString() });
  return response;
}

function isJson(response: Response): boolean {
  return /\bjson\b/.test(response.headers.get('content-type') ?? '');
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

  async function cacheKey(url: URL, init: RequestInit): Promise<string> {
    let identity = options.etags?.identity;
    if (identity === undefined) {
      const auth =
        typeof options.authHeaders === 'function' ? await options.authHeaders() : options.authHeaders;
      identity = authIdentity(auth);
    }
    return etagKey(identity, url.toString(), new Headers(init.headers).get('accept'));
  }

  /** Keep a 200 with an ETag (JSON, not too big); the response itself is handed on untouched. */
  async function remember(key: string, response: Response): Promise<void> {
    const etag = response.headers.get('etag');
    if (!etag || !isJson(response)) return;
    let text: string;
    try {
      text = await readAnswerText(response.clone(), MAX_CACHED_ANSWER_BYTES, options.forge, 'cache');
    } catch {
      return; // too big to be worth keeping
    }
    await options.etags!.cache.set(key, {
      etag,
      headers: keptHeaders(response.headers),
      body: text,
      at: Date.now(),
    });
  }

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
    const lowPriority = isWrite ? undefined : currentLowPriority();
    if (lowPriority && options.rate) {
      const why = shouldDefer(options.rate.budget, options.rate.spend);
      if (why) {
        const spend = options.rate.spend;
        spend?.deferred.push(lowPriority);
        if (spend && !spend.reason) spend.reason = why;
        throw new DeferredReadError(
          `${options.forge}: deferred ${lowPriority}: ${why}`,
          options.forge,
          lowPriority,
        );
      }
    }
    // Conditional GET: ask with the cached ETag unless the caller set its own validators.
    let cached: CachedAnswer | undefined;
    let key: string | undefined;
    if (method === 'GET' && options.etags && !hasConditional(requestInit.headers)) {
      key = await cacheKey(url, requestInit);
      cached = await options.etags.cache.get(key);
      if (cached) {
        const headers = new Headers(requestInit.headers);
        headers.set('if-none-match', cached.etag);
        requestInit = { ...requestInit, headers };
      }
    }
    const resource = url.pathname.endsWith('/graphql') ? 'graphql' : 'core';
    // A streamed body can be sent once only; the caller (a job step) retries the whole step.
    const canRetry = !isStreamBody(requestInit.body);
    for (let attempt = 0; ; attempt++) {
      // Fencing: each attempt of a write (retries too) starts only while the run's lease holds.
      if (isWrite) await options.fence?.guard(`${method} ${mask(url.pathname)} on ${options.forge}`);
      // The forge said nothing is left until its window resets: wait for it (bounded, abortable)
      // rather than be refused, or hand the run back to the runner to retry later.
      // A retry after a throttled answer is itself the probe of whether the window reset.
      const exhausted =
        options.rate && attempt === 0 ? exhaustedWaitMs(options.rate.budget, resource) : undefined;
      if (exhausted !== undefined) {
        // A reset is said in whole seconds: a full window (GitLab's minute) may read up to a
        // second longer than the bound and is still waited out.
        if (exhausted > maxRetryAfterMs + RESET_ROUNDING_MS)
          throw new TransientError(
            `${options.forge}: the rate limit (${resource}) is used up until ${new Date(Date.now() + exhausted).toISOString()}`,
            exhausted,
          );
        await wait(exhausted, options.signal);
      }
      let response: Response | undefined;
      let failure: unknown;
      try {
        takeRequest(budget, options.forge, `${method} ${mask(url.pathname)}`);
        if (options.rate?.spend) options.rate.spend.sent++;
        response = await limit(() => attemptOnce(url, requestInit, attempt));
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        if (error instanceof ForgeLimitError) throw error;
        failure = error;
      }
      if (response) options.rate?.budget.observe(response.headers);
      if (response && key && response.status === 304 && cached) {
        await response.body?.cancel();
        response = fromCache(cached, response, url);
      } else if (response && key && response.status === 200) {
        await remember(key, response);
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
