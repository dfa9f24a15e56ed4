import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: Git Database API (blobs, trees, commits)', () => {
  let f: GithubFixture;
  beforeAll(async () => {
    f = await githubFixture();
  });
  afterAll(() => f.sim.close());

  it('builds a commit from blobs and a tree over base_tree, deletes with sha: null, and moves the branch', async () => {
    const blob = await f.bot.git.createBlob({
      ...repo,
      content: Buffer.from('2.0.0\n').toString('base64'),
      encoding: 'base64',
    });
    expect(blob.status).toBe(201);
    expect(blob.data.sha).toMatch(/^[0-9a-f]{40}$/);
    const read = await f.bot.git.getBlob({ ...repo, file_sha: blob.data.sha });
    expect(Buffer.from(read.data.content, 'base64').toString()).toBe('2.0.0\n');
    expect(read.data).toMatchObject({ encoding: 'base64', size: 6 });

    const ref = await f.bot.git.getRef({ ...repo, ref: 'heads/main' });
    const parent = await f.bot.git.getCommit({ ...repo, commit_sha: ref.data.object.sha });
    expect(parent.data.tree.sha).toMatch(/^[0-9a-f]{40}$/);
    const tree = await f.bot.git.createTree({
      ...repo,
      base_tree: parent.data.tree.sha,
      tree: [
        { path: 'VERSION', mode: '100644', type: 'blob', sha: blob.data.sha },
        { path: 'docs/new.md', mode: '100644', type: 'blob', content: 'hello\n' },
        { path: 'README.md', mode: '100644', type: 'blob', sha: null },
      ],
    });
    expect(tree.status).toBe(201);
    expect(tree.data.tree.map((e) => e.path).sort()).toEqual(['VERSION', 'docs', 'src']);
    const commit = await f.bot.git.createCommit({
      ...repo,
      message: 'Bump to 2.0.0',
      tree: tree.data.sha,
      parents: [ref.data.object.sha],
      author: { name: 'Release Bot', email: 'bot@example.com', date: '2026-11-20T09:00:00Z' },
    });
    expect(commit.status).toBe(201);
    expect(commit.data).toMatchObject({
      message: 'Bump to 2.0.0',
      author: { name: 'Release Bot', email: 'bot@example.com', date: '2026-11-20T09:00:00Z' },
      parents: [{ sha: ref.data.object.sha }],
      tree: { sha: tree.data.sha },
      verification: { verified: false },
    });
    await f.bot.git.updateRef({ ...repo, ref: 'heads/main', sha: commit.data.sha });

    const recursive = await f.bot.git.getTree({ ...repo, tree_sha: commit.data.sha, recursive: 'true' });
    expect(recursive.data.tree.map((e) => e.path)).toContain('docs/new.md');
    expect(recursive.data.truncated).toBe(false);

    const clone = mkdtempSync(join(tmpdir(), 'gh-clone-'));
    try {
      execFileSync('git', ['clone', '-q', f.sim.project('github', 'acme/app').repo.dir, clone]);
      expect(readFileSync(join(clone, 'VERSION'), 'utf8')).toBe('2.0.0\n');
      expect(readFileSync(join(clone, 'docs/new.md'), 'utf8')).toBe('hello\n');
      expect(existsSync(join(clone, 'README.md'))).toBe(false);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('answers 404 and 422 like GitHub', async () => {
    expect((await failure(f.bot.git.getCommit({ ...repo, commit_sha: 'a'.repeat(40) }))).status).toBe(404);
    expect((await failure(f.bot.git.getBlob({ ...repo, file_sha: 'a'.repeat(40) }))).status).toBe(404);
    const badTree = await failure(
      f.bot.git.createCommit({ ...repo, message: 'x', tree: 'a'.repeat(40), parents: [] }),
    );
    expect(badTree.status).toBe(422);
    const badMode = await failure(
      f.bot.git.createTree({ ...repo, tree: [{ path: 'x', mode: '100600' as '100644', content: 'x' }] }),
    );
    expect(badMode.status).toBe(422);
    const reader = await failure(f.outsider.git.createBlob({ ...repo, content: 'x' }));
    expect(reader.status).toBe(404);
  });
});
