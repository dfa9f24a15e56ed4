import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { changeCounts, diffTrees } from '../core/git-diff.js';
import { countByWalk, linearLog, mergeBaseByWalk } from '../core/git-graph.js';
import { gitReader, mergesCleanlyByTrees, type RawCommit } from '../core/git-reader.js';
import { createObjectWriter, plainIdent } from '../core/git-objects-writer.js';

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

interface RawEntry {
  mode: string;
  name: string;
  sha: string;
}

/** A tree object's entries, or null when `sha` is not a tree. */
async function readTreeObject(dir: string, sha: string): Promise<RawEntry[] | null> {
  const object = await gitReader(dir).cat.contents(sha);
  if (!object || object.type !== 'tree') return null;
  const raw = object.content;
  const entries: RawEntry[] = [];
  for (let i = 0; i < raw.length;) {
    const space = raw.indexOf(0x20, i);
    const nul = raw.indexOf(0, space);
    if (space < 0 || nul < 0) return null;
    entries.push({
      mode: raw.subarray(i, space).toString('latin1'),
      name: raw.subarray(space + 1, nul).toString('utf8'),
      sha: raw.subarray(nul + 1, nul + 21).toString('hex'),
    });
    i = nul + 21;
  }
  return entries;
}

const TYPE_OF_MODE: Record<string, TreeEntry['type']> = {
  '40000': 'tree',
  '160000': 'commit',
  '100644': 'blob',
  '100755': 'blob',
  '120000': 'blob',
};

/** `git ls-tree -l -z [-r -t]` from the objects; undefined when git must answer. */
async function listTreeInProcess(dir: string, treeish: string, recursive: boolean) {
  const reader = gitReader(dir);
  const root = await reader.treeOf(treeish);
  if (!root) return undefined;
  const out: TreeEntry[] = [];
  async function walk(sha: string, prefix: string): Promise<boolean> {
    const entries = await readTreeObject(dir, sha);
    if (!entries) return false;
    const sizes = await Promise.all(
      entries.map((e) => (TYPE_OF_MODE[e.mode] === 'blob' ? reader.cat.info(e.sha) : null)),
    );
    for (const [i, e] of entries.entries()) {
      const type = TYPE_OF_MODE[e.mode];
      if (!type) return false;
      const path = `${prefix}${e.name}`;
      const mode = e.mode.padStart(6, '0');
      if (type === 'blob') {
        if (!sizes[i]) return false; // a missing blob: git's message
        out.push({ path, mode, type, sha: e.sha, size: sizes[i].size });
      } else out.push({ path, mode, type, sha: e.sha });
      if (recursive && type === 'tree' && !(await walk(e.sha, `${path}/`))) return false;
    }
    return true;
  }
  return (await walk(root, '')) ? out : undefined;
}

export async function listTree(dir: string, treeish: string, recursive: boolean): Promise<TreeEntry[]> {
  return (await listTreeInProcess(dir, treeish, recursive)) ?? listTreeWithGit(dir, treeish, recursive);
}

/** `git ls-tree` itself (exported for the tests that hold the in-process answers against it). */
export async function listTreeWithGit(
  dir: string,
  treeish: string,
  recursive: boolean,
): Promise<TreeEntry[]> {
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

const FULL_SHA = /^[0-9a-f]{40}$/;
const PLAIN_NAME = /^[\w@+=,-][\w.@+=,-]*$/;
const canonical = new Map<string, boolean>();

/**
 * Whether a tree is what `git read-tree` + `write-tree` would write again unchanged: known modes,
 * no empty folder (an index cannot hold one) — the trees the in-process editor may start from.
 */
async function canonicalTree(dir: string, sha: string): Promise<boolean> {
  const key = `${dir}\0${sha}`;
  const known = canonical.get(key);
  if (known !== undefined) return known;
  const entries = await readTreeObject(dir, sha);
  let ok = entries !== null && entries.length > 0; // an empty folder is not kept by write-tree
  // Git's order (a folder's name compared as if it ended in `/`), each name once.
  const keys = (entries ?? []).map((e) => Buffer.from(e.mode === '40000' ? `${e.name}/` : e.name));
  for (let i = 1; ok && i < keys.length; i++) if (Buffer.compare(keys[i - 1]!, keys[i]!) >= 0) ok = false;
  if (ok && new Set(entries!.map((e) => e.name)).size !== entries!.length) ok = false;
  for (const e of entries ?? []) {
    if (!ok) break;
    if (!TYPE_OF_MODE[e.mode]) ok = false;
    else if (e.mode === '40000') ok = await canonicalTree(dir, e.sha);
  }
  if (canonical.size > 50_000) canonical.clear();
  canonical.set(key, ok);
  return ok;
}

/**
 * POST /git/trees in-process for regular files (content or an existing blob) and deletions over
 * a canonical base, validated in git's order with git's messages; undefined (before anything is
 * decided) when a subtree, a link, a submodule, a short sha, or paths that overlap each other or
 * run through a file of the base make it git's job.
 */
async function buildTreeInProcess(
  dir: string,
  base: string | null,
  entries: TreeInput[],
): Promise<string | undefined> {
  const writer = createObjectWriter(dir, gitReader(dir).cat);
  if (base && base !== EMPTY_TREE_SHA && !(await canonicalTree(dir, base))) return undefined;
  const changes: Record<string, { mode: string; sha: string } | null> = {};
  const paths: string[] = [];
  for (const entry of entries) {
    const path = entry.path.replace(/^\/+|\/+$/g, '');
    if (!path || path.split('/').some((p) => p === '' || p === '.' || p === '..'))
      throw new TreeInputError(`tree.path contains a malformed path component`);
    if (!VALID_MODES.has(entry.mode)) throw new TreeInputError(`Must supply a valid tree.mode`);
    // Names git's index takes without a second look (no `.git*`, `git~1`, spaces, odd characters).
    if (!path.split('/').every((p) => PLAIN_NAME.test(p) && !/^(\.git|git~)/i.test(p))) return undefined;
    paths.push(path);
    if (entry.sha === null) {
      changes[path] = null;
      continue;
    }
    if (entry.mode !== '100644' && entry.mode !== '100755') return undefined;
    if (entry.type === 'tree') return undefined;
    let sha = entry.sha;
    if (entry.content !== undefined) sha = await writer.blob(Buffer.from(entry.content, 'utf8'));
    if (!sha) throw new TreeInputError(`Must supply either tree.sha or tree.content`);
    if ((await objectType(dir, sha)) !== 'blob')
      throw new TreeInputError(`tree.sha ${sha} is not a valid blob`);
    if (!FULL_SHA.test(sha)) return undefined;
    changes[path] = { mode: entry.mode, sha };
  }
  // Paths that overlap (the same twice, one inside another) or pass through a file: git decides.
  const all = new Set(paths);
  if (all.size !== paths.length) return undefined;
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) if (all.has(parts.slice(0, i).join('/'))) return undefined;
    let tree = base;
    for (let i = 0; i < parts.length - 1 && tree; i++) {
      const hit = (await readTreeObject(dir, tree))?.find((e) => e.name === parts[i]);
      if (hit && hit.mode !== '40000') return undefined;
      tree = hit?.sha ?? null;
    }
  }
  return writer.tree(base, changes);
}

const EMPTY_TREE_SHA = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Build a tree from `base` (or empty) plus `entries`, like POST /git/trees. */
export async function buildTree(dir: string, base: string | null, entries: TreeInput[]): Promise<string> {
  return (await buildTreeInProcess(dir, base, entries)) ?? buildTreeWithGit(dir, base, entries);
}

/** POST /git/trees with git's index (exported for the tests of the in-process editor). */
export async function buildTreeWithGit(
  dir: string,
  base: string | null,
  entries: TreeInput[],
): Promise<string> {
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

/** `<seconds> <+hhmm>` as git reads an ISO 8601 date with a zone (fractions dropped), or undefined. */
function gitStamp(date: string): string | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|([+-])(\d\d):(\d\d))$/.exec(date);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  if (h > 23 || mi > 59 || se > 59) return undefined;
  const offset = m[7] === 'Z' ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  if (Math.abs(offset) >= 24 * 60) return undefined;
  const seconds = utc / 1000 - offset * 60;
  if (seconds < 0) return undefined;
  const zone = m[7] === 'Z' ? '+0000' : `${m[8]}${m[9]}${m[10]}`;
  return `${seconds} ${zone}`;
}

export async function commitTree(
  dir: string,
  input: { tree: string; parents: string[]; message: string; author: GitIdentity; committer: GitIdentity },
): Promise<string> {
  // Written in-process when git would take every field as it is (core/git-objects-writer.ts).
  const authorStamp = gitStamp(input.author.date);
  const committerStamp = gitStamp(input.committer.date);
  const people = [input.author.name, input.author.email, input.committer.name, input.committer.email];
  if (
    authorStamp &&
    committerStamp &&
    people.every(plainIdent) &&
    FULL_SHA.test(input.tree) &&
    input.parents.every((p) => FULL_SHA.test(p)) &&
    !input.message.includes('\0')
  )
    return createObjectWriter(dir, gitReader(dir).cat).commitAs({
      tree: input.tree,
      parents: input.parents,
      author: { name: input.author.name, email: input.author.email, stamp: authorStamp },
      committer: { name: input.committer.name, email: input.committer.email, stamp: committerStamp },
      message: input.message,
    });
  return commitTreeWithGit(dir, input);
}

/** `git commit-tree` itself (exported for the tests of the in-process writer). */
export async function commitTreeWithGit(
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
