import { createRequesterFn, type RequestOptions } from '@gitbeaker/requester-utils';
import { ForgeError } from '../../errors.js';
import { mask } from '../../secrets/masker.js';
import { DEFAULT_MAX_ANSWER_BYTES, readAnswerText } from '../limits.js';
import { errorFromResponse } from './errors.js';

/**
 * A gitbeaker requester that sends every request through our one HTTP path (createForgeFetch:
 * retries honouring Retry-After, dry-run and token-host guards, metrics) instead of gitbeaker's
 * own fetch loop, and parses answers the way gitbeaker's default handler does. gitbeaker's
 * retry loop and rate limiter never run: our fetch already retries 429/5xx.
 */

/** Endpoints that legitimately answer something other than JSON (file contents, job logs, archives). */
const RAW_ENDPOINT = /\/(raw|trace|archive)(\.[\w.]+)?$/;

/**
 * Parses like gitbeaker's default handler, but an answer that is not the JSON the API speaks (an
 * HTML login page from a proxy, a truncated body) is an error naming what came back, instead of
 * a string or a half-object flowing into a job as if it were data.
 */
async function processBody(
  forge: string,
  method: string,
  url: URL,
  response: Response,
  maxBytes: number,
): Promise<unknown> {
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const route = `${method} ${mask(decodeURIComponent(url.pathname))}`;
  if (contentType === 'application/json') {
    const text = await readAnswerText(response, maxBytes, forge, route);
    if (text === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ForgeError(
        `${forge}: ${route} answered invalid JSON (${text.length} bytes, starting ${JSON.stringify(mask(text.slice(0, 60)))})`,
        502,
        forge,
        route,
      );
    }
  }
  if (!RAW_ENDPOINT.test(url.pathname)) {
    const sample = contentType.startsWith('text/')
      ? mask((await readAnswerText(response, maxBytes, forge, route)).slice(0, 80).replace(/\s+/g, ' '))
      : '';
    throw new ForgeError(
      `${forge}: ${route} answered ${contentType || 'no content type'} instead of JSON${sample ? ` (${JSON.stringify(sample)})` : ''}: is a proxy or login page in front of the API?`,
      502,
      forge,
      route,
    );
  }
  if (contentType.startsWith('text/')) return readAnswerText(response, maxBytes, forge, route);
  return response.blob();
}

export function createGitlabRequester(
  forge: string,
  forgeFetch: typeof fetch,
  maxAnswerBytes = DEFAULT_MAX_ANSWER_BYTES,
) {
  return createRequesterFn(
    (_service, options) => Promise.resolve(options),
    async (endpoint, raw) => {
      const {
        prefixUrl,
        searchParams,
        method = 'GET',
        headers,
        body,
        asStream,
        signal,
      } = (raw ?? {}) as RequestOptions;
      const base = prefixUrl && !prefixUrl.endsWith('/') ? `${prefixUrl}/` : prefixUrl;
      const url = new URL(endpoint, base);
      url.search = searchParams ?? '';
      const response = await forgeFetch(url, { method, headers, body, signal });
      if (!response.ok) throw await errorFromResponse(forge, method, url, response);
      const responseHeaders = Object.fromEntries(response.headers.entries());
      let parsed: unknown;
      if (asStream) parsed = response.body;
      else
        parsed =
          response.status === 204 ? null : await processBody(forge, method, url, response, maxAnswerBytes);
      return { body: parsed as never, headers: responseHeaders, status: response.status };
    },
  );
}
