/**
 * `WWW-Authenticate` as registries send it (RFC 7235 auth-params): `Bearer realm="…",
 * service="…",scope="repository:a/b:pull,push"` or `Basic realm="…"`. Quoted values may hold
 * commas (scopes do), so this is a small tokenizer rather than a split.
 */

export interface Challenge {
  scheme: 'bearer' | 'basic' | 'other';
  params: Record<string, string>;
}

export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const params: Record<string, string> = {};
  const param = /\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/gy;
  const rest = m[2]!;
  param.lastIndex = 0;
  for (let p = param.exec(rest); p; p = param.exec(rest))
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme: scheme === 'bearer' ? 'bearer' : scheme === 'basic' ? 'basic' : 'other', params };
}
