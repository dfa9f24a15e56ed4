import { ForgeError } from '../../src/errors.js';
import type { Forge } from '../../src/forges/types.js';
import { migrationDir, type Options } from './options.js';
import { byVersion, type Analysis, type PackageRecord } from '../../src/domain/post-migration-records.js';

/**
 * Which post-deploy migrations a package brought: the files added (`new_file`) under the
 * migration directory between the previous package's GitLab sha and this one's, in the source
 * project. A compare GitLab gave up on (`compare_timeout`) is unknown, never "none".
 */

/**
 * The package this one is compared with: the newest older package that was deployed to the
 * baseline before this one got there (the package it replaced in the pipeline). When packages
 * in between never reached the followed environment, the comparison starts at the last package
 * that did, so their post-migrations are counted for the package that brought them there.
 */
export function choosePrevious(
  record: PackageRecord,
  records: PackageRecord[],
  options: Options,
): PackageRecord | null {
  const { baseline, environment: followed } = options.deployments;
  const reached = record.environments[baseline]?.at ?? record.environments[followed]?.at;
  const older = records.filter((r) => r.version !== record.version && byVersion(r, record) < 0);
  const newest = (list: PackageRecord[]) => list.sort(byVersion).at(-1) ?? null;
  const onBaseline = newest(
    older.filter((r) => r.environments[baseline] && (!reached || r.environments[baseline].at <= reached)),
  );
  const onFollowed = newest(older.filter((r) => r.environments[followed] && r.analysis));
  if (onFollowed && (!onBaseline || byVersion(onFollowed, onBaseline) < 0)) return onFollowed;
  return onBaseline;
}

function shortSha(sha: string): string {
  return sha.slice(0, 11);
}

export async function analyse(
  source: Forge,
  options: Options,
  record: PackageRecord,
  previous: PackageRecord | null,
  now: Date,
): Promise<Analysis> {
  const base = { previous: previous?.version ?? null, sha: record.gitlabSha, analysedAt: now.toISOString() };
  const { project } = options.source;
  if (!previous)
    return {
      ...base,
      migrations: null,
      compareUrl: null,
      unknownReason: `no earlier package on ${options.deployments.baseline} to compare with`,
    };
  let compare;
  try {
    compare = await source.repo.compare(project, previous.gitlabSha, record.gitlabSha);
  } catch (error) {
    if (error instanceof ForgeError && (error.status === 404 || error.status === 400))
      return {
        ...base,
        migrations: null,
        compareUrl: null,
        unknownReason: `cannot compare ${shortSha(previous.gitlabSha)}...${shortSha(record.gitlabSha)} in ${project} (${error.status}: is the GitLab sha in this project?)`,
      };
    throw error;
  }
  const head = compare.commits.at(-1)?.sha;
  const sha = head && head.startsWith(record.gitlabSha) ? head : record.gitlabSha;
  if (compare.compareTimeout)
    return {
      ...base,
      sha,
      migrations: null,
      compareUrl: compare.webUrl || null,
      unknownReason: `GitLab compare_timeout: the diff ${shortSha(previous.gitlabSha)}...${shortSha(record.gitlabSha)} is too large to compute, so its post-migrations are unknown; check the compare by hand`,
    };
  const dir = migrationDir(options);
  const migrations = compare.files
    .filter((f) => f.newFile && f.path.startsWith(dir))
    .map((f) => f.path)
    .sort();
  return { ...base, sha, migrations, compareUrl: compare.webUrl || null };
}
