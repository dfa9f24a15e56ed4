import { lstat, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Moving a branch or tag without a git process, with git's own lock-file protocol for the
 * files ref backend: create `<ref>.lock` exclusively, compare the current value under the lock,
 * write the new sha into the lock file and rename it over the ref (atomic). A git process that
 * updates the same ref at the same time takes the same lock, so the two exclude each other.
 *
 * Only the plain case is done here: a loose ref with an ordinary name, no packed-refs file, no
 * reflog, no directory/file clash, a commit as the new value. Everything else answers `ask-git`
 * and the caller runs `git update-ref`, which knows every rule (issue 26: a process per ref move
 * made the simulator compete with the bot for the machine's cores).
 */

export type RefWrite = 'done' | 'refused' | 'ask-git';

const FULL_SHA = /^[0-9a-f]{40}$/;
const PART = /^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

/** `refs/heads/x`, `refs/merge-requests/1/head`: parts git accepts without question. */
export function plainRefName(ref: string): boolean {
  const parts = ref.split('/');
  return parts.length >= 3 && parts[0] === 'refs' && parts.every((p) => PART.test(p) && !p.endsWith('.lock'));
}

async function pathKind(path: string): Promise<'file' | 'dir' | 'other' | null> {
  try {
    const s = await lstat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') return 'other'; // a ref is where a folder would be
    throw error;
  }
}

/**
 * Set `ref` to `sha`; with `expectOld` (a sha, or null for "must not exist") only when the ref
 * holds that value (`refused` otherwise, as `git update-ref ref new old` exits non-zero).
 * `isCommit` says whether the new value names a commit (git refuses anything else on branches).
 */
export async function writeLooseRef(
  dir: string,
  ref: string,
  sha: string,
  expectOld: string | null | undefined,
  isCommit: (sha: string) => Promise<boolean>,
): Promise<RefWrite> {
  if (!plainRefName(ref) || !FULL_SHA.test(sha)) return 'ask-git';
  if (expectOld !== undefined && expectOld !== null && !FULL_SHA.test(expectOld)) return 'ask-git';
  // Packed refs, reflogs and a non-default ref storage have rules of their own: git's job.
  if ((await pathKind(join(dir, 'packed-refs'))) !== null) return 'ask-git';
  if ((await pathKind(join(dir, 'logs', ref))) !== null) return 'ask-git';
  if ((await pathKind(join(dir, 'reftable'))) !== null) return 'ask-git';
  if (!(await isCommit(sha))) return 'ask-git';
  const path = join(dir, ref);
  const kind = await pathKind(path);
  if (kind !== null && kind !== 'file') return 'ask-git';
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch {
    return 'ask-git'; // a ref is where a folder would have to be (refs/heads/a vs refs/heads/a/b)
  }
  const lock = `${path}.lock`;
  let handle;
  try {
    handle = await open(lock, 'wx');
  } catch {
    return 'ask-git'; // someone holds the lock: git waits for it or fails, as it always does
  }
  let renamed = false;
  try {
    // Read under the lock: what the ref holds now, not what it held before the lock was ours.
    let current: string | null = null;
    const now = await pathKind(path);
    if (now !== null && now !== 'file') return 'ask-git';
    if (now === 'file') {
      const text = (await readFile(path, 'utf8')).trim();
      if (!FULL_SHA.test(text)) return 'ask-git'; // a symbolic ref
      current = text;
    }
    if (expectOld !== undefined && current !== expectOld) return 'refused';
    await handle.writeFile(`${sha}\n`);
    await handle.close();
    handle = undefined;
    await rename(lock, path);
    renamed = true;
    return 'done';
  } finally {
    await handle?.close();
    if (!renamed) await rm(lock, { force: true });
  }
}

/**
 * `git for-each-ref --format='%(refname:strip=2) %(objectname)' refs/heads` (or `refs/tags`)
 * read from the loose ref files, sorted by ref name as git sorts them. `ask-git` when anything
 * is not plain: a packed-refs file, reftable, a symbolic or unreadable ref, a name git would
 * have to judge. Like git with this format, a ref is listed whether or not its object exists.
 */
export async function listLooseRefs(
  dir: string,
  prefix: 'refs/heads' | 'refs/tags',
): Promise<{ name: string; sha: string }[] | 'ask-git'> {
  if ((await pathKind(join(dir, 'packed-refs'))) !== null) return 'ask-git';
  if ((await pathKind(join(dir, 'reftable'))) !== null) return 'ask-git';
  const found: { ref: string; sha: string }[] = [];
  async function walk(folder: string, ref: string): Promise<boolean> {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT';
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      const name = `${ref}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!(await walk(path, name))) return false;
        continue;
      }
      if (entry.name.endsWith('.lock')) continue; // a write in progress: git skips lock files too
      if (!entry.isFile() || !plainRefName(name)) return false;
      const text = await readFile(path, 'utf8');
      if (!/^[0-9a-f]{40}\n$/.test(text)) return false;
      found.push({ ref: name, sha: text.trim() });
    }
    return true;
  }
  if (!(await walk(join(dir, prefix), prefix))) return 'ask-git';
  return found
    .sort((a, b) => Buffer.compare(Buffer.from(a.ref), Buffer.from(b.ref)))
    .map((r) => ({ name: r.ref.slice(prefix.length + 1), sha: r.sha }));
}
