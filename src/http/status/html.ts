/**
 * HTML built with a tagged template that escapes every interpolated value unless it is already
 * `Html`. Everything on the status page comes from forges, jobs or config (commit titles, MR
 * titles, summaries, log lines), so escaping is the default and opting out is explicit.
 */

export interface Html {
  readonly html: string;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * Markup made here (by `h` or `raw`). Checked by identity, not by shape: JSON from the store or a
 * forge that happens to be `{"html": "<script>…"}` is data, escaped like any other value.
 */
const made = new WeakSet<object>();

function markup(html: string): Html {
  const value = { html };
  made.add(value);
  return value;
}

/** Markup that is trusted as is: only for strings this module's callers wrote themselves. */
export function raw(text: string): Html {
  return markup(text);
}

function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && made.has(value);
}

function piece(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (isHtml(value)) return value.html;
  if (Array.isArray(value)) return value.map(piece).join('');
  return escapeHtml(String(value));
}

/**
 * The tag is deliberately not called `html`: prettier reformats templates tagged `html`, which
 * would change whitespace inside <pre> and the inlined stylesheet (whose CSP hash must match).
 */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1]!;
  return markup(out);
}

/**
 * A URL fit for an href: absolute http(s) only (no `javascript:`, `data:`, protocol-relative
 * tricks), normalised by the URL parser. Anything else is null and is shown as text, not a link.
 */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 4096) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  // Credentials in a link would end up in the page and in the browser history.
  if (parsed.username || parsed.password) return null;
  return parsed.href;
}

/** An external link, or the text alone when the URL is not http(s). */
export function link(url: unknown, text: unknown, attrs: { className?: string } = {}): Html {
  const href = safeUrl(url);
  if (!href) return h`<span class="${attrs.className ?? ''}">${text}</span>`;
  return h`<a class="${attrs.className ?? ''}" href="${href}" rel="noopener noreferrer">${text}</a>`;
}
