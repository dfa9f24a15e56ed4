import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { parseCommitObject, sharedCatFile } from './git-batch.js';
import { createObjectWriter, NotPlainTree, plainIdent, plainPath } from './git-objects-writer.js';
import { diffTrees } from './git-diff.js';
import { countByWalk, isAncestorByWalk, linearLog, mergeBaseByWalk } from './git-graph.js';
import { forgetRepository, gitReader, mergeTreeByTrees } from './git-reader.js';
import { listLooseRefs, writeLooseRef } from './git-refs.js';

/**
 * Real git underneath the simulator: each project is a bare repository and every commit,
 * compare, fast-forward check and merge is a git operation, so what the API says is what
 * `git clone` of the bare repository shows.
 */

export interface GitPerson {
  name: string;
  email: string;
}

export interface GitCommit {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authoredAt: string;
  committerName: string;
  committerEmail: string;
  committedAt: string;
  message: string;
  title: string;
}

export interface GitChange {
  status: 'A' | 'M' | 'D' | 'R';
  path: string;
  oldPath: string;
}

export interface GitTreeEntry {
  mode: string;
  type: 'blob' | 'tree';
  sha: string;
  path: string;
  size: number;
}

export type FileChanges = Record<string, string | Buffer | null>;

class GitFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    super(message);
  }
}

function run(
  dir: string,
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string>; encoding?: 'buffer' } = {},
): Promise<{ stdout: Buffer; code: number }> {
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
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (error && code !== 1) {
          reject(new GitFailure(`git ${args.join(' ')}: ${stderr.toString()}`, code, stderr.toString()));
          return;
        }
        if (error) {
          // Exit 1 is an answer for some commands (merge-base --is-ancestor, merge-tree conflicts).
          (error as GitFailure & { stdout?: Buffer }).stdout = stdout;
          resolve({ stdout, code });
          return;
        }
        resolve({ stdout, code: 0 });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

async function text(dir: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const { stdout, code } = await run(dir, args, options);
  if (code !== 0) throw new GitFailure(`git ${args.join(' ')} exited ${code}`, code, '');
  return stdout.toString('utf8');
}

const LOG_FORMAT = '%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B%x1e';

function parseLog(out: string): GitCommit[] {
  return out
    .split('\x1e')
    .map((chunk) => chunk.replace(/^\n/, ''))
    .filter((chunk) => chunk.length > 0)
    .map((chunk) => {
      const [sha, parents, an, ae, ad, cn, ce, cd, body] = chunk.split('\x00');
      const message = (body ?? '').replace(/\n+$/, '');
      return {
        sha: sha!,
        parents: parents ? parents.split(' ').filter(Boolean) : [],
        authorName: an!,
        authorEmail: ae!,
        authoredAt: ad!,
        committerName: cn!,
        committerEmail: ce!,
        committedAt: cd!,
        message,
        title: message.split('\n')[0] ?? '',
      };
    });
}

export interface GitRepo {
  readonly dir: string;
  /** Full sha of a branch, tag, or (short) sha; null if it does not resolve to a commit. */
  resolve(ref: string): Promise<string | null>;
  branchSha(branch: string): Promise<string | null>;
  listBranches(): Promise<{ name: string; sha: string }[]>;
  listTags(): Promise<{ name: string; sha: string }[]>;
  /** Create a commit on top of `parent` (null for a root commit) without moving any ref. */
  writeCommit(input: {
    parent: string | null;
    files: FileChanges;
    message: string;
    author: GitPerson;
    date: Date;
  }): Promise<string>;
  /** Move a ref; `expectOld` (sha or null for "must not exist") makes it a compare-and-swap. */
  updateRef(ref: string, sha: string, expectOld?: string | null): Promise<boolean>;
  deleteRef(ref: string): Promise<void>;
  getCommit(sha: string): Promise<GitCommit | null>;
  /** Commits reachable from `ref` (newest first), optionally excluding those reachable from `exclude`. */
  log(
    ref: string,
    options?: { skip?: number; max?: number; exclude?: string; path?: string },
  ): Promise<GitCommit[]>;
  countCommits(ref: string, exclude?: string): Promise<number>;
  readFile(ref: string, path: string): Promise<Buffer | null>;
  blobSha(ref: string, path: string): Promise<string | null>;
  listTree(ref: string, path?: string, recursive?: boolean): Promise<GitTreeEntry[]>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  mergeBase(a: string, b: string): Promise<string | null>;
  /** Changed files between two commits (`straight`: direct diff; else from the merge base, as GitLab does). */
  diff(from: string, to: string, straight?: boolean): Promise<GitChange[]>;
  /** Unified diff text of one path between two commits. */
  diffText(from: string, to: string, path?: string): Promise<string>;
  /**
   * Merge `source` into `target` and return the new commit (not yet referenced), or null on conflict.
   * `squash` makes a single-parent commit.
   */
  merge(input: {
    target: string;
    source: string;
    message: string;
    author: GitPerson;
    date: Date;
    squash?: boolean;
  }): Promise<string | null>;
}

function personEnv(author: GitPerson, date: Date): Record<string, string> {
  const iso = date.toISOString();
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: iso,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    GIT_COMMITTER_DATE: iso,
  };
}

export async function initBareRepo(dir: string, defaultBranch: string): Promise<GitRepo> {
  await mkdir(dir, { recursive: true });
  forgetRepository(dir);
  await text(dir, ['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, '.']);
  return openRepo(dir);
}

const FULL_SHA = /^[0-9a-f]{40}$/;

export function openRepo(dir: string): GitRepo {
  const commitCache = new Map<string, GitCommit>();
  // What a full commit sha names never changes: file contents, blob ids and history below it are
  // cached, so serving the same file at the same commit again costs no git process.
  const immutable = new Map<string, unknown>();
  async function cached<T>(ref: string, key: string, compute: () => Promise<T>): Promise<T> {
    if (!FULL_SHA.test(ref)) return compute();
    const k = `${ref}\0${key}`;
    if (immutable.has(k)) return immutable.get(k) as T;
    const value = await compute();
    if (immutable.size > 50_000) immutable.clear();
    immutable.set(k, value);
    return value;
  }
  /** The same for answers about two commits (ancestry, merge base, diff): fixed once both are full shas. */
  function between<T>(a: string, b: string, key: string, compute: () => Promise<T>): Promise<T> {
    return FULL_SHA.test(a) ? cached(b, `${key}:${a}`, compute) : compute();
  }
  let indexCounter = 0;
  // Reads go through one long-lived cat-file process (git-batch.ts), not a process each.
  const cat = sharedCatFile(dir);
  const objects = createObjectWriter(dir, cat);

  async function resolve(ref: string): Promise<string | null> {
    if (!ref || ref.startsWith('-')) return null;
    // A full sha names that object before any ref of the same name: a commit read once is known.
    if (commitCache.has(ref)) return ref;
    return (await cat.info(`${ref}^{commit}`))?.sha ?? null;
  }

  async function writeTree(parent: string | null, files: FileChanges): Promise<string> {
    const index = `${dir}/index.sim-${process.pid}-${indexCounter++}`;
    const env = { GIT_INDEX_FILE: index };
    if (parent) await text(dir, ['read-tree', parent], { env });
    else await text(dir, ['read-tree', '--empty'], { env });
    for (const [path, content] of Object.entries(files)) {
      if (content === null) {
        // --force-remove needs a work tree; a mode-0 index-info line removes the entry in a bare repo.
        await text(dir, ['update-index', '--index-info'], { env, input: `0 ${'0'.repeat(40)}\t${path}\n` });
        continue;
      }
      const blob = (await text(dir, ['hash-object', '-w', '--stdin'], { input: content })).trim();
      await text(dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env });
    }
    const tree = (await text(dir, ['write-tree'], { env })).trim();
    await run(dir, ['update-index', '--force-remove', '--', '.'], { env }).catch(() => undefined);
    const { rm } = await import('node:fs/promises');
    await rm(index, { force: true });
    return tree;
  }

  async function logUncached(
    ref: string,
    options: { skip?: number; max?: number; exclude?: string; path?: string },
  ) {
    // One line of history is walked in-process (git-graph.ts); anything else is git's to order.
    if (!options.path) {
      const head = await resolve(ref);
      const exclude = options.exclude ? await resolve(options.exclude) : undefined;
      if (head && exclude !== null) {
        const shas = await linearLog(head, exclude, parentsOf);
        if (shas) {
          const skip = options.skip ?? 0;
          const picked = shas.slice(skip, options.max !== undefined ? skip + options.max : undefined);
          const commits: GitCommit[] = [];
          for (const sha of picked) commits.push((await repo.getCommit(sha))!);
          return commits;
        }
      }
    }
    const args = ['log', `--format=${LOG_FORMAT}`];
    if (options.skip) args.push(`--skip=${options.skip}`);
    if (options.max !== undefined) args.push(`--max-count=${options.max}`);
    args.push(ref);
    if (options.exclude) args.push(`^${options.exclude}`);
    if (options.path) args.push('--', options.path);
    const commits = parseLog(await text(dir, args));
    for (const c of commits) commitCache.set(c.sha, c);
    return commits;
  }

  async function readFileUncached(ref: string, path: string): Promise<Buffer | null> {
    if (ref.startsWith('-')) return null;
    const object = await cat.contents(`${ref}:${path}`);
    return object?.type === 'blob' ? object.content : null;
  }

  async function blobShaUncached(ref: string, path: string): Promise<string | null> {
    if (ref.startsWith('-')) return null;
    return (await cat.info(`${ref}:${path}`))?.sha ?? null;
  }

  async function readCommit(rev: string): Promise<GitCommit | null> {
    const object = await cat.contents(`${rev}^{commit}`);
    if (!object) return null;
    const raw = parseCommitObject(object.sha, object.content);
    const message = raw.message.replace(/\n+$/, '');
    return {
      sha: raw.sha,
      parents: raw.parents,
      authorName: raw.author.name,
      authorEmail: raw.author.email,
      authoredAt: raw.author.at,
      committerName: raw.committer.name,
      committerEmail: raw.committer.email,
      committedAt: raw.committer.at,
      message,
      title: message.split('\n')[0] ?? '',
    };
  }

  async function diffUncached(from: string, to: string, straight: boolean): Promise<GitChange[]> {
    const inProcess = await diffInProcess(from, to, straight);
    if (inProcess) return inProcess;
    const range = straight ? [from, to] : [`${from}...${to}`];
    const out = await text(dir, ['diff', '--name-status', '-z', '-M', ...range]);
    const parts = out.split('\x00').filter((p) => p.length > 0);
    const changes: GitChange[] = [];
    for (let i = 0; i < parts.length;) {
      const status = parts[i++]!;
      if (status.startsWith('R')) {
        const oldPath = parts[i++]!;
        const path = parts[i++]!;
        changes.push({ status: 'R', path, oldPath });
      } else {
        const path = parts[i++]!;
        const s = status[0] === 'A' || status[0] === 'D' ? status[0] : 'M';
        changes.push({ status: s as GitChange['status'], path, oldPath: path });
      }
    }
    return changes;
  }

  /** `git diff --name-status -M` from the objects, when the answer is certain (git-diff.ts). */
  async function diffInProcess(
    from: string,
    to: string,
    straight: boolean,
  ): Promise<GitChange[] | undefined> {
    let base: string | null | undefined = from;
    if (!straight) {
      const a = await resolve(from);
      const b = await resolve(to);
      base = a && b ? await mergeBaseByWalk(a, b, parentsOf) : undefined;
    }
    if (!base || from.startsWith('-') || to.startsWith('-')) return undefined;
    const [one, two] = [await cat.info(`${base}^{tree}`), await cat.info(`${to}^{tree}`)];
    if (!one || !two) return undefined;
    const changes = await diffTrees(cat, one.sha, two.sha, true);
    return changes?.map((c) => ({ status: c.status, path: c.path, oldPath: c.path }));
  }

  /** Parents of a commit named by its full sha (null when it is not one), for the walks in git-graph.ts. */
  async function parentsOf(sha: string): Promise<string[] | null> {
    const commit = await repo.getCommit(sha);
    return commit && commit.sha === sha ? commit.parents : null;
  }

  const repo: GitRepo = {
    dir,
    resolve,
    async branchSha(branch) {
      return resolve(`refs/heads/${branch}`);
    },
    async listBranches() {
      const loose = await listLooseRefs(dir, 'refs/heads');
      if (loose !== 'ask-git') return loose;
      const out = await text(dir, [
        'for-each-ref',
        '--format=%(refname:strip=2)%00%(objectname)',
        'refs/heads',
      ]);
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [name, sha] = line.split('\x00');
          return { name: name!, sha: sha! };
        });
    },
    async listTags() {
      const loose = await listLooseRefs(dir, 'refs/tags');
      if (loose !== 'ask-git') return loose;
      const out = await text(dir, [
        'for-each-ref',
        '--format=%(refname:strip=2)%00%(objectname)',
        'refs/tags',
      ]);
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [name, sha] = line.split('\x00');
          return { name: name!, sha: sha! };
        });
    },
    async writeCommit({ parent, files, message, author, date }) {
      // Written in-process unless git would have to clean something up (then git decides).
      if (plainIdent(author.name) && plainIdent(author.email) && Object.keys(files).every(plainPath)) {
        const tree = await objects.tree(parent, files).catch((error: unknown) => {
          if (error instanceof NotPlainTree) return undefined;
          throw error;
        });
        if (tree)
          return objects.commit({ tree, parents: parent ? [parent] : [], person: author, date, message });
      }
      const tree = await writeTree(parent, files);
      const args = ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'];
      return (await text(dir, args, { input: message, env: personEnv(author, date) })).trim();
    },
    async updateRef(ref, sha, expectOld) {
      // In-process with git's lock-file protocol in the plain case (git-refs.ts), else git.
      const written = await writeLooseRef(dir, ref, sha, expectOld, async (s) => {
        return (await cat.info(s))?.type === 'commit';
      });
      if (written !== 'ask-git') return written === 'done';
      const args = ['update-ref', ref, sha];
      if (expectOld !== undefined) args.push(expectOld ?? '0'.repeat(40));
      const { code } = await run(dir, args).catch((e: GitFailure) => ({
        code: e.code,
        stdout: Buffer.alloc(0),
      }));
      return code === 0;
    },
    async deleteRef(ref) {
      await run(dir, ['update-ref', '-d', ref]);
    },
    async getCommit(sha) {
      const cached = commitCache.get(sha);
      if (cached) return cached;
      if (!sha || sha.startsWith('-')) return null;
      const commit = await readCommit(sha);
      if (!commit) return null;
      commitCache.set(commit.sha, commit);
      return commit;
    },
    async countCommits(ref, exclude) {
      const head = await resolve(ref);
      const base = exclude ? await resolve(exclude) : undefined;
      if (head && base !== null) {
        const counted = await countByWalk(head, base, parentsOf);
        if (counted !== undefined) return counted;
      }
      const args = ['rev-list', '--count', ref];
      if (exclude) args.push(`^${exclude}`);
      return Number((await text(dir, args)).trim());
    },
    readFile(ref, path) {
      return cached(ref, `file:${path}`, () => readFileUncached(ref, path));
    },
    blobSha(ref, path) {
      return cached(ref, `blob:${path}`, () => blobShaUncached(ref, path));
    },
    log(ref, options = {}) {
      return cached(ref, `log:${JSON.stringify(options)}`, () => logUncached(ref, options));
    },
    async listTree(ref, path = '', recursive = false) {
      const args = ['ls-tree', '-l', '-z'];
      if (recursive) args.push('-r');
      args.push(path ? `${ref}:${path}` : ref);
      const { stdout, code } = await run(dir, args).catch(() => ({ stdout: Buffer.alloc(0), code: 128 }));
      if (code !== 0) return [];
      return stdout
        .toString()
        .split('\x00')
        .filter(Boolean)
        .map((line) => {
          const [meta, name] = line.split('\t');
          const [mode, type, sha, size] = meta!.trim().split(/\s+/);
          return {
            mode: mode!,
            type: type as 'blob' | 'tree',
            sha: sha!,
            size: size === '-' ? 0 : Number(size),
            path: path ? `${path}/${name}` : name!,
          };
        });
    },
    isAncestor(ancestor, descendant) {
      return between(ancestor, descendant, 'is-ancestor', async () => {
        if (FULL_SHA.test(ancestor) && FULL_SHA.test(descendant)) {
          const walked = await isAncestorByWalk(ancestor, descendant, parentsOf);
          if (walked !== undefined) return walked;
        }
        const { code } = await run(dir, ['merge-base', '--is-ancestor', ancestor, descendant]);
        return code === 0;
      });
    },
    mergeBase(a, b) {
      return between(a, b, 'merge-base', async () => {
        if (FULL_SHA.test(a) && FULL_SHA.test(b)) {
          const walked = await mergeBaseByWalk(a, b, parentsOf);
          if (walked !== undefined) return walked;
        }
        const { stdout, code } = await run(dir, ['merge-base', a, b]);
        return code === 0 ? stdout.toString().trim() : null;
      });
    },
    async diff(from, to, straight = false) {
      // A copy: callers may sort or filter what they get, the cache must not change.
      return (await between(from, to, `diff-${straight}`, () => diffUncached(from, to, straight))).slice();
    },
    async diffText(from, to, path) {
      const args = ['diff', from, to];
      if (path) args.push('--', path);
      return text(dir, args);
    },
    async merge({ target, source, message, author, date, squash }) {
      // A merge whose result is certain is built in-process (git-reader.ts); git merges the rest.
      let tree = await mergeTreeByTrees(gitReader(dir), target, source, (commit, files) =>
        objects.tree(commit, files),
      ).catch((error: unknown) => {
        if (error instanceof NotPlainTree) return undefined;
        throw error;
      });
      if (tree === undefined) {
        const { stdout, code } = await run(dir, [
          'merge-tree',
          '--write-tree',
          '--no-messages',
          target,
          source,
        ]);
        if (code !== 0) return null;
        tree = stdout.toString().split('\n')[0]!.trim();
      }
      // The merge commit itself is written in-process when it is plain (as writeCommit does).
      if (
        FULL_SHA.test(target) &&
        FULL_SHA.test(source) &&
        plainIdent(author.name) &&
        plainIdent(author.email)
      )
        return objects.commit({
          tree,
          parents: squash ? [target] : [target, source],
          person: author,
          date,
          message,
        });
      const parents = squash ? ['-p', target] : ['-p', target, '-p', source];
      return (
        await text(dir, ['commit-tree', tree, ...parents, '-F', '-'], {
          input: message,
          env: personEnv(author, date),
        })
      ).trim();
    },
  };
  return repo;
}
