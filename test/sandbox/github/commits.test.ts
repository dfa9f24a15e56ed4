import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: commits and compare', () => {
  let f: GithubFixture;
  const shas: string[] = [];
  beforeAll(async () => {
    f = await githubFixture();
    for (let i = 1; i <= 7; i++)
      shas.push(
        await f.sim.push({
          forge: 'github',
          project: 'acme/app',
          files: { [`f${i}.txt`]: `${i}\n` },
          message: `Commit ${i}`,
        }),
      );
  });
  afterAll(() => f.sim.close());

  it('lists commits newest first with pagination, by branch and path', async () => {
    const first = await f.bot.repos.listCommits({ ...repo, sha: 'main', per_page: 3 });
    expect(first.data.map((c) => c.sha)).toEqual([shas[6], shas[5], shas[4]]);
    expect(first.headers.link).toMatch(/page=2>; rel="next"/);
    expect(first.data[0]!.commit.message).toBe('Commit 7');
    expect(first.data[0]!.commit.author?.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const all = await f.bot.paginate(f.bot.repos.listCommits, { ...repo, per_page: 3 });
    expect(all).toHaveLength(8);
    const byPath = await f.bot.repos.listCommits({ ...repo, path: 'f3.txt' });
    expect(byPath.data.map((c) => c.sha)).toEqual([shas[2]]);
  });

  it('gets one commit with files and stats; 422 for an unknown ref', async () => {
    const { data } = await f.bot.repos.getCommit({ ...repo, ref: shas[2]! });
    expect(data.sha).toBe(shas[2]);
    expect(data.parents[0]?.sha).toBe(shas[1]);
    expect(data.files).toEqual([
      expect.objectContaining({ filename: 'f3.txt', status: 'added', additions: 1 }),
    ]);
    expect(data.stats).toMatchObject({ additions: 1, deletions: 0, total: 1 });
    const byBranch = await f.bot.repos.getCommit({ ...repo, ref: 'main' });
    expect(byBranch.data.sha).toBe(shas[6]);
    const sha = await f.bot.repos.getCommit({ ...repo, ref: 'main', mediaType: { format: 'sha' } });
    expect(sha.data).toBe(shas[6]);
    const unknown = await failure(f.bot.repos.getCommit({ ...repo, ref: 'no-such-branch' }));
    expect(unknown).toMatchObject({
      status: 422,
      data: { message: 'No commit found for SHA: no-such-branch' },
    });
  });

  it('compares: ahead, behind, identical, diverged, with files and merge base', async () => {
    const ahead = await f.bot.repos.compareCommits({ ...repo, base: shas[1]!, head: shas[4]! });
    expect(ahead.data).toMatchObject({ status: 'ahead', ahead_by: 3, behind_by: 0, total_commits: 3 });
    expect(ahead.data.commits.map((c) => c.sha)).toEqual([shas[2], shas[3], shas[4]]);
    expect(ahead.data.files?.map((x) => `${x.status}:${x.filename}`)).toEqual([
      'added:f3.txt',
      'added:f4.txt',
      'added:f5.txt',
    ]);
    expect(ahead.data.merge_base_commit.sha).toBe(shas[1]);
    expect(ahead.data.html_url).toContain('/compare/');
    const behind = await f.bot.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${shas[4]}...${shas[1]}`,
    });
    expect(behind.data).toMatchObject({ status: 'behind', ahead_by: 0, behind_by: 3 });
    const same = await f.bot.repos.compareCommitsWithBasehead({ ...repo, basehead: 'main...main' });
    expect(same.data).toMatchObject({ status: 'identical', ahead_by: 0, behind_by: 0, commits: [] });

    const p = f.sim.project('github', 'acme/app');
    await p.repo.updateRef('refs/heads/side', shas[4]!);
    await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'side',
      files: { 'f1.txt': 'changed\n', 'f2.txt': null },
      message: 'Side',
    });
    const diverged = await f.bot.repos.compareCommitsWithBasehead({ ...repo, basehead: 'main...side' });
    expect(diverged.data).toMatchObject({ status: 'diverged', ahead_by: 1, behind_by: 2 });
    expect(diverged.data.files?.map((x) => `${x.status}:${x.filename}`).sort()).toEqual([
      'modified:f1.txt',
      'removed:f2.txt',
    ]);
  });

  it('reports renames with previous_filename and paginates compare commits', async () => {
    const p = f.sim.project('github', 'acme/app');
    const base = (await p.repo.branchSha('main'))!;
    const content = 'line\n'.repeat(20);
    await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'ren',
      files: { 'big.txt': content },
      message: 'big',
    });
    const before = (await p.repo.branchSha('ren'))!;
    await f.sim.push({
      forge: 'github',
      project: 'acme/app',
      branch: 'ren',
      files: { 'big.txt': null, 'moved.txt': content },
      message: 'move',
    });
    const renamed = await f.bot.repos.compareCommitsWithBasehead({ ...repo, basehead: `${before}...ren` });
    expect(renamed.data.files).toEqual([
      expect.objectContaining({ status: 'renamed', filename: 'moved.txt', previous_filename: 'big.txt' }),
    ]);

    const pages = await f.bot.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${shas[0]}...${base}`,
      per_page: 2,
    });
    expect(pages.data.commits).toHaveLength(2);
    expect(pages.headers.link).toMatch(/rel="next"/);
    const page3 = await f.bot.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${shas[0]}...${base}`,
      per_page: 2,
      page: 3,
    });
    expect(page3.data.commits.map((c) => c.sha)).toEqual([shas[5], shas[6]]);
    expect(page3.headers.link).not.toMatch(/rel="next"/);
  });
});
