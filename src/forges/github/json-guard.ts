import { ForgeError } from '../../errors.js';
import { mask } from '../../secrets/masker.js';
import { DEFAULT_MAX_ANSWER_BYTES, readAnswerText } from '../limits.js';

/**
 * Octokit hands a body it cannot parse to the caller as a string (truncated JSON, an HTML login
 * page from a proxy). This fetch wrapper turns such answers into a ForgeError naming what came
 * back, unless the request asked for a raw media type (file contents, diffs).
 */

const RAW_ACCEPT = /raw|diff|patch|octet-stream|\.sha|html/;

export function jsonGuard(
  forge: string,
  inner: typeof fetch,
  maxAnswerBytes = DEFAULT_MAX_ANSWER_BYTES,
): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await inner(input, init);
    if (!response.ok || response.status === 204) return response;
    const accept = new Headers(init?.headers).get('accept') ?? '';
    // A package download is streamed to its destination; packages.ts bounds it, not this.
    if (/octet-stream/.test(accept)) return response;
    const method = (init?.method ?? 'GET').toUpperCase();
    const href = input instanceof Request ? input.url : input.toString();
    const route = `${method} ${mask(href.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0]!)}`;
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    // Octokit reads every other answer whole (raw file contents too), so each is bounded.
    let text: string;
    try {
      // Read a copy, so the response handed on keeps everything (its URL, which Octokit reports).
      text = await readAnswerText(response.clone(), maxAnswerBytes, forge, route);
    } catch (error) {
      await response.body?.cancel();
      throw error;
    }
    if (RAW_ACCEPT.test(accept)) return response;
    if (!contentType.includes('json')) {
      if (text === '') return response;
      throw new ForgeError(
        `${forge}: ${route} answered ${contentType || 'no content type'} instead of JSON (${JSON.stringify(mask(text.slice(0, 80).replace(/\s+/g, ' ')))}): is a proxy or login page in front of the API?`,
        502,
        forge,
        route,
      );
    }
    try {
      JSON.parse(text);
    } catch {
      throw new ForgeError(
        `${forge}: ${route} answered invalid JSON (${text.length} bytes, starting ${JSON.stringify(mask(text.slice(0, 60)))})`,
        502,
        forge,
        route,
      );
    }
    return response;
  }) as typeof fetch;
}
