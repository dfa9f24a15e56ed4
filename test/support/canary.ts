/**
 * Canary secrets: plant a unique, token-looking value where a secret goes (a forge token, a
 * webhook URL), run the code, then search every output (logs, errors, Slack payloads, Sentry
 * envelopes, stored history) for it.
 *
 *   const token = canaryToken('gitlab');
 *   registerSecret(token);
 *   // ... run with the token configured
 *   assertNoCanary(token, [logs, slack.requests, sentry.envelopes.map((e) => e.raw)]);
 */
import { randomBytes } from 'node:crypto';

export interface CanaryHit {
  /** Index in the list of outputs given to `findCanary`. */
  index: number;
  /** How the token appeared: `raw`, `url-encoded` or `base64`. */
  form: string;
  /** A little text around the hit, for the failure message. */
  excerpt: string;
}

/** A unique value that looks like an access token (`<label>-canary-<40 hex>`) and appears nowhere by chance. */
export function canaryToken(label = 'secret'): string {
  return `${label}-canary-${randomBytes(20).toString('hex')}`;
}

/**
 * Where `token` appears in `outputs`: strings as they are, Buffers as UTF-8, Errors with
 * message, stack and own properties, anything else JSON-stringified. The URL-encoded and base64
 * forms count too (a token in a query string or a Basic auth header is still a leak).
 */
export function findCanary(token: string, outputs: unknown[]): CanaryHit[] {
  const forms: Array<[string, string]> = [
    ['raw', token],
    ['url-encoded', encodeURIComponent(token)],
    ['base64', Buffer.from(token).toString('base64')],
  ];
  const hits: CanaryHit[] = [];
  outputs.forEach((output, index) => {
    const text = stringify(output);
    for (const [form, needle] of forms) {
      const at = text.indexOf(needle);
      if (at !== -1) {
        hits.push({ index, form, excerpt: text.slice(Math.max(0, at - 60), at + needle.length + 60) });
      }
    }
  });
  return hits;
}

/** Throws, naming every place the token was found. */
export function assertNoCanary(token: string, outputs: unknown[], what = 'outputs'): void {
  const hits = findCanary(token, outputs);
  if (!hits.length) return;
  const lines = hits.map((h) => `#${h.index} (${h.form}): …${h.excerpt}…`);
  throw new Error(`canary secret leaked into ${what}:\n  ${lines.join('\n  ')}`);
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Error) {
    return [
      value.name,
      value.message,
      value.stack ?? '',
      safeJson({ ...value }),
      stringify(value.cause),
    ].join('\n');
  }
  return safeJson(value);
}

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
        // Buffer.toJSON runs before the replacer: look at the original value to keep its text.
        const original = this[key];
        if (Buffer.isBuffer(original)) return original.toString('utf8');
        if (typeof v === 'bigint') return v.toString();
        if (v instanceof Error) return stringify(v);
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
        }
        return v;
      }) ?? ''
    );
  } catch {
    return String(value);
  }
}
