import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initBareRepo } from '../../packages/forge-sandbox/src/core/git.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The simulator reads objects through one long-lived `git cat-file --batch-command` per repository
 * (packages/forge-sandbox/src/core/git-batch.ts). What it answers must be what git itself prints.
 */
describe('simulator git reads through cat-file --batch-command', () => {
  const tmp = tempDir('release-bot-git-batch-');
  afterAll(() => tmp.cleanup());

  it('reads commits as `git log` prints them (time zones, multi-line messages), files, blobs and refs', async () => {
    const dir = join(tmp.dir, 'repo.git');
    const repo = await initBareRepo(dir, 'main');
    const first = await repo.writeCommit({
      parent: null,
      files: { 'README.md': '# hi\n', 'dir/a.txt': 'a\n' },
      message: 'First line\n\nBody line one\nBody line two\n',
      author: { name: 'Zoë Example', email: 'zoe@example.com' },
      date: new Date('2026-03-29T01:30:00Z'),
    });
    await repo.updateRef('refs/heads/main', first);
    // A commit made by git itself in a +05:30 zone, on top (the simulator never writes one).
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ravi',
      GIT_AUTHOR_EMAIL: 'ravi@example.com',
      GIT_AUTHOR_DATE: '2026-11-30T23:45:07+05:30',
      GIT_COMMITTER_NAME: 'Bot',
      GIT_COMMITTER_EMAIL: 'bot@example.com',
      GIT_COMMITTER_DATE: '2026-12-01T00:00:00-08:00',
    };
    const tree = execFileSync('git', ['rev-parse', `${first}^{tree}`], { cwd: dir })
      .toString()
      .trim();
    const second = execFileSync('git', ['commit-tree', tree, '-p', first, '-m', 'Second'], { cwd: dir, env })
      .toString()
      .trim();
    execFileSync('git', ['update-ref', 'refs/heads/main', second], { cwd: dir });

    for (const sha of [first, second]) {
      const printed = execFileSync(
        'git',
        ['log', '-1', '--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B', sha],
        { cwd: dir },
      )
        .toString()
        .split('\x00');
      const commit = (await repo.getCommit(sha))!;
      expect([
        commit.sha,
        commit.parents.join(' '),
        commit.authorName,
        commit.authorEmail,
        commit.authoredAt,
        commit.committerName,
        commit.committerEmail,
        commit.committedAt,
        commit.message,
      ]).toEqual([...printed.slice(0, 8), printed[8]!.replace(/\n+$/, '')]);
    }
    expect((await repo.getCommit(first))!.title).toBe('First line');
    // A ref moved by another git process is seen at once (nothing cached by name).
    expect(await repo.branchSha('main')).toBe(second);
    expect(await repo.resolve(second.slice(0, 10))).toBe(second);
    expect((await repo.readFile('main', 'dir/a.txt'))!.toString()).toBe('a\n');
    expect(await repo.readFile('main', 'dir')).toBeNull(); // a tree is not a file
    expect(await repo.readFile('main', 'missing.txt')).toBeNull();
    expect(await repo.blobSha(first, 'README.md')).toBe(
      execFileSync('git', ['rev-parse', `${first}:README.md`], { cwd: dir })
        .toString()
        .trim(),
    );
    expect(await repo.resolve('no-such-branch')).toBeNull();
    expect(await repo.resolve('--output=x')).toBeNull();
    expect(await repo.resolve('main\nHEAD')).toBeNull();
    expect(await repo.getCommit('f'.repeat(40))).toBeNull();
  });

  it('answers many interleaved reads in order, misses included', async () => {
    const dir = join(tmp.dir, 'many.git');
    const repo = await initBareRepo(dir, 'main');
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`f${i}.txt`] = `${i}\n`.repeat(i * 200); // up to ~60 KiB each
    const sha = await repo.writeCommit({
      parent: null,
      files,
      message: 'many',
      author: { name: 'A', email: 'a@example.com' },
      date: new Date('2026-01-01T00:00:00Z'),
    });
    const reads = Array.from({ length: 50 }, (_, i) =>
      Promise.all([repo.readFile(sha, `f${i}.txt`), repo.readFile(sha, `missing-${i}`), repo.resolve(sha)]),
    );
    const answers = await Promise.all(reads);
    answers.forEach(([content, missing, resolved], i) => {
      expect(content!.toString()).toBe(files[`f${i}.txt`]);
      expect(missing).toBeNull();
      expect(resolved).toBe(sha);
    });
  });
});
