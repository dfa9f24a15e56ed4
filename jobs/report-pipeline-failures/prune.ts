import type { JobContext } from '../../src/runner/job.js';
import { keys, RECORD_TTL_MS, type Cursor, type PipelineRecord } from './state.js';

const DAY_MS = 86_400_000;

/** Once a day, forget records older than RECORD_TTL_MS (their pipelines are long behind every cursor). */
export async function prune(ctx: JobContext): Promise<number> {
  const now = ctx.now().getTime();
  const last = await ctx.state.get<number>(keys.prunedAt);
  if (last !== undefined && now - last < DAY_MS) return 0;
  let removed = 0;
  for (const prefix of ['pipeline:', 'closed:']) {
    for (const { key, value } of await ctx.state.list<PipelineRecord>(prefix)) {
      if (now - Date.parse(value.at) > RECORD_TTL_MS) {
        await ctx.state.delete(key);
        removed++;
      }
    }
  }
  // Cursors of merge request refs (one per MR ever watched) go once their MR is long gone.
  for (const { key, value } of await ctx.state.list<Cursor>('cursor:')) {
    if (key.includes(':refs/merge-requests/') && now - Date.parse(value.at) > RECORD_TTL_MS) {
      await ctx.state.delete(key);
      removed++;
    }
  }
  await ctx.state.set(keys.prunedAt, now);
  return removed;
}
