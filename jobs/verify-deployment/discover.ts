import type { Deployment } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { Options, Target } from './options.js';
import { keys, pendingOf, readCursor, type PendingRecord, type VerdictRecord } from './records.js';

/**
 * Polling: the successful deployments to a target's environment that the job has not seen yet.
 * The first run only records where it starts (history is not verified). When several new
 * deployments arrived since the last run, only the newest is live: the older ones are
 * superseded, not verified. Deployments left pending by a killed run come back here.
 * In dry-run nothing is written: the same deployments are found again by the next real run.
 */

/** Deployments read per poll (on GitHub each costs a request for its status). */
const DISCOVER_LIMIT = 5;
const CURSOR_OVERLAP_MS = 3_600_000;

export interface Discovery {
  target: Target;
  /** First run: the newest deployment the cursor starts from (not verified). */
  firstRun: { newest: Deployment | null } | null;
  /** To verify (or, when they carry a verdict, to finish acting on), oldest first. */
  records: PendingRecord[];
  superseded: Deployment[];
}

export async function discover(ctx: JobContext, options: Options, target: Target): Promise<Discovery> {
  const forge = ctx.forge(target.forge);
  const cursor = await readCursor(ctx.state, target);
  const recent = await forge.deployments.list(target.project, {
    environment: target.environment,
    status: 'success',
    sort: 'desc',
    // Only the newest new one is verified; a few more are enough to report the superseded ones.
    limit: DISCOVER_LIMIT,
    // Only what changed since the last poll (with an hour's overlap; ids at or below the cursor
    // are dropped below): a poll then costs what changed, not what the environment's history
    // holds (GitHub has no status filter: without this, a run of failed deploys was paged through).
    ...(cursor ? { updatedAfter: new Date(Date.parse(cursor.at) - CURSOR_OVERLAP_MS).toISOString() } : {}),
  });
  const newestId = Math.max(0, ...recent.map((d) => d.id));
  const writeCursor = async (id: number) => {
    if (ctx.dryRun) return;
    await ctx.state.set(keys.cursor(target), {
      forge: target.forge,
      project: target.project,
      id,
      at: ctx.now().toISOString(),
    });
  };

  if (!cursor) {
    await writeCursor(newestId);
    return {
      target,
      firstRun: { newest: recent.find((d) => d.id === newestId) ?? null },
      records: [],
      superseded: [],
    };
  }

  const known = new Map((await pendingOf(ctx.state, target)).map((r) => [r.deployment.id, r]));
  for (const d of recent.filter((x) => x.id > cursor.id).sort((a, b) => a.id - b.id)) {
    if (known.has(d.id)) continue;
    // Verified by hand (`--environment … --deployment …`) before the poll saw it.
    if (await ctx.state.get<VerdictRecord>(keys.verdict(target, d.id))) continue;
    known.set(d.id, { deployment: d, discoveredAt: ctx.now().toISOString() });
  }

  const all = [...known.values()].sort((a, b) => a.deployment.id - b.deployment.id);
  const newest = all.filter((r) => !r.verdict).at(-1);
  const superseded = all.filter((r) => !r.verdict && r !== newest).map((r) => r.deployment);
  const records = all.filter((r) => r.verdict || r === newest);

  if (!ctx.dryRun) {
    for (const r of records) await ctx.state.set(keys.pending(target, r.deployment.id), r);
    for (const d of superseded) await ctx.state.delete(keys.pending(target, d.id));
  }
  if (newestId > cursor.id) await writeCursor(newestId);
  return { target, firstRun: null, records, superseded };
}
