/**
 * Slack mrkdwn text helpers. Everything a forge gives us (commit titles, job names, branch and MR
 * titles) is untrusted: a commit titled `fix <!channel>` must not page a whole channel, so such
 * text goes through `escapeText` before it reaches any Slack text field.
 */

const ZERO_WIDTH_SPACE = '\u200B';
const ELLIPSIS = '…';

/**
 * Escapes `&`, `<`, `>` (Slack's control characters, which turn `<!here>`, `<@U123>` and
 * `<url|text>` into mentions and links) and breaks bare `@word` mentions with a zero-width space.
 * Every `@` at a word start is broken, not only `@here`/`@channel`/`@everyone`: with `link_names`
 * (needed for a trusted `@group` mention) Slack would otherwise turn `@gitaly-team` in a commit
 * title into a group ping. `@` inside a word (an email address) is left alone.
 */
export function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(^|[^\p{L}\p{N}_.+-])([@＠])(?=[\p{L}\p{N}_])/gu, `$1$2${ZERO_WIDTH_SPACE}`);
}

const SUBTEAM = /^<!subteam\^[A-Z0-9]+(\|@?[\w.-]+)?>$/;
const USER = /^<@[UW][A-Z0-9]+(\|[\w.-]+)?>$/;
const HANDLE = /^@[a-z0-9][\w.-]*$/i;

/** Whether `mention` looks like a mention a config author wrote on purpose (`<!subteam^ID>`, `<!subteam^ID|@handle>`, `<@U…>`, `@group`). */
export function isTrustedMention(mention: string): boolean {
  if (mention.length > 200) return false;
  return SUBTEAM.test(mention) || USER.test(mention) || HANDLE.test(mention);
}

/**
 * A trusted mention from the config, raw; anything that does not look like one is escaped like
 * forge text, so a typo or an injected value can never broadcast.
 */
export function renderMention(mention: string | undefined): { text: string; linkNames: boolean } | undefined {
  const trimmed = mention?.trim();
  if (!trimmed) return undefined;
  if (!isTrustedMention(trimmed))
    return { text: truncate(escapeText(oneLine(trimmed)), 200), linkNames: false };
  // A bare `@group` only becomes a mention with link_names; the `<…>` forms never need it.
  return { text: trimmed, linkNames: trimmed.startsWith('@') };
}

/** An http(s) URL fit for `<url|text>` and buttons, or undefined. `|`, `<`, `>` and spaces are percent-encoded. */
export function safeUrl(url: string, maxLength = 3000): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const href = parsed.href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
  return href.length <= maxLength ? href : undefined;
}

/** `<url|text>` with the text escaped, or just the escaped text when the URL is not http(s). */
export function slackLink(url: string, text: string): string {
  const href = safeUrl(url);
  const label = escapeText(text.replace(/[\r\n]+/g, ' '));
  return href ? `<${href}|${label || href}>` : label;
}

/**
 * Cuts already-escaped text to `max` characters with an ellipsis, never inside an entity
 * (`&amp;`) or a surrogate pair, so a cut can neither show garbage nor re-create a `<`.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= ELLIPSIS.length) return ELLIPSIS.slice(0, max);
  return cutAt(text, max - ELLIPSIS.length) + ELLIPSIS;
}

/** The longest prefix of `text` no longer than `max` that ends on a safe boundary. */
export function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  // Escaped text only has `&` at the start of `&amp;`, `&lt;` or `&gt;` (at most 5 characters).
  const amp = text.lastIndexOf('&', end - 1);
  if (amp !== -1 && end - amp < 5 && !text.slice(amp, end).includes(';')) end = amp;
  return text.slice(0, end);
}

/**
 * Splits escaped text into chunks of at most `max` characters, preferring line breaks, then
 * spaces, then a safe hard cut.
 */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = cutAt(rest, max);
    let at = window.lastIndexOf('\n');
    if (at < max / 2) at = window.lastIndexOf(' ');
    if (at < max / 2) at = window.length;
    chunks.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).replace(/^[\n ]/, '');
  }
  if (rest.trim()) chunks.push(rest);
  return chunks.filter((c) => c.trim() !== '');
}

/** Single-line form of untrusted text (headers, buttons, list items). */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
