import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBareRepo, type GitRepo } from '../../packages/forge-sandbox/src/core/git.js';
import { listLooseRefs } from '../../packages/forge-sandbox/src/core/git-refs.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Branch and tag lists read from the loose ref files instead of a `git for-each-ref` process
 * (issue 26): the same names, shas and order as git's (lock files skipped, a ref to a missing
 * object listed, as git lists them), and git asked whenever refs are packed or a ref is symbolic.
 */

const author = { name: 'Dev', email: 'dev@example.com' };
const env = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

function git(dir: string, args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env, stdio: 'pipe' }).toString();
}

function forEachRef(dir: string, prefix: string): { name: string; sha: string }[] {
  return git(dir, ['for-each-ref', '--format=%(refname:strip=2)%00%(objectname)', prefix])
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, sha] = line.split('\0');
      return { name: name!, sha: sha! };
    });
}

describe('simulator git: branch and tag lists from the ref files', () => {
  const tmp = tempDir('release-bot-git-refs-');
  const dir = join(tmp.dir, 'refs.git');
  let repo: GitRepo;

  beforeAll(async () => {
    repo = await initBareRepo(dir, 'main');
    let parent: string | null = null;
    const shas: string[] = [];
    for (let i = 0; i < 4; i++) {
      parent = await repo.writeCommit({
        parent,
        files: { f: `${i}\n` },
        message: `c${i}`,
        author,
        date: new Date(Date.UTC(2026, 0, 1 + i)),
      });
      shas.push(parent);
    }
    for (const [name, sha] of [
      ['main', 3],
      ['feature/x', 1],
      ['feature-y', 2],
      ['Zeta', 0],
      ['a/b/c', 2],
      ['release-bot/update-c1', 3],
    ] as const)
      await repo.updateRef(`refs/heads/${name}`, shas[sha]!);
    await repo.updateRef('refs/tags/v1.0', shas[0]!);
    await repo.updateRef('refs/tags/v1.0.1', shas[1]!);
    git(dir, ['tag', '-a', '-m', 'annotated', 'v2', shas[2]!]);
  });
  afterAll(() => tmp.cleanup());

  it('lists what git for-each-ref lists, in its order (annotated tags by their tag object)', async () => {
    expect(await listLooseRefs(dir, 'refs/heads')).toEqual(forEachRef(dir, 'refs/heads'));
    expect(await listLooseRefs(dir, 'refs/tags')).toEqual(forEachRef(dir, 'refs/tags'));
    expect(await repo.listBranches()).toEqual(forEachRef(dir, 'refs/heads'));
    expect(await repo.listTags()).toEqual(forEachRef(dir, 'refs/tags'));
    expect((await repo.listBranches()).length).toBe(6);
  });

  it('skips a lock file and lists a ref to a missing object, as git does', async () => {
    writeFileSync(join(dir, 'refs/heads/main.lock'), `${'1'.repeat(40)}\n`);
    writeFileSync(join(dir, 'refs/heads/broken'), `${'2'.repeat(40)}\n`);
    expect(await listLooseRefs(dir, 'refs/heads')).toEqual(forEachRef(dir, 'refs/heads'));
    expect((await repo.listBranches()).map((b) => b.name)).toContain('broken');
    expect((await repo.listBranches()).map((b) => b.name)).not.toContain('main.lock');
  });

  it('asks git for a symbolic ref and for packed refs', async () => {
    git(dir, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/main']);
    expect(await listLooseRefs(dir, 'refs/heads')).toBe('ask-git');
    expect(await repo.listBranches()).toEqual(forEachRef(dir, 'refs/heads'));
    git(dir, ['update-ref', '-d', '--no-deref', 'refs/heads/alias']);
    git(dir, ['pack-refs', '--all']);
    expect(await listLooseRefs(dir, 'refs/tags')).toBe('ask-git');
    expect(await repo.listTags()).toEqual(forEachRef(dir, 'refs/tags'));
    expect(await repo.listBranches()).toEqual(forEachRef(dir, 'refs/heads'));
  });
});
