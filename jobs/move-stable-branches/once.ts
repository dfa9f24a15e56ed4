import { createHash } from 'node:crypto';
import type { JobContext } from '../../src/runner/job.js';

/**
 * Slack and Sentry cannot be asked what they already got, so what was sent is remembered in the
 * store. Sent first, remembered after: a run killed in between sends it again (at least once),
 * never not at all.
 */
export async function sendOnce(ctx: JobContext, key: string, send: () => Promise<void>): Promise<boolean> {
  if (ctx.dryRun) return false;
  const stateKey = `sent:${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
  if (await ctx.state.get(stateKey)) return false;
  await send();
  await ctx.state.set(stateKey, { at: ctx.now().toISOString(), key });
  return true;
}
