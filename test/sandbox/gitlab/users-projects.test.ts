import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, ISO, setup, type Fixture } from './helpers.js';

describe('GitLab users, projects, auth and errors', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await setup();
  });
  afterAll(() => fx.close());

  it('GET /user and GET /users?username= return GitLab user shapes', async () => {
    const me = await fx.api.Users.showCurrentUser();
    expect(me).toMatchObject({ username: 'bot', name: 'Release Bot', state: 'active', bot: true });
    expect(typeof me.id).toBe('number');
    expect(me.web_url).toBe(`${fx.sim.gitlab.url}/bot`);
    expect(me.created_at).toMatch(ISO);
    const users = await fx.api.Users.all({ username: 'dev' });
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ username: 'dev', name: 'Dee Veloper', state: 'active' });
    expect(Object.keys(users[0]!).sort()).toEqual(
      ['avatar_url', 'id', 'locked', 'name', 'state', 'username', 'web_url'].sort(),
    );
  });

  it('GET /projects/:id by numeric id and by URL-encoded path', async () => {
    const byPath = await fx.api.Projects.show('org/app');
    const byId = await fx.api.Projects.show(byPath.id);
    expect(byId.path_with_namespace).toBe('org/app');
    expect(byPath).toMatchObject({
      name: 'app',
      path: 'app',
      default_branch: 'main',
      visibility: 'private',
      web_url: `${fx.sim.gitlab.url}/org/app`,
      http_url_to_repo: `${fx.sim.gitlab.url}/org/app.git`,
    });
    expect(byPath.namespace).toMatchObject({ full_path: 'org', kind: 'group' });
    expect(
      (byPath.permissions as { project_access: { access_level: number } }).project_access.access_level,
    ).toBe(40);
    const res = await fx.raw('/api/v4/projects/org%2Fapp');
    expect(res.status).toBe(200);
  });

  it('401 without or with a bad token, with GitLab bodies', async () => {
    const none = await fx.raw('/api/v4/projects/org%2Fapp', { token: null });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: '401 Unauthorized' });
    const bad = await fx.raw('/api/v4/user', { token: 'nope' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ message: '401 Unauthorized' });
    await expectError(client(fx.sim, 'nope').Users.showCurrentUser(), 401, '401 Unauthorized');
  });

  it('404 "Project Not Found" for a project the token cannot see, like a missing one', async () => {
    const stranger = client(fx.sim, fx.strangerToken);
    await expectError(stranger.Projects.show('org/app'), 404, '404 Project Not Found');
    const res = await fx.raw('/api/v4/projects/org%2Fnope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: '404 Project Not Found' });
  });

  it('unknown routes answer {"error":"404 Not Found"}', async () => {
    const res = await fx.raw('/api/v4/projects/org%2Fapp/no_such_thing');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: '404 Not Found' });
  });

  it('a read_api token may read but gets 403 insufficient_scope on writes', async () => {
    const reader = client(fx.sim, fx.readToken);
    expect((await reader.Projects.show('org/app')).id).toBeGreaterThan(0);
    const res = await fx.raw('/api/v4/projects/org%2Fapp/labels', {
      method: 'POST',
      token: fx.readToken,
      body: JSON.stringify({ name: 'x', color: '#ff0000' }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the access token.',
      scope: 'api',
    });
  });

  it('missing required parameters answer {"error":"<param> is missing"}', async () => {
    const res = await fx.raw('/api/v4/projects/org%2Fapp/repository/branches', {
      method: 'POST',
      body: JSON.stringify({}),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'branch is missing, ref is missing' });
  });

  it('sends gitlab.com RateLimit headers', async () => {
    const res = await fx.raw('/api/v4/user');
    expect(Number(res.headers.get('ratelimit-limit'))).toBeGreaterThan(0);
    expect(Number(res.headers.get('ratelimit-remaining'))).toBeLessThan(
      Number(res.headers.get('ratelimit-limit')),
    );
    expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
    // only a throttled answer adds the HTTP-date reset time (RequestThrottleData#throttled_response_headers)
    expect(res.headers.get('ratelimit-resettime')).toBeNull();
  });

  it('counts each minute of the simulated clock; the reset is said on the wall clock', async () => {
    const observed = async () => Number((await fx.raw('/api/v4/user')).headers.get('ratelimit-observed'));
    const first = await observed();
    expect(await observed()).toBe(first + 1);
    const res = await fx.raw('/api/v4/user');
    const reset = Number(res.headers.get('ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000 - 1);
    expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
    await fx.sim.advance(60_000); // a simulated minute: a new window, whatever the wall clock did
    expect(await observed()).toBe(1);
  });
});
