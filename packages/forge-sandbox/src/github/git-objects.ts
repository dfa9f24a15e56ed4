import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { changeCounts, diffTrees } from '../core/git-diff.js';
import { countByWalk, linearLog, mergeBaseByWalk } from '../core/git-graph.js';
import { gitReader, mergesCleanlyByTrees, type RawCommit } from '../core/git-reader.js';

/**
 * Git plumbing the GitHub view needs beyond core/git.ts: the Git Database API (blobs, trees,
 * commits as objects without moving refs), tree shas, numstat for compare/PR files, and the
 * replay behind "rebase and merge". Reads, one line of history and certain diffs and merges
 * are answered in-process from the shared batch reader (core/git-reader.ts); git runs for the
 * rest (issue 26).
 */

export interface GitIdentity {
  name: string;
  email: string;
  /** ISO 8601. */
  date: string;
}

export interface CommitDetail {
  sha: string;
  tree: string;
  parents: string[];
  author: GitIdentity;
  committer: GitIdentity;
  message: string;
}

export interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size?: number;
}

export interface FileStat {
  status: 'added' | 'modified' | 'removed' | 'renamed';
  path: string;
  previousPath: string | null;
  additions: number;
  deletions: number;
}

/** A tree entry as the Git Database API takes it. `sha: null` deletes the path. */
export interface TreeInput {
  path: string;
  mode: string;
  type?: string;
  sha?: string | null;
  content?: string;
}

interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

let indexCounter = 0;

export function git(
  dir: string,
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: dir,
        encoding: 'buffer',
        maxBuffer: 512 * 1024 * 1024,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, ...options.env },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ stdout, stderr: stderr.toString(), code: error ? (error.code as unknown as number) : 0 });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

async function gitText(
  dir: string,
  args: string[],
  options: Parameters<typeof git>[2] = {},
): Promise<string> {
  const result = await git(dir, args, options);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout.toString('utf8');
}

function identityEnv(author: GitIdentity, committer: GitIdentity): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: author.date,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: committer.date,
  };
}

/** Object type (`blob`, `tree`, `commit`, `tag`) or null when the object does not exist. */
export async function objectType(dir: string, sha: string): Promise<string | null> {
  if (!/^[0-9a-f]{4,40}$/i.test(sha)) return null;
  return (await gitReader(dir).cat.info(sha))?.type ?? null;
}

export async function hashBlob(dir: string, content: Buffer): Promise<string> {
  return (await gitText(dir, ['hash-object', '-w', '--stdin'], { input: content })).trim();
}

export async function readBlob(dir: string, sha: string): Promise<Buffer | null> {
  if (!/^[0-9a-f]{4,40}$/i.test(sha)) return null;
  const object = await gitReader(dir).cat.contents(sha);
  return object?.type === 'blob' ? object.content : null;
}

/** Tree sha of a tree-ish (commit, tree, ref). */
export async function treeOf(dir: string, treeish: string): Promise<string | null> {
  return gitReader(dir).treeOf(treeish);
}

export async function listTree(dir: string, treeish: string, recursive: boolean): Promise<TreeEntry[]> {
  const args = ['ls-tree', '-l', '-z'];
  if (recursive) args.push('-r', '-t');
  args.push(treeish);
  const out = await gitText(dir, args);
  return out
    .split('\x00')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split('\t');
      const [mode, type, sha, size] = meta!.trim().split(/\s+/);
      return {
        path: path!,
        mode: mode!,
        type: type as TreeEntry['type'],
        sha: sha!,
        ...(type === 'blob' ? { size: Number(size) } : {}),
      };
    });
}

const VALID_MODES = new Set(['100644', '100755', '040000', '160000', '120000']);

export class TreeInputError extends Error {}

/** Build a tree from `base` (or empty) plus `entries`, like POST /git/trees. */
export async function buildTree(dir: string, base: string | null, entries: TreeInput[]): Promise<string> {
  const index = join(dir, `gh-index-${process.pid}-${indexCounter++}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await gitText(dir, base ? ['read-tree', base] : ['read-tree', '--empty'], { env });
    const lines: string[] = [];
    const subtrees: { path: string; sha: string }[] = [];
    for (const entry of entries) {
      const path = entry.path.replace(/^\/+|\/+$/g, '');
      if (!path || path.split('/').some((p) => p === '' || p === '.' || p === '..'))
        throw new TreeInputError(`tree.path contains a malformed path component`);
      if (!VALID_MODES.has(entry.mode)) throw new TreeInputError(`Must supply a valid tree.mode`);
      // Remove whatever is there now (a file, or every file below a directory).
      const existing = (await gitText(dir, ['ls-files', '-z', '--', path], { env }))
        .split('\x00')
        .filter((p) => p === path || p.startsWith(`${path}/`));
      for (const p of existing) lines.push(`0 ${'0'.repeat(40)}\t${p}`);
      if (entry.sha === null) continue;
      if (entry.mode === '040000' || entry.type === 'tree') {
        if (!entry.sha || (await objectType(dir, entry.sha)) !== 'tree')
          throw new TreeInputError(`tree.sha ${entry.sha ?? ''} is not a valid tree`);
        subtrees.push({ path, sha: entry.sha });
        continue;
      }
      let sha = entry.sha;
      if (entry.content !== undefined) sha = await hashBlob(dir, Buffer.from(entry.content, 'utf8'));
      if (!sha) throw new TreeInputError(`Must supply either tree.sha or tree.content`);
      if (entry.mode !== '160000' && (await objectType(dir, sha)) !== 'blob')
        throw new TreeInputError(`tree.sha ${sha} is not a valid blob`);
      lines.push(`${entry.mode} ${sha}\t${path}`);
    }
    if (lines.length > 0) {
      // Removals first so a file can become a directory (and back) in one tree.
      const removals = lines.filter((l) => l.startsWith('0 '));
      const additions = lines.filter((l) => !l.startsWith('0 '));
      if (removals.length)
        await gitText(dir, ['update-index', '--index-info'], { env, input: removals.join('\n') + '\n' });
      if (additions.length)
        await gitText(dir, ['update-index', '--add', '--index-info'], {
          env,
          input: additions.join('\n') + '\n',
        });
    }
    for (const sub of subtrees) await gitText(dir, ['read-tree', `--prefix=${sub.path}/`, sub.sha], { env });
    return (await gitText(dir, ['write-tree'], { env })).trim();
  } finally {
    await rm(index, { force: true });
  }
}

export async function commitTree(
  dir: string,
  input: { tree: string; parents: string[]; message: string; author: GitIdentity; committer: GitIdentity },
): Promise<string> {
  const args = ['commit-tree', input.tree];
  for (const p of input.parents) args.push('-p', p);
  args.push('-F', '-');
  return (
    await gitText(dir, args, { input: input.message, env: identityEnv(input.author, input.committer) })
  ).trim();
}

const FORMAT = '%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B%x1e';

function parseCommits(out: string): CommitDetail[] {
  return out
    .split('\x1e')
    .map((chunk) => chunk.replace(/^\n/, ''))
    .filter((chunk) => chunk.length > 0)
    .map((chunk) => {
      const [sha, tree, parents, an, ae, ad, cn, ce, cd, body] = chunk.split('\x00');
      return {
        sha: sha!,
        tree: tree!,
        parents: parents ? parents.split(' ').filter(Boolean) : [],
        author: { name: an!, email: ae!, date: ad! },
        committer: { name: cn!, email: ce!, date: cd! },
        message: (body ?? '').replace(/\n+$/, ''),
      };
    });
}

export interface LogQuery {
  ref: string;
  /** Exclude commits reachable from this. */
  exclude?: string;
  skip?: number;
  max?: number;
  path?: string;
  since?: string;
  until?: string;
  author?: string;
  /** Oldest first. */
  reverse?: boolean;
}

function logArgs(query: LogQuery): string[] {
  const args: string[] = [];
  if (query.since) args.push(`--since=${query.since}`);
  if (query.until) args.push(`--until=${query.until}`);
  if (query.author) args.push(`--author=${query.author}`);
  args.push(query.ref);
  if (query.exclude) args.push(`^${query.exclude}`);
  args.push('--');
  if (query.path) args.push(query.path);
  return args;
}

function detailOf(c: RawCommit): CommitDetail {
  return {
    sha: c.sha,
    tree: c.tree,
    parents: c.parents,
    author: { name: c.author.name, email: c.author.email, date: c.author.at },
    committer: { name: c.committer.name, email: c.committer.email, date: c.committer.at },
    message: c.message.replace(/\n+$/, ''),
  };
}

/** A query on one ref (and what to exclude) with no filter: the shas git would list, newest first. */
async function walkable(dir: string, query: LogQuery): Promise<string[] | undefined> {
  if (query.since || query.until || query.author || query.path) return undefined;
  const reader = gitReader(dir);
  const head = await reader.resolveCommit(query.ref);
  const exclude = query.exclude ? await reader.resolveCommit(query.exclude) : undefined;
  if (!head || exclude === null) return undefined;
  return linearLog(head, exclude, reader.parentsOf);
}

export async function logCommits(dir: string, query: LogQuery): Promise<CommitDetail[]> {
  const shas = await walkable(dir, query);
  if (shas) {
    const ordered = query.reverse ? shas.reverse() : shas;
    const skip = query.skip ?? 0;
    const picked = ordered.slice(skip, query.max !== undefined ? skip + query.max : undefined);
    const out: CommitDetail[] = [];
    for (const sha of picked) out.push(detailOf((await gitReader(dir).commit(sha))!));
    return out;
  }
  const args = ['log', `--format=${FORMAT}`];
  if (query.reverse) args.push('--reverse');
  if (!query.reverse && query.skip) args.push(`--skip=${query.skip}`);
  if (!query.reverse && query.max !== undefined) args.push(`--max-count=${query.max}`);
  const commits = parseCommits(await gitText(dir, [...args, ...logArgs(query)]));
  // --reverse applies after --skip/--max-count, so page oldest-first lists here.
  if (query.reverse && (query.skip || query.max !== undefined))
    return commits.slice(
      query.skip ?? 0,
      query.max !== undefined ? (query.skip ?? 0) + query.max : undefined,
    );
  return commits;
}

export async function countCommits(dir: string, query: LogQuery): Promise<number> {
  if (!query.since && !query.until && !query.author && !query.path) {
    const reader = gitReader(dir);
    const head = await reader.resolveCommit(query.ref);
    const exclude = query.exclude ? await reader.resolveCommit(query.exclude) : undefined;
    if (head && exclude !== null) {
      const counted = await countByWalk(head, exclude, reader.parentsOf);
      if (counted !== undefined) return counted;
    }
  }
  return Number((await gitText(dir, ['rev-list', '--count', ...logArgs(query)])).trim());
}

export async function commitDetail(dir: string, sha: string): Promise<CommitDetail | null> {
  if (!sha || sha.startsWith('-')) return null;
  const commit = await gitReader(dir).commit(sha);
  return commit ? detailOf(commit) : null;
}

const STATUS = { A: 'added', M: 'modified', D: 'removed' } as const;

/** fileStats from the objects, when the answer is certain (core/git-diff.ts). */
async function fileStatsInProcess(
  dir: string,
  from: string,
  to: string,
  threeDot: boolean,
): Promise<FileStat[] | undefined> {
  if (!from || !to || from.startsWith('-') || to.startsWith('-')) return undefined;
  const reader = gitReader(dir);
  let base: string | null | undefined = from;
  if (threeDot) {
    const a = await reader.resolveCommit(from);
    const b = await reader.resolveCommit(to);
    base = a && b ? await mergeBaseByWalk(a, b, reader.parentsOf) : undefined;
  }
  if (!base) return undefined;
  const [one, two] = [await reader.treeOf(base), await reader.treeOf(to)];
  if (!one || !two) return undefined;
  const changes = await diffTrees(reader.cat, one, two, true);
  const counts = changes && (await changeCounts(reader.cat, changes));
  if (!changes || !counts) return undefined;
  return changes.map((c, i) => ({
    status: STATUS[c.status],
    path: c.path,
    previousPath: null,
    ...counts[i]!,
  }));
}

/** Changed files with line counts; `threeDot` diffs from the merge base (compare, PR files). */
export async function fileStats(
  dir: string,
  from: string,
  to: string,
  threeDot: boolean,
): Promise<FileStat[]> {
  const inProcess = await fileStatsInProcess(dir, from, to, threeDot);
  if (inProcess) return inProcess;
  const range = threeDot ? [`${from}...${to}`] : [from, to];
  const status = await gitText(dir, ['diff', '--name-status', '-z', '-M', ...range]);
  const numstat = await gitText(dir, ['diff', '--numstat', '-z', '-M', ...range]);
  const counts = new Map<string, { additions: number; deletions: number }>();
  const parts = numstat.split('\x00');
  for (let i = 0; i < parts.length; i++) {
    const head = parts[i];
    if (!head) continue;
    const [add, del, path] = head.split('\t');
    const value = { additions: Number(add) || 0, deletions: Number(del) || 0 };
    if (path === '' || path === undefined) {
      // Renames: "add\tdel\t" NUL old NUL new.
      i += 2;
      counts.set(parts[i]!, value);
    } else counts.set(path, value);
  }
  const out: FileStat[] = [];
  const items = status.split('\x00').filter((p) => p.length > 0);
  for (let i = 0; i < items.length;) {
    const code = items[i++]!;
    if (code.startsWith('R')) {
      const previousPath = items[i++]!;
      const path = items[i++]!;
      out.push({
        status: 'renamed',
        path,
        previousPath,
        ...(counts.get(path) ?? { additions: 0, deletions: 0 }),
      });
    } else {
      const path = items[i++]!;
      const kind = code[0] === 'A' ? 'added' : code[0] === 'D' ? 'removed' : 'modified';
      out.push({
        status: kind,
        path,
        previousPath: null,
        ...(counts.get(path) ?? { additions: 0, deletions: 0 }),
      });
    }
  }
  return out;
}

/** Whether `head` merges cleanly into `base`. */
export async function mergesCleanly(dir: string, base: string, head: string): Promise<boolean> {
  const certain = await mergesCleanlyByTrees(gitReader(dir), base, head);
  if (certain !== undefined) return certain;
  const result = await git(dir, ['merge-tree', '--write-tree', '--no-messages', base, head]);
  return result.code === 0;
}

/**
 * Replay `commits` (oldest first) onto `onto`, as GitHub's "rebase and merge" does: new commits,
 * same authors and messages, the merger as committer. Null on conflict.
 */
export async function replayCommits(
  dir: string,
  onto: string,
  commits: CommitDetail[],
  committer: GitIdentity,
): Promise<string | null> {
  let tip = onto;
  for (const commit of commits) {
    const parent = commit.parents[0];
    const index = join(dir, `gh-index-${process.pid}-${indexCounter++}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await gitText(dir, ['read-tree', tip], { env });
      const patch = parent
        ? (await git(dir, ['diff', '--binary', '--full-index', parent, commit.sha])).stdout
        : Buffer.alloc(0);
      if (patch.length > 0) {
        const applied = await git(dir, ['apply', '--cached', '--3way'], { env, input: patch });
        if (applied.code !== 0) return null;
      }
      const tree = (await gitText(dir, ['write-tree'], { env })).trim();
      tip = await commitTree(dir, {
        tree,
        parents: [tip],
        message: commit.message,
        author: commit.author,
        committer,
      });
    } catch {
      return null;
    } finally {
      await rm(index, { force: true });
    }
  }
  return tip;
}
