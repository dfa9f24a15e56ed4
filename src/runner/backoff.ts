/** Exponential backoff with full jitter; a server's Retry-After wins when given. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  retryAfterMs?: number,
  random = Math.random,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return Math.round(random() * baseMs * 2 ** attempt);
}
