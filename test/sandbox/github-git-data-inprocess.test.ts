import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBareRepo, type GitRepo } from '../../packages/forge-sandbox/src/core/git.js';
import {
  buildTree,
  buildTreeWithGit,
  commitTree,
  commitTreeWithGit,
  listTree,
  listTreeWithGit,
  TreeInputError,
  type TreeInput,
} from '../../packages/forge-sandbox/src/github/git-objects.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The GitHub Git Database API's trees and commits, and tree listings, written and read without a
 * git process (issue 26) must be exactly git's: each answer is held against the git path on the
 * same repository, errors included (same message, same order).
 */

const author = { name: 'Dev', email: 'dev@example.com' };

function git(dir: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd: dir, input, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } })
    .toString()
    .trim();
}

async function outcome(run: () => Promise<string>): Promise<string> {
  try {
    return await run();
  } catch (error) {
    return error instanceof TreeInputError ? `422 ${error.message}` : 'error';
  }
}

describe('simulator git: GitHub trees and commits in-process', () => {
  const tmp = tempDir('release-bot-gh-git-data-');
  const dir = join(tmp.dir, 'data.git');
  let repo: GitRepo;
  let head: string;
  let base: string;
  let blob: string;
  let exec: string;

  beforeAll(async () => {
    repo = await initBareRepo(dir, 'main');
    head = await repo.writeCommit({
      parent: null,
      files: {
        'README.md': '# hi\n',
        'src/a.ts': 'export const a = 1;\n',
        'src/lib/b.ts': 'b\n',
        'docs/guide/intro.md': 'intro\n',
        VERSION: '1.0.0\n',
      },
      message: 'root\n',
      author,
      date: new Date(Date.UTC(2026, 0, 1)),
    });
    base = git(dir, ['rev-parse', `${head}^{tree}`]);
    blob = git(dir, ['hash-object', '-w', '--stdin'], 'a blob\n');
    // A tree with an executable, a link and a submodule entry, written by git itself.
    const sub = git(dir, ['mktree'], `100644 blob ${blob}\tfile\n`);
    exec = git(
      dir,
      ['mktree'],
      [
        `100755 blob ${blob}\trun.sh`,
        `120000 blob ${blob}\tlink`,
        `160000 commit ${head}\tvendored`,
        `040000 tree ${sub}\tsub`,
      ].join('\n') + '\n',
    );
  });
  afterAll(() => tmp.cleanup());

  it('builds the tree git builds for every request, or fails the same way', async () => {
    const cases: { base: string | null; entries: TreeInput[] }[] = [
      { base, entries: [{ path: 'VERSION', mode: '100644', content: '1.0.1\n' }] },
      { base, entries: [{ path: 'src/new/deep.ts', mode: '100755', content: 'x\n' }] },
      { base, entries: [{ path: 'src/a.ts', mode: '100644', sha: blob }] },
      { base, entries: [{ path: 'src', mode: '100644', sha: null }] },
      { base, entries: [{ path: 'src/lib/b.ts', mode: '100644', sha: null }] },
      { base, entries: [{ path: 'docs/guide', mode: '100644', content: 'now a file\n' }] },
      { base, entries: [{ path: '/VERSION/', mode: '100644', content: 'slashes\n' }] },
      { base, entries: [{ path: 'missing/file', mode: '100644', sha: null }] },
      { base: null, entries: [{ path: 'only.txt', mode: '100644', content: 'alone\n' }] },
      {
        base,
        entries: [
          { path: 'README.md', mode: '100644', sha: null },
          { path: 'VERSION', mode: '100644', sha: null },
          { path: 'src', mode: '100644', sha: null },
          { path: 'docs', mode: '100644', sha: null },
        ],
      },
      { base: exec, entries: [{ path: 'run.sh', mode: '100644', content: 'changed\n' }] },
      // Left to git: a subtree, a link, a submodule, overlapping paths, a path through a file, `.git`.
      { base, entries: [{ path: 'moved', mode: '040000', type: 'tree', sha: base }] },
      { base, entries: [{ path: 'l', mode: '120000', content: 'target' }] },
      { base, entries: [{ path: 'm', mode: '160000', sha: head }] },
      {
        base,
        entries: [
          { path: 'a', mode: '100644', content: '1' },
          { path: 'a/b', mode: '100644', content: '2' },
        ],
      },
      { base, entries: [{ path: 'VERSION/inside', mode: '100644', content: '1' }] },
      { base, entries: [{ path: '.git/config', mode: '100644', content: '1' }] },
      { base, entries: [{ path: 'with space', mode: '100644', content: '1' }] },
      // Errors, in git's order.
      { base, entries: [{ path: 'a/../b', mode: '100644', content: '1' }] },
      { base, entries: [{ path: 'x', mode: '100600', content: '1' }] },
      { base, entries: [{ path: 'x', mode: '100644' }] },
      { base, entries: [{ path: 'x', mode: '100644', sha: 'f'.repeat(40) }] },
      { base, entries: [{ path: 'x', mode: '100644', sha: head }] },
      {
        base,
        entries: [
          { path: 'ok', mode: '100644', content: '1' },
          { path: '', mode: '100644', content: '2' },
        ],
      },
    ];
    for (const c of cases) {
      const mine = await outcome(() => buildTree(dir, c.base, c.entries));
      const theirs = await outcome(() => buildTreeWithGit(dir, c.base, c.entries));
      expect(mine, JSON.stringify(c.entries)).toBe(theirs);
    }
    expect(git(dir, ['fsck', '--no-progress', '--no-dangling'])).toBe('');
  });

  it('writes the commit git commit-tree writes (dates with zones and fractions, two people)', async () => {
    const people = [
      { name: 'Ada', email: 'ada@example.com', date: '2026-03-01T10:20:30Z' },
      { name: 'Bob B', email: 'bob@example.com', date: '2026-03-01T10:20:30.987+05:30' },
      { name: 'Cy', email: 'cy@example.com', date: '2026-12-31T23:59:59-07:00' },
      { name: 'Dee', email: 'dee@example.com', date: '2026-06-01T12:00:00' }, // no zone: git's local time
      { name: ' Eve.', email: 'eve@example.com', date: '2026-06-01T12:00:00Z' }, // git cleans the name
    ];
    for (const message of ['one line', 'with newline\n', 'subject\n\nbody\n\n', ''])
      for (const a of people)
        for (const c of people.slice(0, 3)) {
          const input = { tree: base, parents: [head], message, author: a, committer: c };
          expect(await commitTree(dir, input)).toBe(await commitTreeWithGit(dir, input));
        }
    const root = { tree: base, parents: [], message: 'root', author: people[0]!, committer: people[0]! };
    expect(await commitTree(dir, root)).toBe(await commitTreeWithGit(dir, root));
  });

  it('lists trees as git ls-tree does (sizes, links, submodules, recursion, paths inside)', async () => {
    for (const treeish of [base, head, exec, `${head}:src`, `${head}:docs/guide`])
      for (const recursive of [false, true])
        expect(await listTree(dir, treeish, recursive)).toEqual(
          await listTreeWithGit(dir, treeish, recursive),
        );
  });
});
