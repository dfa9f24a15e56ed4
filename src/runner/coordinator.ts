/**
 * The store key of a job's slot: the scheduled time in UTC, the same on every replica. Replicas
 * whose clocks differ by a few seconds compute the same key, and the store lets exactly one of
 * them claim it (the key format is unchanged from the node-cron coordinator it replaced, so old
 * and new replicas agree during a rolling upgrade).
 */
export function slotKey(job: string, slotIso: string): string {
  return `${job}:${slotIso}`;
}
