import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type Fixture } from './helpers.js';

describe('GitLab faults appear as configured and are counted', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await setup();
  });
  afterAll(() => fx.close());

  it('injects 429 with Retry-After in GitLab error shape, counted per route', async () => {
    const since = fx.sim.mark();
    fx.sim.addFault({
      forge: 'gitlab',
      route: 'GET /api/v4/projects/:id/repository/branches/:branch',
      rateLimitRate: 1,
      retryAfterSeconds: 3,
      times: 2,
    });
    const first = await fx.raw('/api/v4/projects/org%2Fapp/repository/branches/main');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    // Gitlab::RackAttack#throttled_response_headers: nothing remaining, reset when the throttle lifts
    expect(first.headers.get('ratelimit-name')).toBe('throttle_authenticated_api');
    expect(first.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(first.headers.get('ratelimit-observed'))).toBeGreaterThan(
      Number(first.headers.get('ratelimit-limit')),
    );
    const reset = Number(first.headers.get('ratelimit-reset'));
    expect(Math.abs(reset - (Math.floor(Date.now() / 1000) + 3))).toBeLessThanOrEqual(2);
    expect(first.headers.get('ratelimit-resettime')).toBe(new Date(reset * 1000).toUTCString());
    expect(first.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await first.text()).toBe('Retry later\n');
    // gitbeaker's own client retries 429 by itself; the second injected 429 is absorbed.
    const b = await fx.api.Branches.show('org/app', 'main');
    expect(b.name).toBe('main');
    const log = fx.sim.requests({ forge: 'gitlab', since });
    expect(log.map((e) => [e.status, e.fault])).toEqual([
      [429, 'rate_limit'],
      [429, 'rate_limit'],
      [200, undefined],
    ]);
    expect(fx.sim.requestCounts({ forge: 'gitlab', since })).toEqual({
      'GET /api/v4/projects/:id/repository/branches/:branch': 3,
    });
    expect(fx.sim.faults.counts().rate_limit).toBe(2);
    fx.sim.clearFaults();
  });

  it('injects 5xx on writes (which then did not happen) and logs them', async () => {
    const since = fx.sim.mark();
    fx.sim.addFault({ forge: 'gitlab', method: 'POST', errorRate: 1, statuses: [503], times: 1 });
    const res = await fx.raw('/api/v4/projects/org%2Fapp/labels', {
      method: 'POST',
      body: JSON.stringify({ name: 'x', color: '#ffffff' }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ message: '503 simulated failure' });
    expect(await fx.api.ProjectLabels.all('org/app')).toEqual([]);
    const log = fx.sim.requests({ forge: 'gitlab', since });
    expect(log[0]).toMatchObject({
      method: 'POST',
      route: 'POST /api/v4/projects/:id/labels',
      status: 503,
      fault: 'error',
    });
    fx.sim.clearFaults();
  });
});
