import type { SimRequest, SimResponse } from '../core/server.js';
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
