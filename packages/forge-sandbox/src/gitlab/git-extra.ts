import { execFile } from 'node:child_process';
import { changeCounts, diffTrees, EMPTY_TREE, unifiedDiff } from '../core/git-diff.js';
import { mergeBaseByWalk } from '../core/git-graph.js';
import { gitReader, mergesCleanlyByTrees } from '../core/git-reader.js';

/**
 * Git queries the GitLab view needs beyond core/git.ts: per-file diffs with modes, numstat, and a
 * side-effect-free mergeability check. Results that depend only on commit shas are cached.
 * Certain answers come from the objects in-process (core/git-diff.ts, core/git-reader.ts); git
 * runs for the rest (issue 26).
 */

function git(dir: string, args: string[]): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: dir,
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 128) : 0;
        if (code > 1) reject(new Error(`git ${args.join(' ')}: ${stderr}`));
        else resolve({ stdout, code });
      },
    );
  });
}

export interface FileDiff {
  old_path: string;
  new_path: string;
  a_mode: string | null;
  b_mode: string | null;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  generated_file: boolean;
  diff: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const diffCache = new Map<string, FileDiff[]>();
const mergeCache = new Map<string, boolean>();
const mergeBaseCache = new Map<string, string | null>();
const statsCache = new Map<string, { additions: number; deletions: number; total: number }>();

/** Per-file diffs between two commits (`from` is a commit; use the merge base for a three-dot compare). */
export async function fileDiffs(dir: string, from: string, to: string): Promise<FileDiff[]> {
  const key = `${dir}:${from}:${to}`;
  const cached = diffCache.get(key);
  if (cached) return cached;
  const stdout =
    (await fileDiffsInProcess(dir, from, to)) ??
    (await git(dir, ['diff', '--no-color', '--no-ext-diff', '-M', '--full-index', from, to])).stdout;
  const result = parseUnifiedDiff(stdout);
  diffCache.set(key, result);
  return result;
}

async function fileDiffsInProcess(dir: string, from: string, to: string): Promise<string | undefined> {
  const reader = gitReader(dir);
  const [one, two] = [await reader.treeOf(from), await reader.treeOf(to)];
  if (!one || !two) return undefined;
  return unifiedDiff(reader.cat, one, two);
}

function parseUnifiedDiff(text: string): FileDiff[] {
  const files: FileDiff[] = [];
  const chunks = text.split(/^diff --git /m).filter((c) => c.length > 0);
  for (const chunk of chunks) {
    const lines = chunk.split('\n');
    const header = lines[0] ?? '';
    const m = /^a\/(.*) b\/(.*)$/.exec(header);
    let oldPath = m?.[1] ?? '';
    let newPath = m?.[2] ?? '';
    let aMode: string | null = null;
    let bMode: string | null = null;
    let newFile = false;
    let deleted = false;
    let renamed = false;
    let i = 1;
    for (; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('@@') || line.startsWith('Binary files')) break;
      if (line.startsWith('new file mode ')) {
        newFile = true;
        bMode = line.slice('new file mode '.length);
        aMode = '0';
      } else if (line.startsWith('deleted file mode ')) {
        deleted = true;
        aMode = line.slice('deleted file mode '.length);
        bMode = '0';
      } else if (line.startsWith('old mode ')) aMode = line.slice(9);
      else if (line.startsWith('new mode ')) bMode = line.slice(9);
      else if (line.startsWith('rename from ')) {
        renamed = true;
        oldPath = line.slice('rename from '.length);
      } else if (line.startsWith('rename to ')) newPath = line.slice('rename to '.length);
      else if (line.startsWith('index ')) {
        const mode = line.split(' ')[2];
        if (mode) {
          aMode ??= mode;
          bMode ??= mode;
        }
      }
    }
    const body = lines.slice(i).join('\n');
    files.push({
      old_path: oldPath,
      new_path: newPath,
      a_mode: aMode ?? '100644',
      b_mode: bMode ?? '100644',
      new_file: newFile,
      renamed_file: renamed,
      deleted_file: deleted,
      generated_file: false,
      diff: body.endsWith('\n') || body.length === 0 ? body : `${body}\n`,
    });
  }
  return files;
}

/** Whether `source` merges into `target` without conflicts (no refs or objects are kept). */
export async function mergesCleanly(dir: string, target: string, source: string): Promise<boolean> {
  const key = `${dir}:${target}:${source}`;
  const cached = mergeCache.get(key);
  if (cached !== undefined) return cached;
  const clean =
    (await mergesCleanlyByTrees(gitReader(dir), target, source)) ??
    (await git(dir, ['merge-tree', '--write-tree', '--no-messages', target, source])).code === 0;
  mergeCache.set(key, clean);
  return clean;
}

/** `git merge-base`, cached: it depends only on the two commits. */
export async function mergeBase(dir: string, a: string, b: string): Promise<string | null> {
  const key = `${dir}:${a}:${b}`;
  if (mergeBaseCache.has(key)) return mergeBaseCache.get(key)!;
  const walked =
    FULL_SHA.test(a) && FULL_SHA.test(b) ? await mergeBaseByWalk(a, b, gitReader(dir).parentsOf) : undefined;
  let base: string | null;
  if (walked !== undefined) base = walked;
  else {
    const { stdout, code } = await git(dir, ['merge-base', a, b]);
    base = code === 0 ? stdout.trim() : null;
  }
  mergeBaseCache.set(key, base);
  return base;
}

/** Lines added and removed by a commit (against its first parent, or the empty tree for a root). */
export async function commitStats(
  dir: string,
  sha: string,
  parent: string | undefined,
): Promise<{ additions: number; deletions: number; total: number }> {
  const key = `${dir}:${sha}`;
  const cached = statsCache.get(key);
  if (cached) return cached;
  const from = parent ?? EMPTY_TREE;
  let additions = 0;
  let deletions = 0;
  const counted = await commitCountsInProcess(dir, from, sha);
  if (counted) {
    for (const c of counted) {
      additions += c.additions;
      deletions += c.deletions;
    }
  } else {
    const { stdout } = await git(dir, ['diff', '--numstat', from, sha]);
    for (const line of stdout.split('\n')) {
      const [a, d] = line.split('\t');
      if (a && a !== '-') additions += Number(a);
      if (d && d !== '-') deletions += Number(d);
    }
  }
  const stats = { additions, deletions, total: additions + deletions };
  statsCache.set(key, stats);
  return stats;
}

/** `git diff --numstat` of two tree-ishes, when certain (git diff detects renames by default: diff.renames). */
async function commitCountsInProcess(dir: string, from: string, to: string) {
  const reader = gitReader(dir);
  const [one, two] = [await reader.treeOf(from), await reader.treeOf(to)];
  if (!one || !two) return undefined;
  const changes = await diffTrees(reader.cat, one, two, true);
  return changes && changeCounts(reader.cat, changes);
}

/** Commits on `ref` (newest first) filtered by committed date, for `since`/`until`. */
export async function logShas(
  dir: string,
  ref: string,
  options: { since?: number; until?: number; path?: string; firstParent?: boolean },
): Promise<string[]> {
  const args = ['rev-list'];
  if (options.since !== undefined) args.push(`--since=${new Date(options.since).toISOString()}`);
  if (options.until !== undefined) args.push(`--until=${new Date(options.until).toISOString()}`);
  if (options.firstParent) args.push('--first-parent');
  args.push(ref);
  if (options.path) args.push('--', options.path);
  const { stdout, code } = await git(dir, args).catch(() => ({ stdout: '', code: 128 }));
  if (code !== 0) return [];
  return stdout.split('\n').filter(Boolean);
}
