/**
 * Ancestry questions answered by walking commit objects the batch reader already serves, instead
 * of a `git merge-base` process each (issue 26). Walks are bounded: past `limit` commits, or for
 * anything unusual (a missing object, several equally good merge bases), the answer is
 * `undefined` and the caller asks git.
 */

/** The parents of a commit, or null when the sha is not a commit. */
export type ParentsOf = (sha: string) => Promise<string[] | null>;

export const WALK_LIMIT = 500;

/** Every commit reachable from `starts` (themselves included), or undefined past `limit`. */
export async function reachable(
  starts: string[],
  parentsOf: ParentsOf,
  limit: number,
): Promise<Set<string> | undefined> {
  const seen = new Set(starts);
  const queue = [...starts];
  while (queue.length > 0) {
    const parents = await parentsOf(queue.pop()!);
    if (!parents) return undefined;
    for (const parent of parents) {
      if (seen.has(parent)) continue;
      if (seen.size >= limit) return undefined;
      seen.add(parent);
      queue.push(parent);
    }
  }
  return seen;
}

/** Whether `ancestor` is reachable from `descendant` (`git merge-base --is-ancestor`). */
export async function isAncestorByWalk(
  ancestor: string,
  descendant: string,
  parentsOf: ParentsOf,
  limit = WALK_LIMIT,
): Promise<boolean | undefined> {
  if (!(await parentsOf(ancestor))) return undefined;
  const all = await reachable([descendant], parentsOf, limit);
  return all?.has(ancestor);
}

/**
 * The best common ancestor of `a` and `b` (`git merge-base a b`): a common ancestor that is not
 * an ancestor of another common ancestor; null when they share no history. Undefined when there
 * are several such bases (criss-cross merges: git's choice among them is git's).
 */
export async function mergeBaseByWalk(
  a: string,
  b: string,
  parentsOf: ParentsOf,
  limit = WALK_LIMIT,
): Promise<string | null | undefined> {
  const fromA = await reachable([a], parentsOf, limit);
  if (!fromA) return undefined;
  const fromB = await reachable([b], parentsOf, limit);
  if (!fromB) return undefined;
  const common = [...fromB].filter((sha) => fromA.has(sha));
  if (common.length === 0) return null;
  const below: string[] = [];
  for (const sha of common) below.push(...((await parentsOf(sha)) ?? []));
  const redundant = await reachable(below, parentsOf, limit * 2);
  if (!redundant) return undefined;
  const bases = common.filter((sha) => !redundant.has(sha));
  return bases.length === 1 ? bases[0]! : undefined;
}

/**
 * `git rev-list --count head ^exclude`: commits reachable from `head` and not from `exclude`.
 * Undefined past `limit` or when an object is missing (the caller asks git).
 */
export async function countByWalk(
  head: string,
  exclude: string | undefined,
  parentsOf: ParentsOf,
  limit = WALK_LIMIT,
): Promise<number | undefined> {
  if (!(await parentsOf(head))) return undefined;
  const excluded = exclude ? await reachable([exclude], parentsOf, limit) : new Set<string>();
  if (!excluded) return undefined;
  if (excluded.has(head)) return 0;
  const included = await reachable([head], parentsOf, limit + excluded.size);
  if (!included) return undefined;
  let count = 0;
  for (const sha of included) if (!excluded.has(sha)) count++;
  return count;
}

/**
 * `git log head ^exclude` (newest first) as shas, when the commits it lists form one line of
 * history: each has a single parent, so git's order (newest commit date first among the
 * candidates) can only be the chain itself. A merge commit among them, a missing object or
 * more than `limit` commits answers undefined: git's date ordering decides those.
 */
export async function linearLog(
  head: string,
  exclude: string | undefined,
  parentsOf: ParentsOf,
  limit = WALK_LIMIT,
): Promise<string[] | undefined> {
  const excluded = exclude ? await reachable([exclude], parentsOf, limit) : new Set<string>();
  if (!excluded) return undefined;
  const out: string[] = [];
  let current: string | undefined = head;
  while (current !== undefined && !excluded.has(current)) {
    const parents = await parentsOf(current);
    if (!parents || parents.length > 1 || out.length >= limit) return undefined;
    out.push(current);
    current = parents[0];
  }
  return out;
}
