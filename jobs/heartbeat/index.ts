import { z } from 'zod';
import { errorMessage } from '../../src/errors.js';
import { combineStatus, defineJob, type ItemResult } from '../../src/runner/job.js';

/**
 * Proves the wiring end to end: every configured forge answers with the configured token, and
 * the store, Sentry check-ins and Slack routing work. A failure here is the first thing to look
 * at when other jobs fail (expired token, forge down).
 */
export default defineJob({
  name: 'heartbeat',
  description: 'Check that every configured forge answers with its token (and that the bot itself is alive).',
  schedule: '*/30 * * * *',
  timeoutSeconds: 120,
  options: z.object({
    /** Forges to check (default: all configured). */
    forges: z.array(z.string()).optional(),
  }),
  // Only reads: the plan is the check, there is nothing to apply.
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
    return { steps: [], names, items };
  },
  async apply() {
    return { actions: [] };
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
