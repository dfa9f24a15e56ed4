import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBareRepo, type GitRepo } from '../../packages/forge-sandbox/src/core/git.js';
import { isAncestorByWalk, mergeBaseByWalk } from '../../packages/forge-sandbox/src/core/git-graph.js';
import { plainRefName, writeLooseRef } from '../../packages/forge-sandbox/src/core/git-refs.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The simulator answers ancestry and merge-base questions by walking commits it reads through
 * the batch reader, and moves refs without a git process (issue 26). Every answer must be git's:
 * each is compared with `git merge-base` / `git update-ref` / `git rev-parse` on the same repository.
 */

const author = { name: 'Dev', email: 'dev@example.com' };

function git(dir: string, args: string[]): { out: string; code: number } {
  try {
    return { out: execFileSync('git', args, { cwd: dir, stdio: 'pipe' }).toString().trim(), code: 0 };
  } catch (error) {
    const e = error as { status: number; stdout: Buffer };
    return { out: e.stdout?.toString().trim() ?? '', code: e.status };
  }
}

describe('simulator git: ancestry by walking commits', () => {
  const tmp = tempDir('release-bot-git-graph-');
  const dir = join(tmp.dir, 'graph.git');
  let repo: GitRepo;
  const shas: string[] = [];
  let date = Date.UTC(2026, 0, 1);

  async function commit(parent: string | null, name: string): Promise<string> {
    date += 60_000;
    const sha = await repo.writeCommit({
      parent,
      files: { [name]: `${name}\n` },
      message: name,
      author,
      date: new Date(date),
    });
    shas.push(sha);
    return sha;
  }
  async function merge(target: string, source: string, name: string): Promise<string> {
    date += 60_000;
    const sha = (await repo.merge({ target, source, message: name, author, date: new Date(date) }))!;
    shas.push(sha);
    return sha;
  }

  beforeAll(async () => {
    repo = await initBareRepo(dir, 'main');
    // main: r - a1 - a2 - m1(a2, b2) - a3 - m2(a3, c2)         (plus an unrelated root u1 - u2)
    // b:        \ b1 - b2                c: from a2: c1 - c2 - m3(c2, a3) (criss-cross with m2)
    const r = await commit(null, 'r');
    const a1 = await commit(r, 'a1');
    const a2 = await commit(a1, 'a2');
    const b1 = await commit(r, 'b1');
    const b2 = await commit(b1, 'b2');
    const m1 = await merge(a2, b2, 'm1');
    const a3 = await commit(m1, 'a3');
    const c1 = await commit(a2, 'c1');
    const c2 = await commit(c1, 'c2');
    await merge(a3, c2, 'm2');
    await merge(c2, a3, 'm3');
    const u1 = await commit(null, 'u1');
    await commit(u1, 'u2');
    // A long line, for the walk limit.
    let tip = a3;
    for (let i = 0; i < 30; i++) tip = await commit(tip, `long${i}`);
  });
  afterAll(() => tmp.cleanup());

  /** The branchy part and the long line's tip (every pair of those, each compared with a git process). */
  const picked = () => [...shas.slice(0, 13), shas.at(-1)!];

  it('says what git merge-base --is-ancestor says, for every pair', async () => {
    for (const a of picked())
      for (const d of picked()) {
        const expected = git(dir, ['merge-base', '--is-ancestor', a, d]).code === 0;
        expect(await repo.isAncestor(a, d), `${a} ancestor of ${d}`).toBe(expected);
      }
  });

  it('finds the merge base git finds, for every pair (criss-cross merges left to git)', async () => {
    let walked = 0;
    let leftToGit = 0;
    const parentsOf = async (sha: string) => (await repo.getCommit(sha))?.parents ?? null;
    for (const a of picked())
      for (const b of picked()) {
        const { out, code } = git(dir, ['merge-base', a, b]);
        const expected = code === 0 ? out : null;
        expect(await repo.mergeBase(a, b), `merge base of ${a} ${b}`).toBe(expected);
        const byWalk = await mergeBaseByWalk(a, b, parentsOf);
        if (byWalk === undefined) {
          leftToGit++;
          // Only when git itself sees several best bases.
          expect(git(dir, ['merge-base', '--all', a, b]).out.split('\n').length).toBeGreaterThan(1);
        } else {
          walked++;
          expect(byWalk).toBe(expected);
        }
      }
    expect(walked).toBeGreaterThan(picked().length ** 2 - 10);
    expect(leftToGit).toBeGreaterThan(0); // m2 and m3 have two best bases (a3 and c2)
  });

  it('writes the merge commit git commit-tree writes (merge and squash)', async () => {
    const [, , a2, , b2] = shas;
    const at = new Date(Date.UTC(2026, 5, 1, 12));
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: at.toISOString(),
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
      GIT_COMMITTER_DATE: at.toISOString(),
    };
    const tree = git(dir, ['merge-tree', '--write-tree', '--no-messages', a2!, b2!]).out.split('\n')[0]!;
    for (const squash of [false, true]) {
      const message = `Merge branch 'b' into 'main'\n\nSee merge request !1${squash ? ' (squash)' : ''}\n`;
      const parents = squash ? ['-p', a2!] : ['-p', a2!, '-p', b2!];
      const expected = execFileSync('git', ['commit-tree', tree, ...parents, '-F', '-'], {
        cwd: dir,
        env,
        input: message,
      })
        .toString()
        .trim();
      expect(await repo.merge({ target: a2!, source: b2!, message, author, date: at, squash })).toBe(
        expected,
      );
    }
    expect(git(dir, ['fsck', '--no-progress']).code).toBe(0);
  });

  it('gives up past the walk limit instead of guessing', async () => {
    const parentsOf = async (sha: string) => (await repo.getCommit(sha))?.parents ?? null;
    const tip = shas.at(-1)!;
    expect(await isAncestorByWalk(shas[0]!, tip, parentsOf, 5)).toBeUndefined();
    expect(await isAncestorByWalk(shas[0]!, tip, parentsOf)).toBe(true);
    expect(await mergeBaseByWalk(shas[0]!, tip, parentsOf, 5)).toBeUndefined();
    expect(await isAncestorByWalk('f'.repeat(40), tip, parentsOf)).toBeUndefined();
  });
});

describe('simulator git: refs moved with git’s lock-file protocol', () => {
  const tmp = tempDir('release-bot-git-refs-');
  afterAll(() => tmp.cleanup());
  let n = 0;

  async function fresh(): Promise<{ dir: string; repo: GitRepo; c1: string; c2: string }> {
    const dir = join(tmp.dir, `r${n++}.git`);
    const repo = await initBareRepo(dir, 'main');
    const at = new Date('2026-12-04T10:00:00Z');
    const c1 = await repo.writeCommit({ parent: null, files: { a: '1' }, message: 'one', author, date: at });
    const c2 = await repo.writeCommit({ parent: c1, files: { a: '2' }, message: 'two', author, date: at });
    return { dir, repo, c1, c2 };
  }

  it('creates, moves and compare-and-swaps as git update-ref does, and git reads the result', async () => {
    const { dir, repo, c1, c2 } = await fresh();
    expect(await repo.updateRef('refs/heads/main', c1, null)).toBe(true);
    expect(git(dir, ['rev-parse', 'refs/heads/main']).out).toBe(c1);
    expect(await repo.updateRef('refs/heads/main', c2, null)).toBe(false); // must not exist
    expect(await repo.updateRef('refs/heads/main', c2, c2)).toBe(false); // wrong old value
    expect(git(dir, ['update-ref', 'refs/heads/main', c2, c2]).code).not.toBe(0); // git agrees
    expect(await repo.updateRef('refs/heads/main', c2, c1)).toBe(true);
    expect(await repo.branchSha('main')).toBe(c2); // the batch reader sees it at once
    expect(await repo.updateRef('refs/merge-requests/1/head', c1)).toBe(true);
    expect(git(dir, ['for-each-ref', '--format=%(refname) %(objectname)']).out.split('\n')).toEqual([
      `refs/heads/main ${c2}`,
      `refs/merge-requests/1/head ${c1}`,
    ]);
    expect(git(dir, ['fsck', '--no-progress']).code).toBe(0);
    expect(existsSync(join(dir, 'refs/heads/main.lock'))).toBe(false);
  });

  it('leaves the unusual cases to git: a held lock, a folder clash, packed refs, a non-commit', async () => {
    const { dir, repo, c1, c2 } = await fresh();
    const commit = async () => true;
    await repo.updateRef('refs/heads/main', c1);
    // Someone else holds the lock: git's own update-ref fails, so does ours.
    writeFileSync(join(dir, 'refs/heads/main.lock'), '');
    expect(await writeLooseRef(dir, 'refs/heads/main', c2, undefined, commit)).toBe('ask-git');
    expect(await repo.updateRef('refs/heads/main', c2)).toBe(false);
    expect(git(dir, ['rev-parse', 'refs/heads/main']).out).toBe(c1);
    git(dir, ['update-ref', '-d', 'refs/heads/x']);
    execFileSync('rm', [join(dir, 'refs/heads/main.lock')]);
    // refs/heads/main is a ref: refs/heads/main/sub cannot be one (git refuses too).
    expect(await writeLooseRef(dir, 'refs/heads/main/sub', c2, undefined, commit)).toBe('ask-git');
    expect(await repo.updateRef('refs/heads/main/sub', c2)).toBe(false);
    // A tree is no branch head.
    const tree = git(dir, ['rev-parse', `${c2}^{tree}`]).out;
    expect(await repo.updateRef('refs/heads/tree', tree)).toBe(false);
    // Packed refs: git's job, with the same answers.
    git(dir, ['pack-refs', '--all']);
    expect(await writeLooseRef(dir, 'refs/heads/main', c2, c1, commit)).toBe('ask-git');
    expect(await repo.updateRef('refs/heads/main', c2, c1)).toBe(true);
    expect(await repo.updateRef('refs/heads/main', c1, c1)).toBe(false);
    expect(git(dir, ['rev-parse', 'refs/heads/main']).out).toBe(c2);
  });

  it('lets exactly one of many concurrent creations win, as the lock file decides', async () => {
    const { dir, repo, c1, c2 } = await fresh();
    const wanted = Array.from({ length: 12 }, (_, i) => (i % 2 ? c1 : c2));
    const results = await Promise.all(wanted.map((sha) => repo.updateRef('refs/heads/race', sha, null)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(git(dir, ['rev-parse', 'refs/heads/race']).out).toBe(wanted[results.indexOf(true)]);
    expect(existsSync(join(dir, 'refs/heads/race.lock'))).toBe(false);
  });

  it('accepts only plain ref names', () => {
    expect(plainRefName('refs/heads/release-bot/update-gitaly')).toBe(true);
    expect(plainRefName('refs/pull/12/head')).toBe(true);
    expect(plainRefName('HEAD')).toBe(false);
    expect(plainRefName('refs/heads/a..b')).toBe(false);
    expect(plainRefName('refs/heads/x.lock')).toBe(false);
    expect(plainRefName('refs/heads/.hidden')).toBe(false);
  });
});
