/**
 * Hidden markers let the bot recognise what it wrote (an MR description, a note, an issue)
 * without trusting titles, which humans edit. A marker is an HTML comment, invisible when
 * rendered: `<!-- release-bot:update-component {"component":"gitaly","sha":"…"} -->`.
 */

const PATTERN = /<!--\s*release-bot:([\w-]+)\s+(\{.*?\})\s*-->/gs;

export function marker(kind: string, data: Record<string, unknown>): string {
  // `--` would end the comment early; JSON never needs it outside strings, so escape it there.
  return `<!-- release-bot:${kind} ${JSON.stringify(data).replace(/--/g, '\\u002d\\u002d')} -->`;
}

/** All markers of `kind` in `text` (a body may quote another). */
export function readMarkers<T = Record<string, unknown>>(text: string | null | undefined, kind: string): T[] {
  if (!text) return [];
  const found: T[] = [];
  for (const m of text.matchAll(PATTERN)) {
    if (m[1] !== kind) continue;
    try {
      found.push(JSON.parse(m[2]!) as T);
    } catch {
      // A hand-edited, broken marker is ignored rather than trusted.
    }
  }
  return found;
}

export function readMarker<T = Record<string, unknown>>(
  text: string | null | undefined,
  kind: string,
): T | undefined {
  return readMarkers<T>(text, kind)[0];
}
