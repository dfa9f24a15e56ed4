/**
 * Exponential backoff; a server's Retry-After wins when given. "full" jitter draws the wait from
 * [0, base·2^attempt] (spreads many clients best); "equal" jitter from [half, whole] of it, for a
 * caller that must not retry almost at once (Slack's webhook).
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  retryAfterMs?: number,
  random = Math.random,
  jitter: 'full' | 'equal' = 'full',
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = baseMs * 2 ** attempt;
  if (jitter === 'equal') return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.round(random() * ceiling);
}
