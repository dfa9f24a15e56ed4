import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: repository contents', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture();
  });
  afterAll(() => f.sim.close());

  it('reads a file as base64 JSON with its blob sha, or raw', async () => {
    const { data } = await f.bot.repos.getContent({ ...repo, path: 'VERSION', ref: 'main' });
    if (Array.isArray(data) || data.type !== 'file') throw new Error('expected a file');
    expect(data).toMatchObject({
      type: 'file',
      encoding: 'base64',
      name: 'VERSION',
      path: 'VERSION',
      size: 6,
    });
    expect(Buffer.from(data.content, 'base64').toString()).toBe('1.0.0\n');
    expect(data.sha).toBe(await f.sim.project('github', 'acme/app').repo.blobSha('main', 'VERSION'));
    expect(data.download_url).toMatch(/VERSION$/);
    const download = await fetch(data.download_url!, { headers: { authorization: `token ${f.botToken}` } });
    expect(await download.text()).toBe('1.0.0\n');
    expect((await fetch(data.download_url!)).status).toBe(404);
    const raw = await f.bot.repos.getContent({ ...repo, path: 'src/main.ts', mediaType: { format: 'raw' } });
    expect(raw.data).toBe('export const x = 1;\n');
  });

  it('lists a directory and answers 404 for a missing path', async () => {
    const root = await f.bot.repos.getContent({ ...repo, path: '' });
    expect(Array.isArray(root.data) && root.data.map((e) => `${e.type}:${e.path}`).sort()).toEqual([
      'dir:src',
      'file:README.md',
      'file:VERSION',
    ]);
    const dir = await f.bot.repos.getContent({ ...repo, path: 'src' });
    expect(Array.isArray(dir.data) && dir.data.map((e) => e.path)).toEqual(['src/main.ts']);
    const missing = await failure(f.bot.repos.getContent({ ...repo, path: 'nope.txt' }));
    expect(missing).toMatchObject({ status: 404, data: { message: 'Not Found' } });
  });

  it('creates (201) and updates (200) files with the sha check (409 stale, 422 missing)', async () => {
    const created = await f.bot.repos.createOrUpdateFileContents({
      ...repo,
      path: 'docs/notes.md',
      message: 'Add notes',
      content: Buffer.from('one\n').toString('base64'),
    });
    expect(created.status).toBe(201);
    expect(created.data.content?.path).toBe('docs/notes.md');
    expect(created.data.commit.message).toBe('Add notes');
    const sha = created.data.content!.sha!;

    const missingSha = await failure(
      f.bot.repos.createOrUpdateFileContents({
        ...repo,
        path: 'docs/notes.md',
        message: 'x',
        content: 'dHdv',
      }),
    );
    expect(missingSha.status).toBe(422);
    const stale = await failure(
      f.bot.repos.createOrUpdateFileContents({
        ...repo,
        path: 'docs/notes.md',
        message: 'x',
        content: 'dHdv',
        sha: 'a'.repeat(40),
      }),
    );
    expect(stale.status).toBe(409);

    const updated = await f.bot.repos.createOrUpdateFileContents({
      ...repo,
      path: 'docs/notes.md',
      message: 'Update notes',
      content: Buffer.from('two\n').toString('base64'),
      sha,
      branch: 'main',
    });
    expect(updated.status).toBe(200);
    const read = await f.bot.repos.getContent({
      ...repo,
      path: 'docs/notes.md',
      mediaType: { format: 'raw' },
    });
    expect(read.data).toBe('two\n');
    expect(
      (
        await failure(
          f.bot.repos.createOrUpdateFileContents({
            ...repo,
            path: 'x',
            message: 'x',
            content: 'eA==',
            branch: 'nope',
          }),
        )
      ).status,
    ).toBe(404);
  });
});
