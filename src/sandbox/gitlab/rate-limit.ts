/**
 * gitlab.com's RateLimit headers on every answer (`ratelimit-limit`, `-observed`, `-remaining`,
 * `-reset` in epoch seconds, `-resettime` as an HTTP date), counted per wall-clock minute.
 */
export function createRateLimitHeaders(limit = 2000): () => Record<string, string> {
  let windowStart = 0;
  let observed = 0;
  return () => {
    const now = Date.now();
    const start = Math.floor(now / 60_000) * 60_000;
    if (start !== windowStart) {
      windowStart = start;
      observed = 0;
    }
    observed++;
    const reset = (start + 60_000) / 1000;
    return {
      'ratelimit-name': 'throttle_authenticated_api',
      'ratelimit-limit': String(limit),
      'ratelimit-observed': String(observed),
      'ratelimit-remaining': String(Math.max(0, limit - observed)),
      'ratelimit-reset': String(reset),
      'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
    };
  };
}
