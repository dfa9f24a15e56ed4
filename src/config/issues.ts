import type { z } from 'zod';
import { formatPath } from './env.js';

/**
 * Zod issues → one line each, naming the config path:
 * `jobs.update-component.components[0].target.project: required`,
 * `jobs.update-component.components[0].trget: unknown key (did you mean "target"?)`.
 */

type Issue = z.core.$ZodIssue;

export function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function suggest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

interface Def {
  type: string;
  shape?: Record<string, { _zod: { def: Def } }>;
  innerType?: { _zod: { def: Def } };
  in?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  valueType?: { _zod: { def: Def } };
  options?: { _zod: { def: Def } }[];
}

/** Keys an object schema accepts at `path` (walking optional/default/array/record/union wrappers). */
export function knownKeysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  const keys = new Set<string>();
  function visit(def: Def, rest: PropertyKey[]): void {
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
        if (def.innerType) visit(def.innerType._zod.def, rest);
        return;
      case 'pipe':
        if (def.in) visit(def.in._zod.def, rest);
        return;
      case 'union':
        for (const option of def.options ?? []) visit(option._zod.def, rest);
        return;
      case 'array':
        if (def.element && rest.length > 0) visit(def.element._zod.def, rest.slice(1));
        return;
      case 'record':
        if (def.valueType && rest.length > 0) visit(def.valueType._zod.def, rest.slice(1));
        return;
      case 'object': {
        const shape = def.shape ?? {};
        if (rest.length === 0) {
          for (const k of Object.keys(shape)) keys.add(k);
          return;
        }
        const child = shape[String(rest[0])];
        if (child) visit(child._zod.def, rest.slice(1));
        return;
      }
    }
  }
  visit((schema as unknown as { _zod: { def: Def } })._zod.def, path);
  return [...keys];
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describe(issue: Issue, root: unknown): string {
  const actual = valueAt(root, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (actual === undefined) return 'required';
      return `expected ${issue.expected}, got ${Array.isArray(actual) ? 'array' : actual === null ? 'null' : typeof actual}${
        typeof actual === 'string' || typeof actual === 'number' ? ` (${JSON.stringify(actual)})` : ''
      }`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(actual)}`;
    case 'invalid_union': {
      // Prefer the most specific branch's explanation.
      const nested = issue.errors.flat();
      const custom = nested.find((n) => n.code === 'custom');
      return custom ? custom.message : issue.message;
    }
    default:
      return issue.message;
  }
}

export function formatIssues(issues: Issue[], schema: z.ZodType, root: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        lines.push(
          `${formatPath([...issue.path.map((p) => (typeof p === 'number' ? p : String(p))), key])}: unknown key${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (expected one of: ${known.join(', ')})` : ''}`,
        );
      }
      continue;
    }
    lines.push(
      `${formatPath(issue.path.map((p) => (typeof p === 'number' ? p : String(p))))}: ${describe(issue, root)}`,
    );
  }
  return lines;
}
