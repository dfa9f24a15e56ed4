/**
 * `${NAME}` and `${NAME:-default}` in any string of the config are replaced from the
 * environment, so secrets stay out of the file. `$${...}` is a literal `${...}`.
 * Missing variables are collected (with the config path that uses them), not thrown one by one.
 */

export interface MissingVariable {
  name: string;
  path: string;
}

const PATTERN = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function formatPath(path: (string | number)[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out || '(root)';
}

export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  function walk(node: unknown, path: (string | number)[]): unknown {
    if (typeof node === 'string') {
      return node.replace(PATTERN, (match, escaped: string, name: string, fallback: string | undefined) => {
        if (escaped) return match.slice(1);
        const found = env[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        missing.push({ name, path: formatPath(path) });
        return '';
      });
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return node;
  }
  return { value: walk(value, []), missing };
}
