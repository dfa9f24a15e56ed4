import { UsageError } from '../errors.js';
import type { Store } from '../store/types.js';
import {
  loadRecords,
  type EnvironmentDeploy,
  type NoteState,
  type PackageRecord,
} from './post-migration-records.js';
import { compareVersions, parseRelease, parseVersion } from './auto-deploy-version.js';

/**
 * Answers from what track-post-deploy-migrations recorded, for the `release-bot migrations` CLI
 * and for other jobs (verify-deployment refuses an automatic rollback past post-deploy
 * migrations with `postMigrationsBetween`). Reads the store only; never a forge.
 */

type StateReader = Pick<Store, 'listState'>;

export interface PackageSummary {
  version: string;
  release: string;
  /** First successful deployment per environment. */
  environments: Record<string, EnvironmentDeploy>;
  /** The package it was compared with. */
  previous: string | null;
  /** null: unknown (see `unknownReason`). */
  migrations: string[] | null;
  unknownReason?: string;
  compareUrl: string | null;
  note: NoteState | null;
}

function summary(record: PackageRecord): PackageSummary {
  const a = record.analysis;
  return {
    version: record.version,
    release: record.release,
    environments: record.environments,
    previous: a?.previous ?? null,
    migrations: a ? a.migrations : null,
    ...(a?.unknownReason ? { unknownReason: a.unknownReason } : {}),
    compareUrl: a?.compareUrl ?? null,
    note: record.note,
  };
}

/** Packages that reached the followed environment (and were compared), oldest first; optionally of one release (`14.8`). */
export async function listPackages(
  store: StateReader,
  query: { release?: string } = {},
): Promise<PackageSummary[]> {
  const release = query.release === undefined ? undefined : parseRelease(query.release);
  if (query.release !== undefined && !release)
    throw new UsageError(`--release ${query.release}: expected MAJOR.MINOR, e.g. 14.8`);
  return (await loadRecords(store))
    .filter((r) => r.analysis && (!release || r.release === release.release))
    .map(summary);
}

export interface MigrationMatch {
  file: string;
  /** The package that introduced it (the oldest one listing it). */
  package: PackageSummary;
  /** Later packages that list it again (after a rollback on the baseline), if any. */
  alsoIn: string[];
}

function matches(file: string, query: string): boolean {
  const q = query.trim().replace(/^\/+/, '');
  const base = file.split('/').pop()!;
  if (/^\d{14}$/.test(q)) return base.startsWith(`${q}_`);
  if (q.includes('/')) return file === q || file.endsWith(`/${q}`);
  return base === q || base.replace(/\.rb$/, '') === q.replace(/\.rb$/, '');
}

/** Which package introduced a post-migration, by path, file name or 14-digit timestamp. */
export async function whichPackage(store: StateReader, query: string): Promise<MigrationMatch[]> {
  const found = new Map<string, { file: string; packages: PackageRecord[] }>();
  for (const record of await loadRecords(store))
    for (const file of record.analysis?.migrations ?? [])
      if (matches(file, query)) {
        const entry = found.get(file) ?? { file, packages: [] };
        entry.packages.push(record);
        found.set(file, entry);
      }
  return [...found.values()]
    .map(({ file, packages }) => ({
      file,
      package: summary(packages[0]!),
      alsoIn: packages.slice(1).map((p) => p.version),
    }))
    .sort((a, b) => compareVersions(parseVersion(a.package.version), parseVersion(b.package.version)));
}

export interface MigrationsBetween {
  /** Canonical versions as given. */
  from: string;
  to: string;
  /** `rollback`: `to` is older than `from`. */
  direction: 'rollback' | 'forward' | 'same';
  /** The recorded packages in the range, newest first. */
  packages: PackageSummary[];
  /** Post-migrations introduced after the older package up to the newer one, newest package first. */
  migrations: { file: string; package: string }[];
  /** Packages whose post-migrations are unknown, and gaps in the record: either makes the range unsafe. */
  unknown: { version: string; reason: string }[];
  /** No post-migration and nothing unknown between them: moving between the two is safe. */
  safe: boolean;
}

/**
 * The post-deploy migrations introduced between two packages (in either order): those of every
 * package after the older one up to the newer one, walking the recorded comparisons back from the
 * newer package. Throws MalformedVersionError for a malformed version. Anything the record cannot
 * vouch for (a package never compared, a compare timeout, a break in the chain) is listed in
 * `unknown` and makes the answer unsafe. When the older package is not itself on the chain (it
 * never reached the followed environment), the package whose comparison spans it counts whole.
 */
export async function postMigrationsBetween(
  store: StateReader,
  from: string,
  to: string,
): Promise<MigrationsBetween> {
  const a = parseVersion(from);
  const b = parseVersion(to);
  const order = compareVersions(a, b);
  const result: MigrationsBetween = {
    from: a.version,
    to: b.version,
    direction: order === 0 ? 'same' : order > 0 ? 'rollback' : 'forward',
    packages: [],
    migrations: [],
    unknown: [],
    safe: true,
  };
  if (order === 0) return result;
  const [newer, older] = order > 0 ? [a, b] : [b, a];
  const records = new Map((await loadRecords(store)).map((r) => [r.version, r]));
  const visited = new Set<string>();
  let current = newer.version;
  for (;;) {
    const record = records.get(current);
    if (!record?.analysis) {
      result.unknown.push({
        version: current,
        reason: record
          ? 'not compared yet (it has not reached the followed environment)'
          : 'not recorded by track-post-deploy-migrations',
      });
      break;
    }
    visited.add(current);
    result.packages.push(summary(record));
    const { migrations, previous, unknownReason } = record.analysis;
    if (migrations === null) result.unknown.push({ version: current, reason: unknownReason ?? 'unknown' });
    else for (const file of migrations) result.migrations.push({ file, package: current });
    if (!previous) {
      if (migrations !== null)
        result.unknown.push({
          version: current,
          reason: `nothing recorded before it: what came between ${older.version} and it is unknown`,
        });
      break;
    }
    if (compareVersions(parseVersion(previous), older) <= 0 || visited.has(previous)) break;
    current = previous;
  }
  result.safe = result.migrations.length === 0 && result.unknown.length === 0;
  return result;
}
