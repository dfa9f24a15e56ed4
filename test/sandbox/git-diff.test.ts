import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeCounts, diffTrees, unifiedDiff } from '../../packages/forge-sandbox/src/core/git-diff.js';
import { countByWalk, linearLog } from '../../packages/forge-sandbox/src/core/git-graph.js';
import { gitReader, mergesCleanlyByTrees } from '../../packages/forge-sandbox/src/core/git-reader.js';
import { openRepo } from '../../packages/forge-sandbox/src/core/git.js';
import { commitDetail, fileStats, logCommits } from '../../packages/forge-sandbox/src/github/git-objects.js';
import { commitStats, mergeBase } from '../../packages/forge-sandbox/src/gitlab/git-extra.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The simulator's in-process diffs, logs, counts and merge checks (issue 26) against git itself on
 * a real repository: for every pair of snapshots, whenever the in-process code answers, its answer
 * is byte for byte what `git diff` / `git rev-list` / `git merge-tree` says; where it cannot be
 * sure (renames, mode changes, a block git's heuristics place, conflicts) it must leave it to git.
 */

type Snapshot = Record<string, string | Buffer | { content: string; mode: 0o755 }>;

function git(dir: string, args: string[], input?: string): { out: string; code: number } {
  try {
    const out = execFileSync('git', args, {
      cwd: dir,
      stdio: 'pipe',
      input,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir },
    });
    return { out: out.toString('utf8'), code: 0 };
  } catch (error) {
    const e = error as { status: number; stdout: Buffer };
    return { out: e.stdout?.toString('utf8') ?? '', code: e.status };
  }
}

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} line ${i}\n`).join('');
const code = [
  'int helper(void)\n',
  '{\n',
  '  return 1;\n',
  '}\n',
  '\n',
  'static int main_loop(int argc)   \n',
  '{\n',
  '  int a = 1;\n',
  '  int b = 2;\n',
  '  int c = 3;\n',
  '  int d = 4;\n',
  '  return a + b + c + d;\n',
  '}\n',
];
const long = `${'averyveryverylongidentifier_'.repeat(4)}(int x)\n{\n\tone;\n\ttwo;\n\tthree;\n\tfour;\n}\n`;
const aFirst = `A first\n${lines(12, 'a').split('\n').slice(1).join('\n')}`;
const aBoth = aFirst.replace('a line 11\n', 'A last\n');
const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 10, 4, 5]);

/** Snapshots of one line of history: each a whole tree, committed in order. */
/** The state several later snapshots start from. */
const several: Snapshot = {
  'b.txt': aBoth.replace(/\n$/, ''),
  'src/lib/x.c': code
    .filter((l) => !l.includes('int d'))
    .join('')
    .replace('return 1', 'return 2'),
  'bin.dat': Buffer.concat([binary, Buffer.from([9, 9])]),
  'nonl.txt/inner.txt': 'now a folder\n',
  'long.txt': { content: long.replace('three', 'THREE'), mode: 0o755 },
  'new/deep/file.txt': 'hello\nworld\n',
  'café.txt': 'crème\n',
  'with space.txt': 'x\n',
};

const snapshots: Snapshot[] = [
  {
    'a.txt': lines(12, 'a'),
    'src/lib/x.c': code.join(''),
    'bin.dat': binary,
    'empty.txt': '',
    'nonl.txt': 'first\nsecond',
    'long.txt': long,
    'docs/readme.md': '# Title\n\nSome text.\n',
  },
  // A middle line under a function line, an appended last line that had no newline, a new file.
  {
    'a.txt': lines(12, 'a'),
    'src/lib/x.c': code.map((l) => (l.includes('int c') ? '  int c = 30;\n' : l)).join(''),
    'bin.dat': binary,
    'empty.txt': '',
    'nonl.txt': 'first\nsecond\nthird\n',
    'long.txt': long,
    'docs/readme.md': '# Title\n\nSome text.\n',
    'new/deep/file.txt': 'hello\n',
  },
  // A binary change, a function line longer than 80 characters, first and last lines.
  {
    'a.txt': aFirst,
    'src/lib/x.c': code.map((l) => (l.includes('int c') ? '  int c = 30;\n' : l)).join(''),
    'bin.dat': Buffer.concat([binary, Buffer.from([9, 9])]),
    'empty.txt': '',
    'nonl.txt': 'first\nsecond\nthird\n',
    'long.txt': long.replace('three', 'THREE'),
    'docs/readme.md': '# Title\n\nSome text.\n',
    'new/deep/file.txt': 'hello\n',
  },
  // Files removed only (a folder emptied), a file emptied.
  {
    'a.txt': aBoth,
    'src/lib/x.c': code.map((l) => (l.includes('int c') ? '  int c = 30;\n' : l)).join(''),
    'bin.dat': Buffer.concat([binary, Buffer.from([9, 9])]),
    'nonl.txt': '',
    'long.txt': long.replace('three', 'THREE'),
    'new/deep/file.txt': 'hello\n',
  },
  // A rename (with -M git pairs it: left to git).
  {
    'b.txt': aBoth,
    'src/lib/x.c': code.map((l) => (l.includes('int c') ? '  int c = 30;\n' : l)).join(''),
    'bin.dat': Buffer.concat([binary, Buffer.from([9, 9])]),
    'nonl.txt': '',
    'long.txt': long.replace('three', 'THREE'),
    'new/deep/file.txt': 'hello\n',
  },
  // A mode change (left to git) and a block that could slide (left to git).
  {
    'b.txt': aBoth,
    'src/lib/x.c': code
      .map((l) => (l.includes('int c') ? '  int c = 30;\n' : l))
      .flatMap((l) => (l.includes('int b') ? [l, l] : [l]))
      .join(''),
    'bin.dat': Buffer.concat([binary, Buffer.from([9, 9])]),
    'nonl.txt': '',
    'long.txt': { content: long.replace('three', 'THREE'), mode: 0o755 },
    'new/deep/file.txt': 'hello\n',
  },
  // A file becomes a folder (left to git); a removed line that also stays elsewhere (left to git).
  {
    'b.txt': `A first\n${lines(12, 'a').split('\n').slice(1, -2).join('\n')}\nA last\n`,
    'src/lib/x.c': code.filter((l) => !l.includes('int d')).join(''),
    'bin.dat': Buffer.concat([binary, Buffer.from([9, 9])]),
    'nonl.txt/inner.txt': 'now a folder\n',
    'long.txt': { content: long.replace('three', 'THREE'), mode: 0o755 },
    'new/deep/file.txt': 'hello\n',
  },
  // Several files changed at once, a non-ASCII and a spaced name, a last line losing its newline.
  several,
  // Unique lines rewritten in the middle of a long file (many lines of context around).
  { ...several, 'big.txt': `${lines(40, 'p')}replaced one\nreplaced two\n${lines(40, 'q')}` },
  { ...several, 'big.txt': `${lines(40, 'p')}new one\nnew two\nnew three\n${lines(40, 'q')}` },
];

function writeSnapshot(dir: string, snapshot: Snapshot): void {
  for (const entry of readdirSync(dir)) if (entry !== '.git') rmSync(join(dir, entry), { recursive: true });
  for (const [path, value] of Object.entries(snapshot)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    if (typeof value === 'string' || Buffer.isBuffer(value)) writeFileSync(file, value);
    else {
      writeFileSync(file, value.content);
      chmodSync(file, value.mode);
    }
  }
}

describe('simulator git: in-process diffs, logs and merge checks agree with git', () => {
  const tmp = tempDir('release-bot-git-diff-');
  const dir = join(tmp.dir, 'work');
  const commits: string[] = [];
  const branches: Record<string, string> = {};
  let when = Date.UTC(2026, 0, 1) / 1000;

  function commit(message: string): string {
    when += 60;
    git(dir, ['add', '-A']);
    const env = `${when} +0130`;
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', message], {
      cwd: dir,
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: dir,
        GIT_AUTHOR_NAME: 'Dev',
        GIT_AUTHOR_EMAIL: 'dev@example.com',
        GIT_AUTHOR_DATE: env,
        GIT_COMMITTER_NAME: 'Bot',
        GIT_COMMITTER_EMAIL: 'bot@example.com',
        GIT_COMMITTER_DATE: env,
      },
    });
    return git(dir, ['rev-parse', 'HEAD']).out.trim();
  }

  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    git(dir, ['init', '-q', '-b', 'main', '.']);
    snapshots.forEach((snapshot, i) => {
      writeSnapshot(dir, snapshot);
      commits.push(commit(`snapshot ${i}\n\nbody of ${i}\n`));
    });
    // Branches off the first snapshot, for merges: each changes something of its own.
    const side = (name: string, change: () => void) => {
      git(dir, ['checkout', '-q', '-b', name, commits[0]!]);
      change();
      branches[name] = commit(`branch ${name}`);
    };
    const at = (path: string, content: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    };
    side('adds', () => at('added/one.txt', 'one\n'));
    side('edits-a', () => at('a.txt', lines(12, 'a').replace('a line 3', 'changed 3')));
    side('edits-a-too', () => at('a.txt', lines(12, 'a').replace('a line 3', 'other 3')));
    side('edits-readme', () => at('docs/readme.md', '# Title\n\nOther text.\n'));
    side('adds-folder', () => at('added/one.txt/inside.txt', 'deeper\n'));
    side('removes', () => rmSync(join(dir, 'long.txt')));
    side('merges', () => undefined);
    git(dir, ['merge', '-q', '--no-ff', '-m', 'merge adds', branches.adds!], undefined);
    branches.merges = git(dir, ['rev-parse', 'HEAD']).out.trim();
    git(dir, ['checkout', '-q', 'main']);
  });
  afterAll(() => tmp.cleanup());

  const tree = (sha: string) => git(dir, ['rev-parse', `${sha}^{tree}`]).out.trim();

  it('writes the unified diff git writes, or leaves it to git', async () => {
    const { cat } = gitReader(dir);
    let answered = 0;
    let leftToGit = 0;
    for (const from of commits)
      for (const to of commits) {
        if (from === to) continue;
        const mine = await unifiedDiff(cat, tree(from), tree(to));
        if (mine === undefined) {
          leftToGit++;
          continue;
        }
        answered++;
        const theirs = git(dir, ['diff', '--no-color', '--no-ext-diff', '-M', '--full-index', from, to]).out;
        expect(mine, `diff ${commits.indexOf(from)} → ${commits.indexOf(to)}`).toBe(theirs);
      }
    expect(answered).toBeGreaterThan(10);
    expect(leftToGit).toBeGreaterThan(10);
  });

  it('lists the changed files and their line counts as git diff --name-status/--numstat do', async () => {
    const { cat } = gitReader(dir);
    let answered = 0;
    for (const renames of [true, false])
      for (const from of commits)
        for (const to of commits) {
          if (from === to) continue;
          const changes = await diffTrees(cat, tree(from), tree(to), renames);
          const counts = changes && (await changeCounts(cat, changes));
          if (!changes || !counts) continue;
          answered++;
          const m = renames ? ['-M'] : ['--no-renames'];
          const status = git(dir, ['diff', '--name-status', '-z', ...m, from, to])
            .out.split('\0')
            .filter(Boolean);
          const expected: string[] = [];
          for (let i = 0; i < status.length; i += 2) expected.push(`${status[i]} ${status[i + 1]}`);
          expect(changes.map((c) => `${c.status} ${c.path}`)).toEqual(expected);
          const numstat = git(dir, ['diff', '--numstat', '-z', ...m, from, to])
            .out.split('\0')
            .filter(Boolean)
            .map((l) => l.split('\t'));
          expect(counts.map((c, i) => [c.additions, c.deletions, changes[i]!.path])).toEqual(
            // A binary file: git says `-`, counted as 0 by the views.
            numstat.map(([a, d, p]) => [Number(a) || 0, Number(d) || 0, p]),
          );
        }
    expect(answered).toBeGreaterThan(20);
  });

  it('logs and counts commits as git log / rev-list --count do', async () => {
    const reader = gitReader(dir);
    const heads = [...commits.slice(0, 4), commits.at(-1)!, ...Object.values(branches)];
    let walked = 0;
    for (const head of heads)
      for (const exclude of [undefined, ...heads]) {
        const range = exclude ? [head, `^${exclude}`] : [head];
        const expected = git(dir, ['rev-list', ...range])
          .out.split('\n')
          .filter(Boolean);
        const count = await countByWalk(head, exclude, reader.parentsOf);
        expect(count).toBe(expected.length);
        const log = await linearLog(head, exclude, reader.parentsOf);
        if (log === undefined) {
          // Only a merge commit among them makes the order git's to decide.
          expect(git(dir, ['rev-list', '--merges', ...range]).out.trim()).not.toBe('');
          continue;
        }
        walked++;
        expect(log).toEqual(expected);
        const paged = await logCommits(dir, {
          ref: head,
          exclude,
          reverse: true,
          skip: 1,
          max: 3,
        });
        const theirs = git(dir, ['rev-list', '--reverse', ...range])
          .out.split('\n')
          .filter(Boolean)
          .slice(1, 4);
        expect(paged.map((c) => c.sha)).toEqual(theirs);
      }
    expect(walked).toBeGreaterThan(40);
  });

  it('reads a commit as git log --format does (tree, people, strict ISO dates, message)', async () => {
    const format = '%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B';
    for (const sha of [...commits, ...Object.values(branches)]) {
      const [h, t, p, an, ae, ad, cn, ce, cd, body] = git(dir, [
        'log',
        '-1',
        `--format=${format}`,
        sha,
      ]).out.split('\0');
      expect(await commitDetail(dir, sha)).toEqual({
        sha: h,
        tree: t,
        parents: p ? p.split(' ') : [],
        author: { name: an, email: ae, date: ad },
        committer: { name: cn, email: ce, date: cd },
        message: body!.replace(/\n+$/, ''),
      });
    }
    expect(await commitDetail(dir, 'no-such-ref')).toBeNull();
  });

  it('calls a merge clean only when git merge-tree does, and leaves the rest to git', async () => {
    const reader = gitReader(dir);
    const all = [commits[0]!, commits[2]!, ...Object.values(branches)];
    let certain = 0;
    let leftToGit = 0;
    for (const target of all)
      for (const source of all) {
        const mine = await mergesCleanlyByTrees(reader, target, source);
        if (mine === undefined) {
          leftToGit++;
          continue;
        }
        certain++;
        const theirs = git(dir, ['merge-tree', '--write-tree', '--no-messages', target, source]).code === 0;
        expect(mine, `merge ${source} into ${target}`).toBe(theirs);
      }
    expect(certain).toBeGreaterThan(20);
    expect(leftToGit).toBeGreaterThan(3); // the same line edited twice, a file against a folder, a removal
    // And git agrees that those are not all clean.
    expect(
      git(dir, ['merge-tree', '--write-tree', branches['edits-a']!, branches['edits-a-too']!]).code,
    ).toBe(1);
  });

  it('answers the views as git does: three-dot and straight file lists, logs, counts, commit stats', async () => {
    const repo = openRepo(dir);
    const picks = [commits[0]!, commits[1]!, commits[3]!, commits.at(-1)!, ...Object.values(branches)];
    const names = (out: string) => {
      const parts = out.split('\0').filter(Boolean);
      const list: string[] = [];
      for (let i = 0; i < parts.length;) {
        const status = parts[i++]!;
        if (status.startsWith('R')) {
          i++;
          list.push(`R ${parts[i++]}`);
        } else list.push(`${status[0] === 'A' || status[0] === 'D' ? status[0] : 'M'} ${parts[i++]}`);
      }
      return list;
    };
    for (const a of picks)
      for (const b of picks) {
        for (const straight of [true, false]) {
          const range = straight ? [a, b] : [`${a}...${b}`];
          const expected = names(git(dir, ['diff', '--name-status', '-z', '-M', ...range]).out);
          const mine = await repo.diff(a, b, straight);
          expect(mine.map((c) => `${c.status} ${c.path}`)).toEqual(expected);
          const numstat = git(dir, ['diff', '--numstat', '-z', '-M', ...range])
            .out.split('\0')
            .filter(Boolean);
          const stats = await fileStats(dir, a, b, !straight);
          expect(stats.map((f) => f.path)).toEqual(expected.map((e) => e.slice(2)));
          const added = numstat
            .map((l) => l.split('\t'))
            .filter((l) => l.length === 3)
            .reduce((sum, [x]) => sum + (Number(x) || 0), 0);
          if (!expected.some((e) => e.startsWith('R')))
            expect(stats.reduce((sum, f) => sum + f.additions, 0)).toBe(added);
        }
        const base = git(dir, ['merge-base', a, b]);
        expect(await mergeBase(dir, a, b)).toBe(base.code === 0 ? base.out.trim() : null);
        expect(await repo.countCommits(b, a)).toBe(Number(git(dir, ['rev-list', '--count', b, `^${a}`]).out));
        const log = await repo.log(b, { exclude: a, skip: 1, max: 2 });
        const theirs = git(dir, ['log', '--format=%H', '--skip=1', '--max-count=2', b, `^${a}`]).out;
        expect(log.map((c) => c.sha)).toEqual(theirs.split('\n').filter(Boolean));
      }
    for (const sha of [...commits, ...Object.values(branches)]) {
      const parent = git(dir, ['rev-parse', '--verify', '--quiet', `${sha}^`]).out.trim() || undefined;
      const numstat = git(dir, [
        'diff',
        '--numstat',
        parent ?? '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        sha,
      ]).out;
      let additions = 0;
      let deletions = 0;
      for (const line of numstat.split('\n')) {
        const [x, y] = line.split('\t');
        if (x && x !== '-') additions += Number(x);
        if (y && y !== '-') deletions += Number(y);
      }
      expect(await commitStats(dir, sha, parent)).toEqual({
        additions,
        deletions,
        total: additions + deletions,
      });
    }
  });

  it('writes the merge git merge-tree writes (in-process when certain), or none on a conflict', async () => {
    const bare = join(tmp.dir, 'bare.git');
    git(tmp.dir, ['clone', '-q', '--bare', dir, bare]);
    const repo = openRepo(bare);
    const all = [commits[0]!, commits[2]!, ...Object.values(branches)];
    const person = { name: 'Dev', email: 'dev@example.com' };
    let clean = 0;
    for (const target of all)
      for (const source of all) {
        const theirs = git(bare, ['merge-tree', '--write-tree', '--no-messages', target, source]);
        const merged = await repo.merge({
          target,
          source,
          message: 'merge\n',
          author: person,
          date: new Date(),
        });
        if (theirs.code !== 0) {
          expect(merged, `merge ${source} into ${target}`).toBeNull();
          continue;
        }
        clean++;
        expect(git(bare, ['rev-parse', `${merged}^{tree}`]).out, `merge ${source} into ${target}`).toBe(
          theirs.out.split('\n')[0] + '\n',
        );
      }
    expect(clean).toBeGreaterThan(20);
    expect(git(bare, ['fsck', '--no-progress']).code).toBe(0);
  });
});
