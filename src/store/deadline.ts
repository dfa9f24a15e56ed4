/**
 * Time limits for store calls. A database that stops answering without closing the connection (a
 * network partition, a dropped NAT entry) would otherwise leave a run, or the whole process,
 * waiting forever: every call gets a bound on the client side, whatever the server does.
 */

/** The store did not answer within its time limit. */
export class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
}

/** RELEASE_BOT_STORE_TIMEOUT_SECONDS: the limit of one store call (default 30 s). */
export function storeTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.RELEASE_BOT_STORE_TIMEOUT_SECONDS;
  if (!raw) return 30_000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`RELEASE_BOT_STORE_TIMEOUT_SECONDS: expected a number of seconds > 0 (got "${raw}")`);
  return seconds * 1000;
}

/** `promise`, or a StoreTimeoutError once `ms` have passed (the promise is left to settle on its own). */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
