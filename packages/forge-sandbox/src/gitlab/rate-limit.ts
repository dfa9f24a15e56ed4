import type { AnswerInfo, RateCost } from '../core/server.js';

/**
 * gitlab.com's RateLimit headers as Gitlab::RackAttack::RequestThrottleData writes them
 * (lib/gitlab/rack_attack/request_throttle_data.rb): on every answer `ratelimit-name`, `-limit`,
 * `-observed`, `-remaining` and `-reset` (epoch seconds), counted per minute; a
 * throttled answer adds `retry-after` and `ratelimit-resettime` (HTTP date), with nothing
 * remaining (the plain-text "Retry later" body is errors.ts).
 */
export interface RateLimitHeaders {
  /**
   * Every answer counts, a `304 Not Modified` too: Rack::Attack throttles before Rails'
   * Rack::ConditionalGet turns an unchanged answer into a 304.
   */
  common(answer: AnswerInfo): { headers: Record<string, string>; cost: RateCost };
  throttled(retryAfterSeconds: number): Record<string, string>;
  /** Requests counted so far (every window), for tests and benches. */
  total(): number;
}

/**
 * `now`: the world's clock (ms). The minute window rolls with simulated time, as GitHub's hour
 * does (github/rate-limit.ts), so a bench that lives a simulated day in wall-clock minutes is
 * counted per simulated minute; the reset is said on the wall clock, which clients compare with.
 */
export function createRateLimitHeaders(limit = 2000, now: () => number = Date.now): RateLimitHeaders {
  let windowStart = 0;
  let observed = 0;
  let total = 0;
  const base = (reset: number, seen: number) => ({
    'ratelimit-name': 'throttle_authenticated_api',
    'ratelimit-limit': String(limit),
    'ratelimit-observed': String(seen),
    'ratelimit-remaining': String(Math.max(0, limit - seen)),
    'ratelimit-reset': String(reset),
  });
  return {
    common() {
      const simNow = now();
      const start = Math.floor(simNow / 60_000) * 60_000;
      if (start !== windowStart) {
        windowStart = start;
        observed = 0;
      }
      observed++;
      total++;
      // The window's end as a wall-clock epoch (whole seconds, as GitLab writes it).
      const reset = Math.ceil((Date.now() + start + 60_000 - simNow) / 1000);
      return {
        headers: base(reset, observed),
        cost: { resource: 'throttle_authenticated_api', points: 1 },
      };
    },
    total: () => total,
    throttled(retryAfterSeconds) {
      const reset = Math.floor(Date.now() / 1000) + retryAfterSeconds;
      return {
        ...base(reset, Math.max(observed, limit) + 1),
        'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
        'retry-after': String(retryAfterSeconds),
      };
    },
  };
}
