import { parseVersion } from '../../src/domain/auto-deploy-version.js';
import { listPackages, type PackageSummary } from '../../src/domain/post-migration-lookup.js';
import type { JobContext } from '../../src/runner/job.js';

/**
 * The post-deploy migrations a promoted version brings, from what track-post-deploy-migrations
 * recorded (src/domain): release managers publish knowing which background migrations the
 * package will run. An auto-deploy package version (`14.8.202202080920-<sha>.<sha>`) lists its
 * own; a release version (`14.8.0`, `14.8.1+ee.0`) lists those of every recorded package of its
 * monthly release (`14.8`). Read-only; a version the record does not know says so.
 */

export interface VersionMigrations {
  /** What the list covers: `package 14.8.…` or `release 14.8 (3 packages)`. */
  scope: string;
  migrations: { file: string; package: string }[];
  /** Packages whose post-deploy migrations are unknown (compare timed out, never compared). */
  unknown: string[];
  /** Nothing recorded for the version. */
  none: boolean;
}

function fromPackages(scope: string, packages: PackageSummary[]): VersionMigrations {
  return {
    scope,
    migrations: packages.flatMap((p) => (p.migrations ?? []).map((file) => ({ file, package: p.version }))),
    unknown: packages
      .filter((p) => p.migrations === null)
      .map((p) => `${p.version}: ${p.unknownReason ?? 'unknown'}`),
    none: packages.length === 0,
  };
}

export async function versionMigrations(ctx: JobContext, versions: string[]): Promise<VersionMigrations> {
  const packages = await listPackages(ctx.store);
  for (const spelling of versions) {
    let canonical: string;
    try {
      canonical = parseVersion(spelling).version;
    } catch {
      continue;
    }
    const own = packages.filter((p) => p.version === canonical);
    return fromPackages(`package ${canonical}`, own);
  }
  const release = /^(\d+)\.(\d+)\.\d+/.exec(versions[0] ?? '');
  if (!release) return { scope: versions[0] ?? '', migrations: [], unknown: [], none: true };
  const name = `${Number(release[1])}.${Number(release[2])}`;
  const of = packages.filter((p) => p.release === name);
  return fromPackages(`release ${name} (${of.length} package${of.length === 1 ? '' : 's'})`, of);
}

export function migrationsLine(m: VersionMigrations): string {
  if (m.none) return `none recorded for ${m.scope} by track-post-deploy-migrations`;
  const unknown = m.unknown.length ? `; unknown for ${m.unknown.join(', ')}` : '';
  if (m.migrations.length === 0) return `none in ${m.scope}${unknown}`;
  return `${m.migrations.length} in ${m.scope}${unknown}`;
}

/** For the run summary (terminal, history): only when there is something to know. */
export function migrationsSuffix(m: { files: { file: string }[]; unknown: string[] }): string {
  const shown = m.files.slice(0, 3).map((f) => f.file.split('/').pop());
  const more = m.files.length > 3 ? ` and ${m.files.length - 3} more` : '';
  const files = m.files.length ? ` — post-deploy migrations: ${shown.join(', ')}${more}` : '';
  const unknown = m.unknown.length
    ? ` — post-deploy migrations unknown for ${m.unknown.length} package(s)`
    : '';
  return `${files}${unknown}`;
}
