import type { PackageFile } from '../../src/forges/types.js';
import { render } from '../../src/kit/template.js';
import type { JobContext } from '../../src/runner/job.js';
import {
  CHECKSUM_SUFFIX,
  filesByName,
  hashStream,
  parseChecksumFile,
  readSmallText,
  shortDigest,
} from './checksum.js';
import type { Options, PackageConfig, RegistryConfig } from './options.js';
import { withRetry } from './retry.js';
import type { Endpoint } from './transfer.js';

/**
 * Registry mode, reading only: for each file of a package version, compare staging with public
 * and decide. Same digest in public → skip; a different file in public → fail (never
 * overwrite); staging's two checksums disagreeing → fail; otherwise publish. The same plan is
 * printed in dry-run and performed otherwise (apply.ts).
 */

export type FileDecision = 'publish' | 'skip' | 'fail';

export interface FilePlan {
  fileName: string;
  decision: FileDecision;
  reason: string;
  size: number;
  /** The digest the published file must have; null when staging gives none (hashed in transit). */
  sha256: string | null;
  /** Where `sha256` comes from. */
  checksumSource: 'registry' | 'checksum file' | 'registry and checksum file' | 'none';
}

export interface PackagePlan {
  pkg: PackageConfig;
  version: string;
  files: FilePlan[];
}

export function endpoint(ctx: JobContext, registry: RegistryConfig): Endpoint {
  return { forge: ctx.forge(registry.forge), project: registry.project };
}

export async function remoteDigest(
  at: Endpoint,
  name: string,
  version: string,
  fileName: string,
): Promise<string> {
  const stream = await at.forge.packages.download(at.project, name, version, fileName);
  return (await hashStream(stream)).sha256;
}

/** What staging says the file hashes to: its registry's checksum and/or a `.sha256` file beside it. */
async function stagingDigest(
  staging: Endpoint,
  name: string,
  version: string,
  file: PackageFile,
  stagingFiles: Map<string, PackageFile>,
): Promise<Pick<FilePlan, 'sha256' | 'checksumSource'> | { problem: string }> {
  const companion = file.fileName.endsWith(CHECKSUM_SUFFIX)
    ? undefined
    : stagingFiles.get(file.fileName + CHECKSUM_SUFFIX);
  let fromFile: string | null = null;
  if (companion) {
    const text = await readSmallText(
      await staging.forge.packages.download(staging.project, name, version, companion.fileName),
    );
    fromFile = parseChecksumFile(text, file.fileName);
    if (!fromFile) return { problem: `${companion.fileName} holds no sha256 digest; not publishing` };
  }
  const fromRegistry = file.sha256?.toLowerCase() ?? null;
  if (fromFile && fromRegistry && fromFile !== fromRegistry)
    return {
      problem: `checksum mismatch in staging: the registry has sha256 ${shortDigest(fromRegistry)}…, ${companion!.fileName} says ${shortDigest(fromFile)}…; not publishing`,
    };
  if (fromFile && fromRegistry) return { sha256: fromFile, checksumSource: 'registry and checksum file' };
  if (fromFile) return { sha256: fromFile, checksumSource: 'checksum file' };
  if (fromRegistry) return { sha256: fromRegistry, checksumSource: 'registry' };
  return { sha256: null, checksumSource: 'none' };
}

async function planFile(
  staging: Endpoint,
  pub: Endpoint,
  name: string,
  version: string,
  fileName: string,
  stagingFiles: Map<string, PackageFile>,
  publicFiles: Map<string, PackageFile>,
): Promise<FilePlan> {
  const inStaging = stagingFiles.get(fileName);
  const inPublic = publicFiles.get(fileName);
  const base = { fileName, size: inStaging?.size ?? inPublic?.size ?? 0 };
  if (!inStaging) {
    return inPublic
      ? {
          ...base,
          decision: 'skip',
          reason: 'already published (no longer in staging)',
          sha256: inPublic.sha256,
          checksumSource: 'none',
        }
      : {
          ...base,
          decision: 'fail',
          reason: `${fileName} is not in staging (${staging.project})`,
          sha256: null,
          checksumSource: 'none',
        };
  }
  const digest = await stagingDigest(staging, name, version, inStaging, stagingFiles);
  if ('problem' in digest)
    return { ...base, decision: 'fail', reason: digest.problem, sha256: null, checksumSource: 'none' };
  if (!inPublic) return { ...base, decision: 'publish', reason: 'not public yet', ...digest };

  const publicSha = inPublic.sha256?.toLowerCase() ?? (await remoteDigest(pub, name, version, fileName));
  const stagingSha = digest.sha256 ?? (await remoteDigest(staging, name, version, fileName));
  if (publicSha === stagingSha)
    return {
      ...base,
      decision: 'skip',
      reason: `already published (same sha256 ${shortDigest(publicSha)}…)`,
      ...digest,
    };
  return {
    ...base,
    decision: 'fail',
    reason: `public already has a different ${fileName} (sha256 ${shortDigest(publicSha)}…, staging ${shortDigest(stagingSha)}…); nothing overwritten`,
    ...digest,
  };
}

export async function planPackage(
  ctx: JobContext,
  options: Options,
  pkg: PackageConfig,
  version: string,
): Promise<PackagePlan> {
  const staging = endpoint(ctx, options.staging!);
  const pub = endpoint(ctx, options.public!);
  const list = (at: Endpoint, which: string) =>
    withRetry(ctx, options, `${pkg.name}: list ${which} files`, async () =>
      filesByName(await at.forge.packages.listFiles(at.project, pkg.name, version)),
    );
  const stagingFiles = await list(staging, 'staging');
  const publicFiles = await list(pub, 'public');
  const names = pkg.files ? pkg.files.map((f) => render(f, { version })) : [...stagingFiles.keys()].sort();
  if (names.length === 0) {
    if (publicFiles.size === 0)
      throw new Error(`${pkg.name} ${version} has no files in staging (${staging.project})`);
    // Staging was cleaned up after the release: what is public is what was published.
    names.push(...[...publicFiles.keys()].sort());
  }
  const files: FilePlan[] = [];
  for (const fileName of names)
    files.push(
      await withRetry(ctx, options, `${pkg.name}: check ${fileName}`, () =>
        planFile(staging, pub, pkg.name, version, fileName, stagingFiles, publicFiles),
      ),
    );
  return { pkg, version, files: withCompanions(files) };
}

/** A `.sha256` file is only worth publishing beside its package file: it follows a refusal. */
function withCompanions(files: FilePlan[]): FilePlan[] {
  const failed = new Set(files.filter((f) => f.decision === 'fail').map((f) => f.fileName));
  return files.map((f) => {
    const of = companionOf(f.fileName);
    return f.decision === 'publish' && of && failed.has(of)
      ? { ...f, decision: 'fail', reason: `${f.fileName} not published: ${of} was refused` }
      : f;
  });
}

/** The package file a `.sha256` file vouches for. */
export function companionOf(fileName: string): string | undefined {
  return fileName.endsWith(CHECKSUM_SUFFIX) ? fileName.slice(0, -CHECKSUM_SUFFIX.length) : undefined;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function describeFile(plan: PackagePlan, file: FilePlan, to: RegistryConfig): string {
  const checksum =
    file.sha256 === null
      ? 'no staging checksum: hashed in transit'
      : `sha256 ${shortDigest(file.sha256)}… from the staging ${file.checksumSource}`;
  return `publish ${plan.pkg.name}/${plan.version}/${file.fileName} (${formatSize(file.size)}, ${checksum}) to ${to.project}`;
}
