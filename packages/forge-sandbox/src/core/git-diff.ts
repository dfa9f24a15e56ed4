import type { CatFile } from './git-batch.js';

/**
 * Diffs computed from objects the batch reader serves, instead of a `git diff` process per
 * compare (issue 26). Only cases whose answer cannot differ from git's are done here; for every
 * other case the functions answer `undefined` and the caller runs git:
 *
 * - tree diffs: regular files (modes 100644/100755) and folders only, no mode change, no path
 *   that is a file on one side and a folder on the other, and never both an added and a removed
 *   file (with `-M`, git might pair them as a rename);
 * - line diffs: after the common first and last lines, the changed lines of one side share no
 *   line with the other's, so git's (minimal) diff can only remove all of them and add all of
 *   the others; for a unified text, that block also must not be able to slide up or down (where
 *   it would sit is git's heuristics' choice).
 */

export interface TreeChange {
  status: 'A' | 'D' | 'M';
  path: string;
  /** Mode and blob of the old side (null when added). */
  oldMode: string | null;
  oldSha: string | null;
  newMode: string | null;
  newSha: string | null;
}

interface Entry {
  mode: string;
  name: string;
  sha: string;
  key: Buffer;
}

const TREE = '40000';
const FILE_MODES = new Set(['100644', '100755']);
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const ZERO = '0'.repeat(40);
/** Blobs larger than this go to git (its big-file rules, and no point holding them twice). */
const MAX_BLOB = 8 * 1024 * 1024;

async function treeEntries(cat: CatFile, sha: string): Promise<Entry[] | undefined> {
  if (sha === EMPTY_TREE) return [];
  const object = await cat.contents(sha);
  if (!object || object.type !== 'tree') return undefined;
  const raw = object.content;
  const entries: Entry[] = [];
  for (let i = 0; i < raw.length;) {
    const space = raw.indexOf(0x20, i);
    const nul = raw.indexOf(0, space);
    if (space < 0 || nul < 0) return undefined;
    const mode = raw.subarray(i, space).toString('latin1');
    const nameBytes = raw.subarray(space + 1, nul);
    entries.push({
      mode,
      name: nameBytes.toString('utf8'),
      sha: raw.subarray(nul + 1, nul + 21).toString('hex'),
      // Git orders a tree's entries by name, a folder's name as if it ended in `/`.
      key: mode === TREE ? Buffer.concat([nameBytes, Buffer.from('/')]) : nameBytes,
    });
    i = nul + 21;
  }
  return entries;
}

/**
 * The files that differ between two trees (null or EMPTY_TREE for none), in git's order
 * (`git diff --name-status` of two commits), or undefined when git must answer.
 */
export async function diffTrees(
  cat: CatFile,
  from: string | null,
  to: string | null,
  /** Whether git would detect renames (`-M`): then an added and a removed file go to git. */
  renames = true,
): Promise<TreeChange[] | undefined> {
  const out: TreeChange[] = [];
  async function walk(a: string | null, b: string | null, prefix: string): Promise<boolean> {
    const left = a ? await treeEntries(cat, a) : [];
    const right = b ? await treeEntries(cat, b) : [];
    if (!left || !right) return false;
    const leftNames = new Set(left.map((e) => e.name));
    const rightNames = new Set(right.map((e) => e.name));
    let i = 0;
    let j = 0;
    while (i < left.length || j < right.length) {
      const x = left[i];
      const y = right[j];
      const order = !x ? 1 : !y ? -1 : Buffer.compare(x.key, y.key);
      const one = order <= 0 ? x! : undefined;
      const two = order >= 0 ? y! : undefined;
      if (one) i++;
      if (two) j++;
      for (const e of [one, two]) if (e && e.mode !== TREE && !FILE_MODES.has(e.mode)) return false;
      const path = `${prefix}${(one ?? two)!.name}`;
      if (one && two) {
        if (one.mode === two.mode && one.sha === two.sha) continue;
        if (one.mode === TREE && two.mode === TREE) {
          if (!(await walk(one.sha, two.sha, `${path}/`))) return false;
          continue;
        }
        if (one.mode !== two.mode) return false; // a mode change (or a type change)
        out.push({
          status: 'M',
          path,
          oldMode: one.mode,
          oldSha: one.sha,
          newMode: two.mode,
          newSha: two.sha,
        });
        continue;
      }
      // The same name as a file on one side and a folder on the other: git's business.
      if (one && rightNames.has(one.name)) return false;
      if (two && leftNames.has(two.name)) return false;
      if (one) {
        if (one.mode === TREE) {
          if (!(await walk(one.sha, null, `${path}/`))) return false;
        } else
          out.push({ status: 'D', path, oldMode: one.mode, oldSha: one.sha, newMode: null, newSha: null });
      } else if (two) {
        if (two.mode === TREE) {
          if (!(await walk(null, two.sha, `${path}/`))) return false;
        } else
          out.push({ status: 'A', path, oldMode: null, oldSha: null, newMode: two.mode, newSha: two.sha });
      }
    }
    return true;
  }
  if (!(await walk(from, to, ''))) return undefined;
  // With rename detection (-M) an added and a removed file may be paired: git decides.
  if (renames && out.some((c) => c.status === 'A') && out.some((c) => c.status === 'D')) return undefined;
  return out;
}

/** Git's test for a binary file: a NUL byte among the first 8,000. */
function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

/** Lines as git's diff sees them: each with its newline (the last one may have none). */
function records(content: Buffer): string[] {
  const text = content.toString('latin1');
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const eol = text.indexOf('\n', start);
    if (eol < 0) break;
    out.push(text.slice(start, eol + 1));
    start = eol + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

export type LineDiff =
  | { binary: true }
  | {
      binary: false;
      a: string[];
      b: string[];
      /** Common first and last lines; the rest of each side is removed / added. */
      prefix: number;
      suffix: number;
    };

/** The one-block line diff of two blobs, or undefined when git's diff algorithm must decide. */
export function lineDiff(a: Buffer, b: Buffer): LineDiff | undefined {
  if (a.length > MAX_BLOB || b.length > MAX_BLOB) return undefined;
  if (isBinary(a) || isBinary(b)) return { binary: true };
  const x = records(a);
  const y = records(b);
  let prefix = 0;
  while (prefix < x.length && prefix < y.length && x[prefix] === y[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < x.length - prefix &&
    suffix < y.length - prefix &&
    x[x.length - 1 - suffix] === y[y.length - 1 - suffix]
  )
    suffix++;
  const removed = new Set(x.slice(prefix, x.length - suffix));
  for (const line of y.slice(prefix, y.length - suffix)) if (removed.has(line)) return undefined;
  return { binary: false, a: x, b: y, prefix, suffix };
}

/** Added and removed line counts (`git diff --numstat`; a binary file counts 0 and 0 here, `-` in git). */
export function lineCounts(d: LineDiff): { additions: number; deletions: number } {
  if (d.binary) return { additions: 0, deletions: 0 };
  return { additions: d.b.length - d.prefix - d.suffix, deletions: d.a.length - d.prefix - d.suffix };
}

/** Whether the changed block of `lines` (from `start`, before `end`) could sit one line higher or lower. */
function slides(lines: string[], start: number, end: number): boolean {
  if (start === end) return false;
  if (start > 0 && lines[start - 1] === lines[end - 1]) return true;
  return end < lines.length && lines[start] === lines[end];
}

const CONTEXT = 3;

/** Git's default hunk-header function line: the nearest earlier line starting with a letter, `_` or `$`. */
function functionLine(lines: string[], before: number): string {
  for (let l = before - 1; l >= 0; l--) {
    const line = lines[l]!;
    if (!/^[A-Za-z_$]/.test(line)) continue;
    return line.slice(0, 80).replace(/[ \t\n\v\f\r]+$/, '');
  }
  return '';
}

function range(start: number, count: number): string {
  return count === 1 ? `${start + 1}` : `${count === 0 ? start : start + 1},${count}`;
}

function emit(sign: string, line: string): string {
  return line.endsWith('\n') ? `${sign}${line}` : `${sign}${line}\n\\ No newline at end of file\n`;
}

/** The hunks of `git diff` (3 lines of context) as latin1 text, or undefined when git must place them. */
export function unifiedHunks(d: Exclude<LineDiff, { binary: true }>): string | undefined {
  const { a, b, prefix, suffix } = d;
  const endA = a.length - suffix;
  const endB = b.length - suffix;
  if (slides(a, prefix, endA) || slides(b, prefix, endB)) return undefined;
  if (prefix === endA && prefix === endB) return '';
  const start = Math.max(0, prefix - CONTEXT);
  const after = Math.min(suffix, CONTEXT);
  const countA = endA + after - start;
  const countB = endB + after - start;
  const func = functionLine(a, start);
  let text = `@@ -${range(start, countA)} +${range(start, countB)} @@${func ? ` ${func}` : ''}\n`;
  for (let l = start; l < prefix; l++) text += emit(' ', a[l]!);
  for (let l = prefix; l < endA; l++) text += emit('-', a[l]!);
  for (let l = prefix; l < endB; l++) text += emit('+', b[l]!);
  for (let l = endA; l < endA + after; l++) text += emit(' ', a[l]!);
  return text;
}

/** A path git prints as it is in a diff header (no quoting, no tab after it). */
function plainDiffPath(path: string): boolean {
  return /^[\x21-\x7e]+$/.test(path) && !/["\\]/.test(path);
}

/**
 * `git diff --no-color --no-ext-diff -M --full-index <from> <to>` of two trees, as text, or
 * undefined when git must answer.
 */
export async function unifiedDiff(cat: CatFile, from: string, to: string): Promise<string | undefined> {
  const changes = await diffTrees(cat, from, to, true);
  if (!changes) return undefined;
  const parts: string[] = [];
  for (const c of changes) {
    if (!plainDiffPath(c.path)) return undefined;
    const old = c.oldSha ? await cat.contents(c.oldSha) : null;
    const now = c.newSha ? await cat.contents(c.newSha) : null;
    if ((c.oldSha && old?.type !== 'blob') || (c.newSha && now?.type !== 'blob')) return undefined;
    const d = lineDiff(old?.content ?? Buffer.alloc(0), now?.content ?? Buffer.alloc(0));
    if (!d) return undefined;
    let text = `diff --git a/${c.path} b/${c.path}\n`;
    if (c.status === 'A') text += `new file mode ${c.newMode}\nindex ${ZERO}..${c.newSha}\n`;
    else if (c.status === 'D') text += `deleted file mode ${c.oldMode}\nindex ${c.oldSha}..${ZERO}\n`;
    else text += `index ${c.oldSha}..${c.newSha} ${c.newMode}\n`;
    const fromName = c.status === 'A' ? '/dev/null' : `a/${c.path}`;
    const toName = c.status === 'D' ? '/dev/null' : `b/${c.path}`;
    if (d.binary) text += `Binary files ${fromName} and ${toName} differ\n`;
    else {
      const hunks = unifiedHunks(d);
      if (hunks === undefined) return undefined;
      if (hunks) text += `--- ${fromName}\n+++ ${toName}\n${hunks}`;
    }
    parts.push(text);
  }
  return Buffer.from(parts.join(''), 'latin1').toString('utf8');
}

/** `git diff --numstat` figures of each change, or undefined when git must count. */
export async function changeCounts(
  cat: CatFile,
  changes: TreeChange[],
): Promise<{ additions: number; deletions: number }[] | undefined> {
  const out: { additions: number; deletions: number }[] = [];
  for (const c of changes) {
    const old = c.oldSha ? await cat.contents(c.oldSha) : null;
    const now = c.newSha ? await cat.contents(c.newSha) : null;
    if ((c.oldSha && old?.type !== 'blob') || (c.newSha && now?.type !== 'blob')) return undefined;
    const d = lineDiff(old?.content ?? Buffer.alloc(0), now?.content ?? Buffer.alloc(0));
    if (!d) return undefined;
    out.push(lineCounts(d));
  }
  return out;
}
