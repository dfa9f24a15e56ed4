import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubFixture, repo, type GithubFixture } from './helpers.js';

/**
 * GitHub's list limits ("Using pagination in the REST API", "Compare two commits"): `per_page`
 * is at most 100 whatever is asked, more pages are announced only by the `link` header; a
 * comparison lists at most 300 files.
 */
describe('GitHub view: pagination and answer limits', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture({ ciEnabled: false });
  });
  afterAll(() => f.sim.close());

  it('caps per_page at 100 and announces the next page only in the link header', async () => {
    for (let i = 0; i < 105; i++) f.sim.createIssue({ forge: 'github', project: 'acme/app', title: `i${i}` });
    const first = await f.bot.issues.listForRepo({ ...repo, per_page: 500 });
    expect(first.data).toHaveLength(100);
    expect(first.headers.link).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    const last = await f.bot.issues.listForRepo({ ...repo, per_page: 100, page: 2 });
    expect(last.data).toHaveLength(5);
    expect(last.headers.link).not.toMatch(/rel="next"/);
  });

  it('a comparison lists at most 300 files', async () => {
    const base = (await f.sim.project('github', 'acme/app').repo.branchSha('main'))!;
    const files = Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`many/f${i}.txt`, `${i}\n`]));
    await f.sim.push({ forge: 'github', project: 'acme/app', branch: 'many', files, message: 'many' });
    const compare = await f.bot.repos.compareCommitsWithBasehead({ ...repo, basehead: `${base}...many` });
    expect(compare.data.files).toHaveLength(300);
    expect(compare.data.ahead_by).toBe(1);
  });
});
