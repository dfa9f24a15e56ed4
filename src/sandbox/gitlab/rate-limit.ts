/**
 * gitlab.com's RateLimit headers on every answer (`ratelimit-limit`, `-observed`, `-remaining`,
 * `-reset` in epoch seconds, `-resettime` as an HTTP date), counted per wall-clock minute, and the
 * throttled answer's headers as Gitlab::RackAttack#throttled_response_headers writes them:
 * `remaining` 0, `observed` over the limit, `reset` when the throttle lifts and `Retry-After`
 * (the plain-text "Retry later" body is errors.ts).
 */
export interface RateLimitHeaders {
  common(): Record<string, string>;
  throttled(retryAfterSeconds: number): Record<string, string>;
}

export function createRateLimitHeaders(limit = 2000): RateLimitHeaders {
  let windowStart = 0;
  let observed = 0;
  const base = (reset: number, seen: number) => ({
    'ratelimit-name': 'throttle_authenticated_api',
    'ratelimit-limit': String(limit),
    'ratelimit-observed': String(seen),
    'ratelimit-remaining': String(Math.max(0, limit - seen)),
    'ratelimit-reset': String(reset),
    'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
  });
  return {
    common() {
      const now = Date.now();
      const start = Math.floor(now / 60_000) * 60_000;
      if (start !== windowStart) {
        windowStart = start;
        observed = 0;
      }
      observed++;
      return base((start + 60_000) / 1000, observed);
    },
    throttled(retryAfterSeconds) {
      const reset = Math.floor(Date.now() / 1000) + retryAfterSeconds;
      return {
        ...base(reset, Math.max(observed, limit) + 1),
        'retry-after': String(retryAfterSeconds),
      };
    },
  };
}
