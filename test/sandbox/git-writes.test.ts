import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initBareRepo } from '../../packages/forge-sandbox/src/core/git.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The simulator writes commits without git processes (core/git-objects-writer.ts). Each commit
 * must be byte for byte the one git's own plumbing writes for the same files, author and date:
 * same sha, and `git fsck` finds nothing wrong.
 */
describe('simulator commits written in-process', () => {
  const tmp = tempDir('release-bot-git-writes-');
  afterAll(() => tmp.cleanup());

  const author = { name: 'Release Bot', email: 'bot@example.com' };
  const date = new Date('2026-12-04T10:11:12.345Z');

  /** The same commit made by git: read-tree, hash-object + update-index per file, write-tree, commit-tree. */
  function gitCommit(
    dir: string,
    parent: string | null,
    files: Record<string, string | null>,
    message: string,
  ) {
    const env = {
      ...process.env,
      GIT_INDEX_FILE: join(dir, 'test-index'),
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: date.toISOString(),
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
      GIT_COMMITTER_DATE: date.toISOString(),
    };
    const git = (args: string[], input?: string) =>
      execFileSync('git', args, { cwd: dir, env, input }).toString().trim();
    git(parent ? ['read-tree', parent] : ['read-tree', '--empty']);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) git(['update-index', '--index-info'], `0 ${'0'.repeat(40)}\t${path}\n`);
      else {
        const blob = git(['hash-object', '-w', '--stdin'], content);
        git(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`]);
      }
    }
    const tree = git(['write-tree']);
    return git(['commit-tree', tree, ...(parent ? ['-p', parent] : [])], message);
  }

  it('writes the commit git would write: nested paths, updates, deletions, empty folders dropped', async () => {
    const dir = join(tmp.dir, 'repo.git');
    const repo = await initBareRepo(dir, 'main');
    const steps: { files: Record<string, string | null>; message: string }[] = [
      {
        files: { 'README.md': '# app\n', VERSION: '1.0.0\n', 'src/a.ts': 'a\n', 'src/lib/b.ts': 'b\n' },
        message: 'Initial',
      },
      {
        files: { VERSION: '1.1.0\n', 'src/lib/c.ts': 'c\n', 'docs/x-y.md': 'x\n' },
        message: 'Bump\n\nwith a body\n',
      },
      {
        files: { 'src/lib/b.ts': null, 'src/lib/c.ts': null, 'src.txt': 'sorts before src/\n' },
        message: 'no trailing newline',
      },
      { files: { 'README.md': 'ünïcode ✓\n', 'a/b/c/d/e.txt': 'deep\n' }, message: 'Ünïcode' },
    ];
    let parent: string | null = null;
    for (const step of steps) {
      const expected = gitCommit(dir, parent, step.files, step.message);
      const written = await repo.writeCommit({
        parent,
        files: step.files,
        message: step.message,
        author,
        date,
      });
      expect(written, step.message).toBe(expected);
      parent = written;
    }
    await repo.updateRef('refs/heads/main', parent!);
    expect(execFileSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: dir }).toString()).toBe('');
    expect(await repo.readFile('main', 'src/lib/b.ts')).toBeNull();
    expect((await repo.listTree('main', 'src')).map((e) => e.path)).toEqual(['src/a.ts']);
  });
});
