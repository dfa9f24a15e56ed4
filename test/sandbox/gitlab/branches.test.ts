import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ISO, push, setup, SHA, type Fixture } from './helpers.js';

describe('GitLab branches and protected branches', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await setup();
    for (let i = 0; i < 5; i++) await fx.api.Branches.create('org/app', `feature/f${i}`, 'main');
  });
  afterAll(() => fx.close());

  it('GET a branch: GitLab shape with the head commit', async () => {
    const b = await fx.api.Branches.show('org/app', 'main');
    expect(b).toMatchObject({
      name: 'main',
      merged: false,
      protected: true,
      default: true,
      developers_can_push: false,
      developers_can_merge: false,
      can_push: true,
      web_url: `${fx.sim.gitlab.url}/org/app/-/tree/main`,
    });
    const commit = b.commit as Record<string, unknown>;
    expect(commit.id).toMatch(SHA);
    expect(commit.short_id).toBe((commit.id as string).slice(0, 8));
    expect(commit.created_at).toMatch(ISO);
    expect(commit.parent_ids).toEqual([]);
    expect(commit.title).toBe('Initial commit');
  });

  it('branch names with slashes are URL-encoded path segments', async () => {
    const b = await fx.api.Branches.show('org/app', 'feature/f1');
    expect(b.name).toBe('feature/f1');
    const res = await fx.raw('/api/v4/projects/org%2Fapp/repository/branches/feature%2Ff1');
    expect(res.status).toBe(200);
    await expectError(fx.api.Branches.show('org/app', 'nope'), 404, '404 Branch Not Found');
  });

  it('lists with search and paginates with GitLab headers', async () => {
    const found = await fx.api.Branches.all('org/app', { search: 'feature/' });
    expect(found.map((b) => b.name)).toEqual([
      'feature/f0',
      'feature/f1',
      'feature/f2',
      'feature/f3',
      'feature/f4',
    ]);
    expect((await fx.api.Branches.all('org/app', { search: '^main' })).map((b) => b.name)).toEqual(['main']);

    const res = await fx.raw('/api/v4/projects/org%2Fapp/repository/branches?per_page=2&page=2');
    expect(res.headers.get('x-page')).toBe('2');
    expect(res.headers.get('x-per-page')).toBe('2');
    expect(res.headers.get('x-prev-page')).toBe('1');
    expect(res.headers.get('x-next-page')).toBe('3');
    expect(res.headers.get('x-total')).toBe('6');
    expect(res.headers.get('x-total-pages')).toBe('3');
    const link = res.headers.get('link')!;
    expect(link).toContain('rel="next"');
    expect(link).toContain('rel="prev"');
    expect(link).toContain('rel="first"');
    expect(link).toContain('rel="last"');
    expect(link).toContain('per_page=2');
    const last = await fx.raw('/api/v4/projects/org%2Fapp/repository/branches?per_page=2&page=3');
    expect(last.headers.get('x-next-page')).toBe('');
    const first = await fx.raw('/api/v4/projects/org%2Fapp/repository/branches?per_page=2');
    expect(first.headers.get('x-prev-page')).toBe('');

    // gitbeaker follows rel="next" across pages.
    const all = await fx.api.Branches.all('org/app', { perPage: 2 });
    expect(all).toHaveLength(6);
    const expanded = await fx.api.Branches.all('org/app', { perPage: 4, page: 2, showExpanded: true });
    expect(expanded.paginationInfo).toMatchObject({
      total: 6,
      totalPages: 2,
      current: 2,
      previous: 1,
      next: null,
    });
  });

  it('creates (201) and deletes (204) branches; duplicates and bad refs are 400', async () => {
    const res = await fx.raw('/api/v4/projects/org%2Fapp/repository/branches?branch=tmp&ref=main', {
      method: 'POST',
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { name: string }).name).toBe('tmp');
    await expectError(fx.api.Branches.create('org/app', 'tmp', 'main'), 400, 'Branch already exists');
    await expectError(fx.api.Branches.create('org/app', 'tmp2', 'nope'), 400, 'Invalid reference name: nope');
    const del = await fx.raw('/api/v4/projects/org%2Fapp/repository/branches/tmp', { method: 'DELETE' });
    expect(del.status).toBe(204);
    await expectError(fx.api.Branches.remove('org/app', 'tmp'), 404, '404 Branch Not Found');
  });

  it('merged is true once the default branch contains the branch head', async () => {
    const b = await fx.api.Branches.show('org/app', 'feature/f0');
    expect(b.merged).toBe(true);
    await push(fx, 'feature/f0', { 'x.txt': 'x\n' });
    expect((await fx.api.Branches.show('org/app', 'feature/f0')).merged).toBe(false);
  });

  it('protected branches: list, get, protect (201, 409 when already protected), unprotect', async () => {
    const list = await fx.api.ProtectedBranches.all('org/app');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'main', allow_force_push: false });
    expect(list[0]!.push_access_levels).toEqual([
      expect.objectContaining({ access_level: 40, access_level_description: 'Maintainers' }),
    ]);
    const created = await fx.api.ProtectedBranches.protect('org/app', 'release/*', {
      pushAccessLevel: 30,
      allowForcePush: true,
    });
    expect(created).toMatchObject({ name: 'release/*', allow_force_push: true });
    await expectError(fx.api.ProtectedBranches.protect('org/app', 'release/*'), 409);
    expect((await fx.api.ProtectedBranches.show('org/app', 'release/*')).name).toBe('release/*');
    await fx.api.Branches.create('org/app', 'release/1', 'main');
    expect((await fx.api.Branches.show('org/app', 'release/1')).protected).toBe(true);
    await fx.api.ProtectedBranches.unprotect('org/app', 'release/*');
    expect((await fx.api.Branches.show('org/app', 'release/1')).protected).toBe(false);
    await expectError(fx.dev.ProtectedBranches.protect('org/app', 'x'), 403, '403 Forbidden');
  });

  it('a developer may not push to a protected branch (403) nor delete it', async () => {
    expect((await fx.dev.Branches.show('org/app', 'main')).can_push).toBe(false);
    await expectError(
      fx.dev.Commits.create('org/app', 'main', 'dev change', [
        { action: 'create', filePath: 'd.txt', content: 'd' },
      ]),
      403,
      '403 Forbidden - You are not allowed to push into this branch',
    );
    await expectError(fx.dev.Branches.remove('org/app', 'main'), 405);
    const sha = await fx.dev.Commits.create(
      'org/app',
      'dev-branch',
      'dev change',
      [{ action: 'create', filePath: 'd.txt', content: 'd' }],
      { startBranch: 'main' },
    );
    expect(sha.id).toMatch(SHA);
  });
});
