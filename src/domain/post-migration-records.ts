import type { Store } from '../store/types.js';
import { compareVersions, parseVersion, type PackageVersion } from './auto-deploy-version.js';

/**
 * What the job keeps in the store (per-job state, so SQLite and PostgreSQL alike): one record per
 * package seen on a tracked environment, under `package:<version>`, and one read cursor per
 * environment. The CLI and other jobs read the same records (lookup.ts).
 */

export const JOB_NAME = 'track-post-deploy-migrations';
export const PACKAGE_PREFIX = 'package:';

export interface EnvironmentDeploy {
  /** First successful deployment of the package there (ISO). */
  at: string;
  deploymentId: number;
  url: string;
}

export interface Analysis {
  /** The package compared with (null: none found). */
  previous: string | null;
  /** Files added under the migration directory; null when unknown (compare timeout, no previous, bad sha). */
  migrations: string[] | null;
  /** Why the migrations are unknown. */
  unknownReason?: string;
  /** The commit the links point at (the full GitLab sha when the compare returned it). */
  sha: string;
  compareUrl: string | null;
  analysedAt: string;
}

export type NoteState =
  | { state: 'posted'; issueIid: number; issueUrl: string; noteId: number; url: string; at: string }
  /** Flag on, but not posted yet (no monthly issue yet): a later run posts it. */
  | { state: 'pending'; reason: string }
  /** The flag was off when the package was handled: recorded, never posted. */
  | { state: 'disabled' }
  /** Nothing to post (no post-migrations, or they are unknown). */
  | { state: 'none' };

export interface PackageRecord {
  version: string;
  release: string;
  builtAt: string;
  gitlabSha: string;
  omnibusSha: string;
  environments: Record<string, EnvironmentDeploy>;
  /** Set once the package reached the followed environment and its diff was compared. */
  analysis: Analysis | null;
  note: NoteState | null;
}

export interface Cursor {
  /** Deployments updated after this ISO time are new. */
  after: string;
  /** Deployment ids at the boundary (GitLab's `updated_after` is strict; we re-read one second). */
  seen: number[];
}

export function packageKey(version: string): string {
  return `${PACKAGE_PREFIX}${version}`;
}

export function cursorKey(forge: string, project: string, environment: string): string {
  return `cursor:${forge}:${project}:${environment}`;
}

export function newRecord(v: PackageVersion): PackageRecord {
  return {
    version: v.version,
    release: v.release,
    builtAt: v.builtAt,
    gitlabSha: v.gitlabSha,
    omnibusSha: v.omnibusSha,
    environments: {},
    analysis: null,
    note: null,
  };
}

export function versionOf(record: PackageRecord): PackageVersion {
  return parseVersion(record.version);
}

export function byVersion(a: PackageRecord, b: PackageRecord): number {
  return compareVersions(versionOf(a), versionOf(b));
}

/** Every package record, oldest package first. */
export async function loadRecords(store: Pick<Store, 'listState'>): Promise<PackageRecord[]> {
  const rows = await store.listState<PackageRecord>(JOB_NAME, PACKAGE_PREFIX);
  return rows.map((r) => r.value).sort(byVersion);
}
