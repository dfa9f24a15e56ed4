import { currentForgeCall } from './call-context.js';
import { ForgeLimitError } from './answer-error.js';

/**
 * Bounds on what one forge can make a run do. A forge that always has a next page, answers
 * forever or answers a gigabyte must fail the run with a clear error, not hang it or exhaust its
 * memory. Defaults are far above anything a real project needs (and configurable per forge).
 */

/** Pages one Forge call may follow: 100 pages of 100 items. */
export const DEFAULT_MAX_PAGES_PER_CALL = 100;
/** Requests per forge per run (each retry counts). */
export const DEFAULT_MAX_REQUESTS_PER_RUN = 20_000;
/** A JSON (or text) API answer larger than this is refused; file downloads are streamed and not bound by it. */
export const DEFAULT_MAX_ANSWER_BYTES = 20 * 1024 * 1024;

export interface RequestBudget {
  readonly max: number;
  used: number;
}

export function requestBudget(max = DEFAULT_MAX_REQUESTS_PER_RUN): RequestBudget {
  return { max, used: 0 };
}

/** Spend one request of the run's budget, or fail the run. */
export function takeRequest(budget: RequestBudget, forge: string, what: string): void {
  budget.used++;
  if (budget.used <= budget.max) return;
  const call = currentForgeCall();
  throw new ForgeLimitError(
    forge,
    'requests-per-run',
    `the run used up its budget of ${budget.max} requests to this forge (at ${what}${call ? ` in ${call.operation}` : ''}); a forge that never stops paging or answering? raise forges.<name>.maxRequestsPerRun if this is a real workload`,
    what,
  );
}

/** GitLab says "more" with `x-next-page` (offset) or `link: rel="next"` (keyset); GitHub with `link`. */
export function hasNextPage(headers: Headers): boolean {
  if ((headers.get('x-next-page') ?? '').trim() !== '') return true;
  return /<[^>]*>\s*;\s*rel="?next"?/.test(headers.get('link') ?? '');
}

/**
 * Count a page of the current Forge call that says there is more. A call that followed
 * `maxPages` pages and is still told "next" is refused: the answer would be truncated or endless.
 */
export function countPage(forge: string, maxPages: number, what: string): void {
  const call = currentForgeCall();
  if (!call) return;
  call.pages++;
  if (call.pages < maxPages) return;
  throw new ForgeLimitError(
    forge,
    'pages-per-call',
    `${call.operation} followed ${call.pages} pages and the forge still says there is a next page (at ${what}); refusing an endless or truncated list (raise forges.<name>.maxPagesPerCall if the list is really that long)`,
    what,
  );
}

function tooLarge(forge: string, route: string, maxBytes: number, size: string): ForgeLimitError {
  return new ForgeLimitError(
    forge,
    'answer-bytes',
    `${route} answered ${size}, over the limit of ${maxBytes} bytes for an API answer (forges.<name>.maxAnswerMiB)`,
    route,
  );
}

/**
 * The body of an API answer as text, refusing one over `maxBytes` before reading it (by its
 * content-length) or while reading it (a chunked body has none), so it is never held whole.
 */
export async function readAnswerText(
  response: Response,
  maxBytes: number,
  forge: string,
  route: string,
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  // Cancels are not awaited: a cancelled clone (tee) settles only once its twin is cancelled too.
  if (Number.isFinite(declared) && declared > maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    throw tooLarge(forge, route, maxBytes, `${declared} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw tooLarge(forge, route, maxBytes, `more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
