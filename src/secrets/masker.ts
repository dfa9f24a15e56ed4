/**
 * One process-wide set of secret values (tokens, webhook URLs, DSN keys). Everything that
 * leaves the process — logs, errors, Sentry events, Slack text, stored history, the status
 * page — passes through `mask`, so a secret registered once can never leak through a
 * path someone forgot. (semantic-release's hide-sensitive does the same.)
 */

const MASK = '[MASKED]';
/** Shorter values would mask ordinary words; real tokens are far longer. */
const MIN_SECRET_LENGTH = 6;

const secrets = new Set<string>();
let pattern: RegExp | null = null;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function variants(value: string): string[] {
  // A secret can appear URL-encoded (in a query string) or base64-encoded (basic auth).
  const out = new Set([value, encodeURIComponent(value), Buffer.from(value).toString('base64')]);
  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  let added = false;
  for (const v of variants(value)) {
    if (!secrets.has(v)) {
      secrets.add(v);
      added = true;
    }
  }
  if (added) {
    // Longest first so a secret containing another is masked whole.
    const sorted = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    pattern = new RegExp(sorted.join('|'), 'g');
  }
}

export function mask(text: string): string {
  if (!pattern || !text) return text;
  return text.replace(pattern, MASK);
}

/** Deep copy of a JSON-like value with every string masked. */
export function maskDeep<T>(value: T): T {
  if (!pattern) return value;
  return walk(value, new WeakMap()) as T;
}

function walk(value: unknown, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return mask(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(walk(item, seen));
    return out;
  }
  if (value instanceof Error) {
    const copy = new Error(mask(value.message));
    copy.name = value.name;
    copy.stack = value.stack ? mask(value.stack) : undefined;
    return copy;
  }
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = walk(v, seen);
  return out;
}

/** For tests: forget every registered secret. */
export function resetSecrets(): void {
  secrets.clear();
  pattern = null;
}

export const MASK_TEXT = MASK;
