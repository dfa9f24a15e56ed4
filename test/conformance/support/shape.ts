/**
 * Compares the shape of a simulator answer with a recorded real one: the JSON type of every field
 * both have (recursively; `null` on either side says nothing about the type), fields the
 * simulator adds that the recording does not have, and fields it leaves out.
 */

export interface ShapeDifference {
  at: string;
  rule: 'type' | 'extra' | 'missing';
  message: string;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function compareShape(recorded: unknown, actual: unknown, at = '$'): ShapeDifference[] {
  if (recorded === null || actual === null || recorded === undefined || actual === undefined) return [];
  const [r, a] = [kind(recorded), kind(actual)];
  if (r !== a) return [{ at, rule: 'type', message: `recorded ${r}, simulator ${a}` }];
  if (r === 'array') {
    const [first, items] = [(recorded as unknown[])[0], actual as unknown[]];
    if (first === undefined) return [];
    return items.flatMap((item, i) => compareShape(first, item, `${at}[${i}]`));
  }
  if (r !== 'object') return [];
  const rec = recorded as Record<string, unknown>;
  const act = actual as Record<string, unknown>;
  const out: ShapeDifference[] = [];
  for (const key of Object.keys(act)) {
    if (!(key in rec))
      out.push({ at: `${at}.${key}`, rule: 'extra', message: `"${key}" is not in the recording` });
    else out.push(...compareShape(rec[key], act[key], `${at}.${key}`));
  }
  for (const key of Object.keys(rec))
    if (!(key in act))
      out.push({ at: `${at}.${key}`, rule: 'missing', message: `recorded "${key}" is missing` });
  return out;
}
