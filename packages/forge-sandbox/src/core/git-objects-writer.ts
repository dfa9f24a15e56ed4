import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { CatFile } from './git-batch.js';

/**
 * Commits written without a git process: blobs, trees and the commit go straight into the bare
 * repository as loose objects, in git's own format (`<type> <size>\0<body>`, SHA-1, zlib). What
 * `git fsck` and `git clone` see is the same as what `hash-object`/`write-tree`/`commit-tree`
 * would have written; only the six processes per commit are gone (issue 26). Anything this writer
 * would have to second-guess git on (an author name git would clean up) goes back to git.
 */

/** New content (a regular file), an existing object at a mode, or null to remove the path. */
type Change = string | Buffer | null | { mode: string; sha: string };
type Changes = Record<string, Change>;

interface TreeEntry {
  mode: string;
  name: string;
  sha: string;
}

const TREE_MODE = '40000';
const FILE_MODE = '100644';

/** Characters git trims from the ends of a name or email, and ones it cannot keep inside. */
const CRUD_AT_ENDS = /^[\s.,:;<>"\\']|[\s.,:;<>"\\']$/;
const NOT_INSIDE = /[<>\n\0]/;

export function plainIdent(value: string): boolean {
  return value.length > 0 && !CRUD_AT_ENDS.test(value) && !NOT_INSIDE.test(value);
}

/** A path git's index would take as it is: `a/b.txt`, no empty, `.` or `..` part, no `.git`. */
export function plainPath(path: string): boolean {
  return path
    .split('/')
    .every(
      (part) =>
        part !== '' && part !== '.' && part !== '..' && part.toLowerCase() !== '.git' && !part.includes('\0'),
    );
}

/** A tree this writer cannot rewrite faithfully; the caller leaves the work to git. */
export class NotPlainTree extends Error {
  constructor(sha: string) {
    super(`tree ${sha} has a name that is not UTF-8`);
  }
}

export function createObjectWriter(dir: string, cat: CatFile) {
  async function writeObject(type: string, body: Buffer): Promise<string> {
    const data = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
    const sha = createHash('sha1').update(data).digest('hex');
    const folder = join(dir, 'objects', sha.slice(0, 2));
    const file = join(folder, sha.slice(2));
    if (existsSync(file)) return sha; // objects are immutable: same name, same bytes
    await mkdir(folder, { recursive: true });
    const temp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(temp, deflateSync(data), { mode: 0o444 });
    await rename(temp, file);
    return sha;
  }

  async function readTree(sha: string | null): Promise<TreeEntry[]> {
    if (!sha) return [];
    const object = await cat.contents(sha);
    if (!object || object.type !== 'tree') throw new Error(`not a tree: ${sha}`);
    const entries: TreeEntry[] = [];
    const raw = object.content;
    for (let i = 0; i < raw.length;) {
      const space = raw.indexOf(0x20, i);
      const nul = raw.indexOf(0, space);
      const name = raw.subarray(space + 1, nul);
      // A name that is not UTF-8 would not survive the round trip through a string: git's job.
      if (!Buffer.from(name.toString('utf8'), 'utf8').equals(name)) throw new NotPlainTree(sha);
      entries.push({
        mode: raw.subarray(i, space).toString('latin1'),
        name: name.toString('utf8'),
        sha: raw.subarray(nul + 1, nul + 21).toString('hex'),
      });
      i = nul + 21;
    }
    return entries;
  }

  /** Git orders tree entries by name, a subtree's name compared as if it ended in `/`. */
  function sortKey(entry: TreeEntry): Buffer {
    return Buffer.from(entry.mode === TREE_MODE ? `${entry.name}/` : entry.name, 'utf8');
  }

  async function writeTree(entries: TreeEntry[]): Promise<string> {
    const sorted = [...entries].sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
    const body = Buffer.concat(
      sorted.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.sha, 'hex')]),
    );
    return writeObject('tree', body);
  }

  /** The tree `base` with `changes` (paths relative to it) applied; null when it ends up empty. */
  async function applyChanges(base: string | null, changes: Map<string, Change>) {
    const entries = new Map((await readTree(base)).map((e) => [e.name, e]));
    const nested = new Map<string, Map<string, Change>>();
    for (const [path, content] of changes) {
      const slash = path.indexOf('/');
      if (slash >= 0) {
        const head = path.slice(0, slash);
        if (!nested.has(head)) nested.set(head, new Map());
        nested.get(head)!.set(path.slice(slash + 1), content);
      } else if (content === null) entries.delete(path);
      else if (typeof content === 'object' && !Buffer.isBuffer(content))
        entries.set(path, { mode: content.mode, name: path, sha: content.sha });
      else {
        const blob = await writeObject('blob', Buffer.isBuffer(content) ? content : Buffer.from(content));
        entries.set(path, { mode: FILE_MODE, name: path, sha: blob });
      }
    }
    for (const [name, sub] of nested) {
      const current = entries.get(name);
      const tree = await applyChanges(current?.mode === TREE_MODE ? current.sha : null, sub);
      if (tree) entries.set(name, { mode: TREE_MODE, name, sha: tree });
      else entries.delete(name);
    }
    return entries.size ? writeTree([...entries.values()]) : null;
  }

  function commitObject(input: {
    tree: string;
    parents: string[];
    author: { name: string; email: string; stamp: string };
    committer: { name: string; email: string; stamp: string };
    message: string;
  }) {
    const lines = [
      `tree ${input.tree}`,
      ...input.parents.map((p) => `parent ${p}`),
      `author ${input.author.name} <${input.author.email}> ${input.author.stamp}`,
      `committer ${input.committer.name} <${input.committer.email}> ${input.committer.stamp}`,
    ];
    return writeObject('commit', Buffer.from(`${lines.join('\n')}\n\n${input.message}`, 'utf8'));
  }

  return {
    /** The tree of `parent` (or an empty one) with the changes applied. */
    async tree(parent: string | null, files: Changes): Promise<string> {
      const base = parent ? ((await cat.info(`${parent}^{tree}`))?.sha ?? null) : null;
      if (parent && !base) throw new Error(`no such commit: ${parent}`);
      return (await applyChanges(base, new Map(Object.entries(files)))) ?? writeTree([]);
    },
    /** A blob of `content` (`git hash-object -w`). */
    blob(content: Buffer): Promise<string> {
      return writeObject('blob', content);
    },
    /** A commit object, as `git commit-tree` writes it with GIT_AUTHOR/COMMITTER set to `person` at `date`. */
    commit(input: {
      tree: string;
      parents: string[];
      person: { name: string; email: string };
      date: Date;
      message: string;
    }) {
      const stamp = `${Math.floor(input.date.getTime() / 1000)} +0000`;
      return commitObject({
        ...input,
        author: { ...input.person, stamp },
        committer: { ...input.person, stamp },
      });
    },
    /** The same with an author and a committer of their own; `stamp` is `<seconds> <+hhmm>`. */
    commitAs(input: {
      tree: string;
      parents: string[];
      author: { name: string; email: string; stamp: string };
      committer: { name: string; email: string; stamp: string };
      message: string;
    }) {
      return commitObject(input);
    },
  };
}
