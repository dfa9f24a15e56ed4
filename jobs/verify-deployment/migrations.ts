import type { JobContext } from '../../src/runner/job.js';

/**
 * Which post-deploy migrations were introduced between two packages (seed 002's rollback
 * question). Once they may have run, rolling back to a package without them is unsafe, so an
 * automatic rollback past them is refused. `unknown` (no record of one of the packages, a
 * compare that timed out) is treated like "some": a rollback that cannot be proven safe is not
 * automatic.
 */

export type PostMigrationsBetween = (from: string, to: string) => Promise<string[] | 'unknown'>;

/** Builds the lookup for a run. */
export type PostMigrationsSource = (ctx: JobContext) => PostMigrationsBetween;

/** Until track-post-deploy-migrations records packages, nothing is known. */
export const noRecordedMigrations: PostMigrationsSource = () => async () => 'unknown';
