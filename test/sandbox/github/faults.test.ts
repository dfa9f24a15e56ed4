import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: injected faults', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture({ ciEnabled: false });
  });
  afterAll(() => f.sim.close());

  it('answers an injected 429 with Retry-After and 5xx as configured, and logs them', async () => {
    const since = f.sim.mark();
    f.sim.addFault({
      forge: 'github',
      route: 'GET /repos/:owner/:repo',
      rateLimitRate: 1,
      retryAfterSeconds: 3,
      times: 1,
    });
    f.sim.addFault({
      forge: 'github',
      route: 'GET /repos/:owner/:repo/branches/:branch*',
      errorRate: 1,
      statuses: [502],
      times: 2,
    });
    const limited = await fetch(`${f.sim.github.url}/repos/acme/app`, {
      headers: { authorization: `token ${f.botToken}` },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(await limited.json()).toMatchObject({ message: 'API rate limit exceeded' });
    expect((await f.bot.repos.get(repo)).status).toBe(200);
    expect((await failure(f.bot.repos.getBranch({ ...repo, branch: 'main' }))).status).toBe(502);
    expect((await failure(f.bot.repos.getBranch({ ...repo, branch: 'main' }))).status).toBe(502);
    expect((await f.bot.repos.getBranch({ ...repo, branch: 'main' })).status).toBe(200);
    const log = f.sim.requests({ forge: 'github', since });
    expect(log.map((e) => [e.status, e.fault ?? null])).toEqual([
      [429, 'rate_limit'],
      [200, null],
      [502, 'error'],
      [502, 'error'],
      [200, null],
    ]);
    expect(log.every((e) => e.authenticated)).toBe(true);
    expect(f.sim.requestCounts({ forge: 'github', since })).toEqual({
      'GET /repos/:owner/:repo': 2,
      'GET /repos/:owner/:repo/branches/:branch*': 3,
    });
    expect(f.sim.faults.counts()).toMatchObject({ rate_limit: 1, error: 2 });
    f.sim.clearFaults();
  });
});
