import { TransientError, errorMessage } from '../../src/errors.js';
import { parseDuration } from '../../src/kit/duration.js';
import { backoffDelay } from '../../src/kit/backoff.js';
import { sleep } from '../../src/kit/sleep.js';
import type { JobContext } from '../../src/runner/job.js';
import type { Options } from './options.js';

/**
 * Retries one package step. The HTTP layer cannot retry a streamed upload (the body is gone
 * once sent), so the whole step — a fresh download piped into a fresh upload — is repeated
 * here. Only transient failures are retried: 5xx/429 (TransientError) and network errors
 * while a body streams (undici's TypeError). A refusal or a 4xx is final.
 */

function retryable(error: unknown): boolean {
  return error instanceof TransientError || error instanceof TypeError;
}

export async function withRetry<T>(
  ctx: JobContext,
  options: Options,
  what: string,
  step: () => Promise<T>,
): Promise<T> {
  const attempts = options.retry.attempts;
  const baseMs = parseDuration(options.retry.delay)!;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? error;
      if (!retryable(error)) throw error;
      // Given up: a plain error, so the package fails on its own instead of the runner
      // retrying the whole run (the other packages are done already).
      if (attempt >= attempts)
        throw new Error(
          `${errorMessage(error)} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
          {
            cause: error,
          },
        );
      const delay = backoffDelay(
        attempt - 1,
        baseMs,
        error instanceof TransientError ? error.retryAfterMs : undefined,
      );
      ctx.log.warn(
        { attempt, delayMs: delay },
        `${what}: transient failure, retrying: ${errorMessage(error)}`,
      );
      await sleep(delay, ctx.signal);
    }
  }
}
