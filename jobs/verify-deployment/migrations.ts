import type { JobContext } from '../../src/runner/job.js';
import { MalformedVersionError } from '../../src/domain/auto-deploy-version.js';
import { postMigrationsBetween } from '../../src/domain/post-migration-lookup.js';

/**
 * Which post-deploy migrations were introduced between two packages (seed 002's rollback
 * question), from what track-post-deploy-migrations recorded. Once they may have run, rolling
 * back to a package without them is unsafe, so an automatic rollback past them is refused — and
 * so is one the record cannot vouch for (a package it never compared, a compare that timed out,
 * a version it cannot read): a rollback that cannot be proven safe is not automatic.
 */

export interface MigrationsAnswer {
  /** `db/post_migrate/…rb (14.8.…)`: each migration with the package that introduced it. */
  migrations: string[];
  /** Why the record cannot vouch for the range; empty when it can. */
  unknown: string[];
}

export type PostMigrationsBetween = (from: string, to: string) => Promise<MigrationsAnswer>;

/** Builds the lookup for a run. */
export type PostMigrationsSource = (ctx: JobContext) => PostMigrationsBetween;

export const recordedMigrations: PostMigrationsSource = (ctx) => async (from, to) => {
  try {
    const range = await postMigrationsBetween(ctx.store, from, to);
    return {
      migrations: range.migrations.map((m) => `${m.file} (${m.package})`),
      unknown: range.unknown.map((u) => `${u.version}: ${u.reason}`),
    };
  } catch (error) {
    if (error instanceof MalformedVersionError) return { migrations: [], unknown: [error.message] };
    throw error;
  }
};
