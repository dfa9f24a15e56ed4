import { z } from 'zod';
import { errorMessage } from '../../src/errors.js';
import { expiredProgress, SLACK_THREADS, type ThreadRecord } from '../../src/notify/threads.js';
import { combineStatus, defineJob, type ItemResult, type Step } from '../../src/runner/job.js';

/**
 * Proves the wiring end to end: every configured forge answers with the configured token, and
 * the store, Sentry check-ins and Slack routing work. A failure here is the first thing to look
 * at when other jobs fail (expired token, forge down). Housekeeping rides along: Slack progress
 * conversations quiet for 30 days (a bump settled long ago) are forgotten from the store.
 */

interface ForgetStep extends Step {
  kind: 'forget-conversation';
  key: string;
}
export default defineJob({
  name: 'heartbeat',
  description: 'Check that every configured forge answers with its token (and that the bot itself is alive).',
  schedule: '*/30 * * * *',
  timeoutSeconds: 120,
  options: z.object({
    /** Forges to check (default: all configured). */
    forges: z.array(z.string()).optional(),
  }),
  // The check only reads; apply forgets the settled conversations plan found.
  async plan(ctx, options) {
    const names = options.forges ?? Object.keys(ctx.config.forges);
    const items: ItemResult[] = [];
    for (const name of names) {
      try {
        const forge = ctx.forge(name);
        const user = await forge.currentUser();
        items.push({
          name,
          status: 'ok',
          summary: `${forge.links.product} at ${forge.webUrl} answers as @${user.username}`,
        });
      } catch (error) {
        items.push({ name, status: 'failed', summary: errorMessage(error) });
      }
    }
    const threads = await ctx.store.listState<ThreadRecord>(SLACK_THREADS);
    const steps: ForgetStep[] = expiredProgress(threads, ctx.now().getTime()).map((key) => ({
      kind: 'forget-conversation',
      key,
      description: `forget the Slack conversation ${key} (nothing said in it for 30 days)`,
    }));
    return { steps, names, items };
  },
  async apply(ctx, plan) {
    for (const step of plan.steps) await ctx.store.deleteState(SLACK_THREADS, step.key);
    return { actions: plan.steps.map((s) => ({ kind: s.kind, description: s.description, done: true })) };
  },
  report(_ctx, { names, items }) {
    const failed = items.filter((i) => i.status === 'failed');
    const status = names.length === 0 ? 'noop' : combineStatus(items.map((i) => i.status));
    const summary =
      names.length === 0
        ? 'no forges configured'
        : failed.length
          ? `${failed.length} of ${names.length} forge(s) unreachable: ${failed.map((f) => `${f.name} (${f.summary})`).join('; ')}`
          : `${names.length} forge(s) reachable`;
    return { status, summary, links: [], items };
  },
});
