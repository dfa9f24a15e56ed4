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

async function errorCodes(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, MAX_ERROR_BODY);
    const body = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const codes = (body.errors ?? [])
      .map((e) => [e.code, e.message].filter((x) => typeof x === 'string').join(': '))
      .filter(Boolean);
    return codes.length ? ` (${codes.join('; ').slice(0, 300)})` : '';
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
