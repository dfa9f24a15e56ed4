import { ForgeError, TransientError } from '../errors.js';
import { parseRetryAfter } from '../kit/retry-after.js';
import { mask } from '../secrets/masker.js';

/**
 * Registry answers mapped onto the engine's error types, so the job's retries treat them like
 * a forge's: 5xx/429 and network failures are transient, any other status is final. The
 * registry's own error codes (`MANIFEST_UNKNOWN`, `DIGEST_INVALID`, …) are kept in the message.
 */

export class RegistryError extends ForgeError {
  override name = 'RegistryError';
}

const MAX_ERROR_BODY = 64 * 1024;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * At most `limit` bytes of an answer's body, then the stream is cancelled: a registry or token
 * server that answers an endless body is not read to its end. `complete` says whether it ended.
 */
export async function readUpTo(res: Response, limit: number): Promise<{ text: string; complete: boolean }> {
  const reader = res.body?.getReader();
  if (!reader) return { text: '', complete: true };
  const chunks: Uint8Array[] = [];
  let total = 0;
  let complete = false;
  try {
    while (total <= limit) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return {
    text: Buffer.concat(chunks).subarray(0, limit).toString('utf8'),
    complete: complete && total <= limit,
  };
}

async function errorCodes(res: Response): Promise<string> {
  try {
    const body = JSON.parse((await readUpTo(res, MAX_ERROR_BODY)).text) as {
      errors?: { code?: unknown; message?: unknown }[];
    };
    const codes = (body.errors ?? [])
      .map((e) => [e.code, e.message].filter((x) => typeof x === 'string').join(': '))
      .filter(Boolean);
    // The registry's words go into logs and terminals: no control characters (no forged lines).
    const text = codes.join('; ').replace(CONTROL, ' ');
    return codes.length ? ` (${text.slice(0, 300)})` : '';
  } catch {
    return '';
  }
}

export async function answerError(res: Response, registry: string, what: string): Promise<Error> {
  const codes = await errorCodes(res);
  const message = mask(`${registry}: ${what} answered ${res.status}${codes}`);
  if (res.status >= 500 || res.status === 429)
    return new TransientError(message, parseRetryAfter(res.headers.get('retry-after')));
  return new RegistryError(message, res.status, registry, what);
}

export function networkError(error: unknown, registry: string, what: string): TransientError {
  const cause =
    error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
  return new TransientError(mask(`${registry}: ${what} failed: ${cause || String(error)}`), undefined, {
    cause: error,
  });
}
