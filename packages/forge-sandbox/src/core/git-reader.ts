import { forgetCatFile, parseCommitObject, sharedCatFile, type CatFile } from './git-batch.js';
import { diffTrees, type TreeChange } from './git-diff.js';
import { isAncestorByWalk, mergeBaseByWalk, type ParentsOf } from './git-graph.js';

/**
 * In-process reads of one repository directory for the forge views' git helpers
 * (github/git-objects.ts, gitlab/git-extra.ts), which know a repository by its path: commits
 * parsed from the shared batch reader, ancestry walks, and the merges whose outcome cannot be
 * in doubt (issue 26: a git process per compare made the simulator compete with the bot).
 */

export type RawCommit = ReturnType<typeof parseCommitObject>;

export interface GitReader {
  readonly cat: CatFile;
  /** The commit a revision names (`main`, a short sha, `sha^{commit}` is implied), or null. */
  commit(rev: string): Promise<RawCommit | null>;
  parentsOf: ParentsOf;
  /** The full sha of the commit `rev` names, or null. */
  resolveCommit(rev: string): Promise<string | null>;
  /** The tree a tree-ish names, or null. */
  treeOf(rev: string): Promise<string | null>;
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const readers = new Map<string, GitReader>();
const CACHE_LIMIT = 20_000;

/** Forget what was read in `dir`: a repository is being created there (core/git.ts initBareRepo). */
export function forgetRepository(dir: string): void {
  readers.delete(dir);
  forgetCatFile(dir);
}

export function gitReader(dir: string): GitReader {
  const existing = readers.get(dir);
  if (existing) return existing;
  const cat = sharedCatFile(dir);
  // Commit objects never change: parsed once per full sha (per repository: a sha this
  // repository does not hold must stay unknown here).
  const commits = new Map<string, RawCommit>();
  async function commit(rev: string): Promise<RawCommit | null> {
    if (!rev || rev.startsWith('-')) return null;
    const hit = commits.get(rev);
    if (hit) return hit;
    const object = await cat.contents(`${rev}^{commit}`);
    if (!object || object.type !== 'commit') return null;
    const parsed = parseCommitObject(object.sha, object.content);
    if (commits.size > CACHE_LIMIT) commits.clear();
    commits.set(parsed.sha, parsed);
    return parsed;
  }
  const reader: GitReader = {
    cat,
    commit,
    async parentsOf(sha) {
      if (!FULL_SHA.test(sha)) return null;
      const c = await commit(sha);
      return c && c.sha === sha ? c.parents : null;
    },
    async resolveCommit(rev) {
      return (await commit(rev))?.sha ?? null;
    },
    async treeOf(rev) {
      if (!rev || rev.startsWith('-')) return null;
      const known = commits.get(rev);
      if (known) return known.tree;
      return (await cat.info(`${rev}^{tree}`))?.sha ?? null;
    },
  };
  readers.set(dir, reader);
  return reader;
}

type CertainMerge =
  { kind: 'up-to-date' } | { kind: 'fast-forward' } | { kind: 'disjoint'; theirs: TreeChange[] };

/**
 * A merge of `source` into `target` whose outcome is certain without git: one is an ancestor of
 * the other, or since their single merge base the two sides changed (added or modified, nothing
 * removed, so no rename) disjoint sets of files, none a folder of another. Undefined otherwise.
 */
async function certainMerge(
  reader: GitReader,
  target: string,
  source: string,
): Promise<CertainMerge | undefined> {
  if (!FULL_SHA.test(target) || !FULL_SHA.test(source)) return undefined;
  const ancestor = await isAncestorByWalk(source, target, reader.parentsOf);
  if (ancestor === undefined) return undefined;
  if (ancestor) return { kind: 'up-to-date' };
  const forward = await isAncestorByWalk(target, source, reader.parentsOf);
  if (forward === undefined) return undefined;
  if (forward) return { kind: 'fast-forward' };
  const base = await mergeBaseByWalk(target, source, reader.parentsOf);
  if (!base) return undefined;
  const [baseTree, ours, theirs] = await Promise.all([
    reader.treeOf(base),
    reader.treeOf(target),
    reader.treeOf(source),
  ]);
  if (!baseTree || !ours || !theirs) return undefined;
  const one = await diffTrees(reader.cat, baseTree, ours);
  const two = await diffTrees(reader.cat, baseTree, theirs);
  if (!one || !two) return undefined;
  const plain = (changes: TreeChange[]) => changes.every((c) => c.status !== 'D');
  if (!plain(one) || !plain(two)) return undefined;
  const paths = new Set(one.map((c) => c.path));
  const folders = new Set<string>();
  for (const c of one) {
    const parts = c.path.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  for (const c of two) {
    if (paths.has(c.path) || folders.has(c.path)) return undefined;
    const parts = c.path.split('/');
    for (let i = 1; i < parts.length; i++) if (paths.has(parts.slice(0, i).join('/'))) return undefined;
  }
  return { kind: 'disjoint', theirs: two };
}

/** Whether `git merge-tree --write-tree target source` would merge cleanly, when that is certain. */
export async function mergesCleanlyByTrees(
  reader: GitReader,
  target: string,
  source: string,
): Promise<boolean | undefined> {
  return (await certainMerge(reader, target, source)) ? true : undefined;
}

/**
 * The tree `git merge-tree --write-tree target source` writes, when the merge is certain: the
 * target's tree, the source's, or the target's with the source's files applied by `applyOnto`
 * (which writes regular files: a source file of another mode leaves the merge to git).
 */
export async function mergeTreeByTrees(
  reader: GitReader,
  target: string,
  source: string,
  applyOnto: (commit: string, files: Record<string, Buffer>) => Promise<string>,
): Promise<string | undefined> {
  const merge = await certainMerge(reader, target, source);
  if (!merge) return undefined;
  if (merge.kind === 'up-to-date') return (await reader.treeOf(target)) ?? undefined;
  if (merge.kind === 'fast-forward') return (await reader.treeOf(source)) ?? undefined;
  const files: Record<string, Buffer> = {};
  for (const c of merge.theirs) {
    if (c.newMode !== '100644' || !c.newSha) return undefined;
    const blob = await reader.cat.contents(c.newSha);
    if (blob?.type !== 'blob') return undefined;
    files[c.path] = blob.content;
  }
  return applyOnto(target, files);
}
