import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: users, repositories, auth, errors, rate-limit headers', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture();
    await f.sim.createProject({
      forge: 'github',
      path: 'acme/public-lib',
      visibility: 'public',
      members: ['bot'],
    });
  });
  afterAll(() => f.sim.close());

  it('GET /user returns the authenticated user', async () => {
    const { data, headers } = await f.bot.users.getAuthenticated();
    expect(data).toMatchObject({ login: 'bot', type: 'Bot', site_admin: false });
    expect(typeof data.id).toBe('number');
    expect(typeof data.node_id).toBe('string');
    expect(headers['x-ratelimit-limit']).toBe('5000');
    expect(Number(headers['x-ratelimit-remaining'])).toBeLessThan(5000);
    expect(Number(headers['x-ratelimit-used'])).toBeGreaterThan(0);
    expect(Number(headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    expect(headers['x-ratelimit-resource']).toBe('core');
  });

  it('answers 401 "Bad credentials" for a wrong token and "Requires authentication" without one', async () => {
    const bad = await failure(f.client('nope').users.getAuthenticated());
    expect(bad.status).toBe(401);
    expect(bad.data.message).toBe('Bad credentials');
    expect(typeof bad.data.documentation_url).toBe('string');
    const none = await failure(f.anonymous.users.getAuthenticated());
    expect(none.status).toBe(401);
    expect(none.data.message).toBe('Requires authentication');
  });

  it('GET /repos/{owner}/{repo} has the fields GitHub documents', async () => {
    const { data } = await f.bot.repos.get(repo);
    expect(data).toMatchObject({
      name: 'app',
      full_name: 'acme/app',
      private: true,
      visibility: 'private',
      default_branch: 'main',
      allow_auto_merge: true,
      delete_branch_on_merge: false,
      permissions: { admin: false, maintain: true, push: true, triage: true, pull: true },
      owner: { login: 'acme', type: 'Organization' },
    });
    expect(data.html_url).toBe(`${f.sim.github.url}/acme/app`);
    expect(data.url).toBe(`${f.sim.github.url}/repos/acme/app`);
    expect(typeof data.node_id).toBe('string');
    const alice = await f.alice.repos.get(repo);
    expect(alice.data.permissions).toMatchObject({ push: true, maintain: false });
  });

  it('hides private repositories (404) and serves public ones without a token', async () => {
    const hidden = await failure(f.outsider.repos.get(repo));
    expect(hidden.status).toBe(404);
    expect(hidden.data.message).toBe('Not Found');
    expect((await failure(f.anonymous.repos.get(repo))).status).toBe(404);
    const pub = await f.anonymous.repos.get({ owner: 'acme', repo: 'public-lib' });
    expect(pub.data.private).toBe(false);
    expect(pub.data.permissions).toBeUndefined();
    // Reading is fine, writing is not.
    const write = await failure(
      f.outsider.git.createRef({
        owner: 'acme',
        repo: 'public-lib',
        ref: 'refs/heads/x',
        sha: 'a'.repeat(40),
      }),
    );
    expect(write.status).toBe(404);
  });

  it('unknown routes are 404 with GitHub’s body', async () => {
    const res = await fetch(`${f.sim.github.url}/repos/acme/app/nope`, {
      headers: { authorization: `token ${f.botToken}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ message: 'Not Found', documentation_url: expect.any(String) });
  });

  it('PATCH /repos changes merge settings for admins only', async () => {
    const denied = await failure(f.bot.repos.update({ ...repo, delete_branch_on_merge: true }));
    expect(denied.status).toBe(403);
    const admin = f.sim.createUser('root', { admin: true });
    const { data } = await f.client(admin.token).repos.update({ ...repo, delete_branch_on_merge: true });
    expect(data.delete_branch_on_merge).toBe(true);
    await f.client(admin.token).repos.update({ ...repo, delete_branch_on_merge: false });
  });
});
