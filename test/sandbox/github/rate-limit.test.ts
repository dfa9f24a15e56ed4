import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throttleGithub } from '../../../packages/forge-sandbox/src/github/index.js';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

/**
 * GitHub's rate-limited answers as its docs describe them ("Rate limits for the REST API",
 * "Troubleshooting the REST API"): a secondary limit is a 403 (or 429) with a message naming it
 * and `retry-after`, or `x-ratelimit-remaining: 0` + `x-ratelimit-reset`; the primary limit is a
 * 403 (or 429) with `x-ratelimit-remaining: 0`. The throttled request did not happen.
 */
describe('GitHub view: rate limits', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture();
  });
  afterAll(() => f.sim.close());

  it('a secondary limit: 403 with retry-after and GitHub’s message; the write did not happen', async () => {
    throttleGithub(f.sim.world, {
      kind: 'secondary-retry-after',
      status: 403,
      seconds: 7,
      route: 'POST /repos/:owner/:repo/issues',
    });
    const before = f.sim.world.issues.length;
    const refused = (await f.bot.issues.create({ ...repo, title: 'x' }).catch((e: unknown) => e)) as {
      status: number;
      response: { headers: Record<string, string>; data: { message: string } };
    };
    expect(refused.status).toBe(403);
    expect(refused.response.headers['retry-after']).toBe('7');
    expect(refused.response.data.message).toMatch(/^You have exceeded a secondary rate limit/);
    expect(f.sim.world.issues.length).toBe(before);
    // once only: the next request is served
    expect((await f.bot.issues.create({ ...repo, title: 'x' })).status).toBe(201);
  });

  it('a secondary limit with x-ratelimit-remaining: 0 and x-ratelimit-reset, and the primary limit as 429', async () => {
    throttleGithub(f.sim.world, { kind: 'secondary-reset', status: 403, seconds: 30 });
    const secondary = (await f.bot.repos.get(repo).catch((e: unknown) => e)) as {
      status: number;
      response: { headers: Record<string, string> };
    };
    expect(secondary.status).toBe(403);
    expect(secondary.response.headers['x-ratelimit-remaining']).toBe('0');
    const reset = Number(secondary.response.headers['x-ratelimit-reset']);
    expect(reset * 1000).toBeGreaterThan(Date.now());
    expect(secondary.response.headers['retry-after']).toBeUndefined();

    throttleGithub(f.sim.world, { kind: 'primary', status: 429, seconds: 60 });
    const primary = await failure(f.bot.repos.get(repo));
    expect(primary).toMatchObject({
      status: 429,
      data: { message: expect.stringMatching(/^API rate limit exceeded for user ID \d+\.$/) },
    });
    expect((await f.bot.repos.get(repo)).status).toBe(200);
  });

  it('the hourly window rolls with the simulated clock; its reset is said on the wall clock', async () => {
    const first = await f.bot.repos.get(repo);
    const used = Number(first.headers['x-ratelimit-used']);
    expect(Number((await f.bot.repos.get(repo)).headers['x-ratelimit-used'])).toBe(used + 1);
    const reset = Number(first.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThan(Date.now() / 1000 - 1);
    expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 3_601);
    await f.sim.advance(3_600_000); // a simulated hour: a new window, whatever the wall clock did
    const next = await f.bot.repos.get(repo);
    expect(next.headers['x-ratelimit-used']).toBe('1');
    expect(next.headers['x-ratelimit-remaining']).toBe('4999');
  });
});
