import type { AnswerInfo, RateCost, SimRequest, SimResponse } from '../core/server.js';
import { errorBody } from './error-body.js';
import type { World } from '../core/world.js';
import { githubState, type GhThrottle, type GithubState } from './state.js';

/**
 * GitHub's rate-limited answers, in the forms its docs list ("Rate limits for the REST API",
 * "Troubleshooting the REST API"): over the primary limit, 403 or 429 with
 * `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (UTC epoch seconds); over a secondary limit,
 * 403 or 429 with a message naming the secondary limit and either `retry-after` or
 * `x-ratelimit-remaining: 0` + `x-ratelimit-reset` (or neither: wait at least a minute). A 403
 * is the usual form, which a client must not read as a permission problem. Tests queue them with
 * `throttleGithub`; the answer replaces the request, which did not happen.
 */

const SECONDARY =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';

/** Queue rate-limited answers for the next matching requests. */
export function throttleGithub(world: World, throttle: GhThrottle): void {
  githubState(world).throttles.push({ ...throttle, times: throttle.times ?? 1 });
}

function matches(throttle: GhThrottle, route: string): boolean {
  if (throttle.route === undefined) return true;
  return throttle.route instanceof RegExp ? throttle.route.test(route) : throttle.route === route;
}

/** The throttled answer for this request, if one is queued for its route. */
export function throttled(gh: { state: GithubState }, req: SimRequest): SimResponse | undefined {
  const throttle = gh.state.throttles.find((t) => matches(t, req.route));
  if (!throttle) return undefined;
  throttle.times = (throttle.times ?? 1) - 1;
  if (throttle.times <= 0) gh.state.throttles.splice(gh.state.throttles.indexOf(throttle), 1);
  // The reset is on the wall clock: clients compare it with their own Date.now().
  const reset = String(Math.ceil(Date.now() / 1000 + throttle.seconds));
  const limit = { 'x-ratelimit-limit': '5000', 'x-ratelimit-resource': 'core' };
  if (throttle.kind === 'primary') {
    const user = req.user ? `user ID ${req.user.id}` : 'this IP';
    return {
      status: throttle.status,
      body: errorBody(throttle.status, `API rate limit exceeded for ${user}.`),
      headers: {
        ...limit,
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': reset,
      },
    };
  }
  const headers: Record<string, string> =
    throttle.kind === 'secondary-retry-after'
      ? { 'retry-after': String(throttle.seconds) }
      : { ...limit, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset };
  return { status: throttle.status, body: errorBody(throttle.status, SECONDARY), headers };
}

const RATE_LIMIT = 5000;
const HOUR_MS = 3_600_000;

/**
 * What an answer costs against GitHub's primary limit, and the `x-ratelimit-*` headers it carries
 * ("Rate limits for the REST API"; "Best practices": conditional requests). REST answers cost one
 * point of `core`, except a `304 Not Modified` to an authorized conditional request, which costs
 * nothing; a GraphQL query costs points of the separate `graphql` resource — at least one, which is
 * what every query the bot sends costs by GitHub's formula (connections requested / 100, rounded).
 */
export function chargeGithub(
  state: GithubState,
  answer: AnswerInfo,
  /** The world's clock (ms): the hourly window rolls with simulated time, as a day's bench needs. */
  nowMs: number = Date.now(),
): { headers: Record<string, string>; cost: RateCost } {
  const resource = answer.route === 'POST /graphql' ? 'graphql' : 'core';
  const who = answer.user ? `user:${answer.user.id}` : 'anonymous';
  const key = `${who}:${resource}`;
  const window = Math.floor(nowMs / HOUR_MS);
  let counter = state.rate.get(key);
  if (!counter) state.rate.set(key, (counter = { window, used: 0, total: 0 }));
  if (counter.window !== window) Object.assign(counter, { window, used: 0 });
  const points = answer.notModified && answer.user ? 0 : 1;
  counter.used += points;
  counter.total += points;
  const limit = answer.user ? RATE_LIMIT : 60;
  return {
    headers: {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - counter.used)),
      // When the window ends, as a wall-clock epoch: clients compare it with their own Date.now().
      'x-ratelimit-reset': String(Math.ceil((Date.now() + (window + 1) * HOUR_MS - nowMs) / 1000)),
      'x-ratelimit-used': String(counter.used),
      'x-ratelimit-resource': resource,
    },
    cost: { resource, points },
  };
}

/** Points charged so far to a user (or to every caller), per resource: the simulator's accounting. */
export function githubRateUsed(world: World, username?: string): Record<string, number> {
  const state = githubState(world);
  const user = username ? world.userByName(username) : undefined;
  const out: Record<string, number> = { core: 0, graphql: 0 };
  for (const [key, counter] of state.rate) {
    const [who, id, resource] = key.split(':');
    if (username && !(who === 'user' && Number(id) === user?.id)) continue;
    const name = resource ?? id!;
    out[name] = (out[name] ?? 0) + counter.total;
  }
  return out;
}
