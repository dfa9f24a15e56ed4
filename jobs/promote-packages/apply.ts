import { ForgeError, errorMessage } from '../../src/errors.js';
import type { Action, JobContext } from '../../src/runner/job.js';
import { filesByName, shortDigest } from './checksum.js';
import type { Options } from './options.js';
import {
  companionOf,
  describeFile,
  endpoint,
  remoteDigest,
  type FilePlan,
  type PackagePlan,
} from './plan.js';
import { RefusalError } from './refusal.js';
import { withRetry } from './retry.js';
import { transferFile, type Endpoint } from './transfer.js';

/**
 * Registry mode, writing: each planned file is streamed staging → public, then read back from
 * the public registry and its digest compared. Every step is safe to repeat: a file whose
 * upload answer was lost is found as a duplicate on the next attempt (or run) and verified
 * instead of being uploaded twice.
 */

export type FileStatus = 'published' | 'would publish' | 'skipped' | 'failed';

export interface FileOutcome {
  fileName: string;
  status: FileStatus;
  detail: string;
}

export interface AppliedPackage {
  actions: Action[];
  files: FileOutcome[];
}

interface Sent {
  /** Digest of the bytes sent; null when the registry already had the file (a duplicate). */
  sha256: string | null;
}

function isDuplicate(error: unknown): boolean {
  return error instanceof ForgeError && (error.status === 400 || error.status === 409);
}

async function send(staging: Endpoint, pub: Endpoint, plan: PackagePlan, file: FilePlan): Promise<Sent> {
  try {
    const result = await transferFile({
      from: staging,
      to: pub,
      name: plan.pkg.name,
      version: plan.version,
      fileName: file.fileName,
      size: file.size,
      expectedSha256: file.sha256,
    });
    return { sha256: result.sha256 };
  } catch (error) {
    // Published meanwhile (a human, a parallel run, or our own attempt whose answer was lost):
    // the read-back decides whether it is the same file.
    if (isDuplicate(error)) {
      const now = await pub.forge.packages.listFiles(pub.project, plan.pkg.name, plan.version);
      if (filesByName(now).has(file.fileName)) return { sha256: null };
    }
    throw error;
  }
}

async function readBack(
  staging: Endpoint,
  pub: Endpoint,
  plan: PackagePlan,
  file: FilePlan,
  sent: Sent,
): Promise<FileOutcome> {
  const { name } = plan.pkg;
  const listed = filesByName(await pub.forge.packages.listFiles(pub.project, name, plan.version)).get(
    file.fileName,
  );
  if (!listed)
    throw new Error(
      `${file.fileName}: uploaded, but ${pub.project} does not list it for ${name} ${plan.version}`,
    );
  const got = listed.sha256?.toLowerCase() ?? (await remoteDigest(pub, name, plan.version, file.fileName));
  const want = sent.sha256 ?? file.sha256 ?? (await remoteDigest(staging, name, plan.version, file.fileName));
  if (got !== want)
    throw new RefusalError(
      sent.sha256
        ? `${file.fileName}: the public registry reads back sha256 ${shortDigest(got)}…, the bot sent ${shortDigest(want)}…; check ${pub.project} by hand`
        : `public already has a different ${file.fileName} (sha256 ${shortDigest(got)}…, staging ${shortDigest(want)}…); nothing overwritten`,
    );
  return {
    fileName: file.fileName,
    status: sent.sha256 ? 'published' : 'skipped',
    detail: sent.sha256
      ? `published, sha256 ${shortDigest(got)}… read back`
      : `already published meanwhile (same sha256 ${shortDigest(got)}…)`,
  };
}

export function planOutcomes(options: Options, plan: PackagePlan): AppliedPackage {
  const actions: Action[] = [];
  const files = plan.files.map((file): FileOutcome => {
    if (file.decision === 'publish') {
      actions.push({
        kind: 'publish-file',
        description: describeFile(plan, file, options.public!),
        done: false,
        subject: plan.pkg.name,
      });
      return { fileName: file.fileName, status: 'would publish', detail: file.reason };
    }
    return {
      fileName: file.fileName,
      status: file.decision === 'skip' ? 'skipped' : 'failed',
      detail: file.reason,
    };
  });
  return { actions, files };
}

export async function applyPackage(
  ctx: JobContext,
  options: Options,
  plan: PackagePlan,
): Promise<AppliedPackage> {
  const planned = planOutcomes(options, plan);
  const staging = endpoint(ctx, options.staging!);
  const pub = endpoint(ctx, options.public!);
  const actions: Action[] = [];
  const files: FileOutcome[] = [];
  for (const [i, file] of plan.files.entries()) {
    if (file.decision !== 'publish') {
      files.push(planned.files[i]!);
      continue;
    }
    const action: Action = {
      kind: 'publish-file',
      description: describeFile(plan, file, options.public!),
      done: false,
      subject: plan.pkg.name,
    };
    actions.push(action);
    const of = companionOf(file.fileName);
    if (of && files.some((f) => f.fileName === of && f.status === 'failed')) {
      files.push({
        fileName: file.fileName,
        status: 'failed',
        detail: `${file.fileName} not published: ${of} failed`,
      });
      continue;
    }
    const what = `${plan.pkg.name}: publish ${file.fileName}`;
    ctx.progress(`${what} (${file.size} bytes)`);
    try {
      const sent = await withRetry(ctx, options, what, () => send(staging, pub, plan, file));
      const outcome = await withRetry(ctx, options, `${what}: read back`, () =>
        readBack(staging, pub, plan, file, sent),
      );
      action.done = outcome.status === 'published';
      if (!action.done) action.description += ' — already there, verified';
      files.push(outcome);
    } catch (error) {
      ctx.log.error({ package: plan.pkg.name, file: file.fileName, err: error }, `${what} failed`);
      files.push({ fileName: file.fileName, status: 'failed', detail: errorMessage(error) });
    }
  }
  return { actions, files };
}
