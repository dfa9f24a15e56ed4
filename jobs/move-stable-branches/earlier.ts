import type { Commit } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { RepoOutcome } from './move.js';
import type { Options } from './options.js';
import { planProgress } from './progress.js';

/**
 * Repos an earlier poll of the same plan created or moved (the store says so and the branch is
 * where that poll put it) show as created / moved in the final report, with their commits,
 * instead of "even": the report of a move that waited for builds covers every poll of it.
 */
export async function withRecordedMoves(
  ctx: JobContext,
  options: Options,
  hash: string,
  outcomes: RepoOutcome[],
): Promise<RepoOutcome[]> {
  const progress = planProgress(ctx, hash);
  const forge = ctx.forge(options.forge);
  return Promise.all(
    outcomes.map(async (o) => {
      if (o.status !== 'even') return o;
      const record = await progress.get(o.plan.name);
      if (!record || record.hash !== hash || record.to !== o.plan.stable) return o;
      if (record.action === 'create')
        return {
          plan: { ...o.plan, stable: null, commits: [] },
          status: 'moved' as const,
          summary: `created at ${record.to.slice(0, 12)} by an earlier run of this plan${record.protection ? `; ${record.protection}` : ''}`,
          earlier: true,
          created: true,
        };
      if (!record.from || record.from === record.to) return o;
      let commits: Commit[] = [];
      try {
        commits = (await forge.repo.compare(o.plan.repo.project, record.from, record.to)).commits;
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        ctx.log.warn({ err: error, repo: o.plan.name }, 'could not list the commits of an earlier move');
      }
      return {
        plan: { ...o.plan, stable: record.from, commits, fastForward: true },
        status: 'moved' as const,
        summary: 'moved by an earlier run of this plan',
        earlier: true,
      };
    }),
  );
}
