import { createRequesterFn, type RequestOptions } from '@gitbeaker/requester-utils';
import { errorFromResponse } from './errors.js';

/**
 * A gitbeaker requester that sends every request through our one HTTP path (createForgeFetch:
 * retries honouring Retry-After, dry-run and token-host guards, metrics) instead of gitbeaker's
 * own fetch loop, and parses answers the way gitbeaker's default handler does. gitbeaker's
 * retry loop and rate limiter never run: our fetch already retries 429/5xx.
 */

async function processBody(response: Response): Promise<unknown> {
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (contentType === 'application/json') return response.json().then((v: unknown) => v || {});
  if (contentType.startsWith('text/')) return response.text().then((t) => t || '');
  return response.blob();
}

export function createGitlabRequester(forge: string, forgeFetch: typeof fetch) {
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
      else parsed = response.status === 204 ? null : await processBody(response);
      return { body: parsed as never, headers: responseHeaders, status: response.status };
    },
  );
}
