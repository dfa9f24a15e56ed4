import { z } from 'zod';
import { refNameProblem } from '../kit/ref-name.js';
import { repoFilePathProblem } from '../kit/repo-path.js';
import { CI_STATUSES } from './types.js';

/**
 * What a Forge answer must look like before a job may read it: the Forge types (types.ts) as
 * zod schemas, strict where the bot acts on a value (shas it merges, branches it pushes, ids it
 * writes to, links it posts). `host` is the forge's web host: links to the forge's own objects
 * must point there, so a hostile answer cannot make the bot post a link elsewhere.
 */

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export const sha = z.string().regex(SHA, 'expected a commit sha (40 or 64 lowercase hex digits)');
const blobSha = z.string().regex(SHA, 'expected a blob sha (40 or 64 lowercase hex digits)');
const id = z
  .number({ error: 'expected a number' })
  .int('expected an integer')
  .positive('expected a positive integer')
  .max(Number.MAX_SAFE_INTEGER, 'expected a safe integer');
const count = z.number({ error: 'expected a number' }).int('expected an integer').nonnegative('expected ≥ 0');
const date = z.string().refine((v) => v !== '' && !Number.isNaN(Date.parse(v)), 'expected a date');
const ref = z.string().superRefine((v, ctx) => {
  const problem = refNameProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected a branch name, this one ${problem}` });
});
const filePath = z.string().superRefine((v, ctx) => {
  const problem = repoFilePathProblem(v);
  if (problem)
    ctx.addIssue({ code: 'custom', message: `expected a file path in the repository, this one ${problem}` });
});

function httpLink(v: string): URL | undefined {
  try {
    const url = new URL(v);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Empty means "no link"; anything else is http(s), on `host` when given. */
function link(host?: string) {
  return z.string().refine(
    (v) => {
      if (v === '') return true;
      const url = httpLink(v);
      return url !== undefined && (host === undefined || url.host === host);
    },
    host ? `expected an http(s) link on ${host}` : 'expected an http(s) link',
  );
}

export function answerSchemas(host: string) {
  const own = link(host);
  const commit = z.object({
    sha,
    shortSha: z.string().regex(/^[0-9a-f]{4,64}$/, 'expected an abbreviated sha'),
    title: z.string(),
    message: z.string(),
    authorName: z.string(),
    authorEmail: z.string(),
    // Provenance reads these: an author account is a login, a fork flag a boolean, nothing else.
    authorUsername: z.string().min(1, 'expected a login').nullable().optional(),
    createdAt: date,
    parentShas: z.array(sha),
    webUrl: own,
  });
  const branch = z.object({ name: ref, sha, protected: z.boolean(), webUrl: own });
  const changedFile = z.object({
    path: filePath,
    oldPath: filePath,
    newFile: z.boolean(),
    deletedFile: z.boolean(),
    renamedFile: z.boolean(),
  });
  const changeRequest = z.object({
    id,
    iid: id,
    title: z.string(),
    description: z.string(),
    state: z.enum(['opened', 'closed', 'merged']),
    sourceBranch: ref,
    targetBranch: ref,
    headSha: sha,
    webUrl: own,
    labels: z.array(z.string()),
    author: z.string(),
    createdAt: date,
    updatedAt: date,
    mergedAt: date.nullable(),
    mergeCommitSha: sha.nullable().optional(),
    autoMerge: z.boolean(),
    mergeable: z.boolean().nullable(),
    fromFork: z.boolean().optional(),
  });
  const note = z.object({
    id,
    body: z.string(),
    author: z.string(),
    createdAt: date,
    system: z.boolean(),
    updatedAt: date.optional(),
  });
  const issue = z.object({
    id,
    iid: id,
    title: z.string(),
    description: z.string(),
    state: z.enum(['opened', 'closed']),
    labels: z.array(z.string()),
    author: z.string(),
    webUrl: own,
    createdAt: date,
    updatedAt: date,
  });
  const pipeline = z.object({
    id,
    ref: z.string(),
    sha,
    status: z.enum(CI_STATUSES),
    source: z.string(),
    webUrl: own,
    createdAt: date,
    updatedAt: date,
    startedAt: date.nullable(),
    finishedAt: date.nullable(),
    duration: z.number().nonnegative().nullable(),
  });
  const job = z.object({
    id,
    name: z.string(),
    stage: z.string(),
    status: z.enum(CI_STATUSES),
    failureReason: z.string().nullable(),
    webUrl: own,
    retried: z.boolean(),
    allowFailure: z.boolean(),
    startedAt: date.nullable(),
    finishedAt: date.nullable(),
    manual: z.boolean(),
  });
  // A commit status may come from any CI and link to it: only the scheme is checked.
  const check = z.object({
    // 0 for a commit status GitHub's GraphQL rollup gives no database id (it only breaks ties).
    id: count,
    name: z.string(),
    kind: z.enum(['pipeline', 'status', 'check_run']),
    status: z.enum(['pending', 'running', 'success', 'failed', 'canceled', 'skipped', 'neutral']),
    webUrl: link(),
    createdAt: date,
    completedAt: date.nullable(),
  });
  const deployment = z.object({
    id,
    environment: z.string().min(1, 'expected an environment name'),
    ref: z.string(),
    sha,
    status: z.enum(['created', 'running', 'success', 'failed', 'canceled', 'blocked']),
    createdAt: date,
    updatedAt: date,
    jobId: id.nullable(),
    version: z.string().nullable(),
    webUrl: link(),
  });
  const packageFile = z.object({
    id,
    fileName: z
      .string()
      .min(1)
      .refine((v) => !v.includes('/') && v !== '.' && v !== '..', 'expected a file name'),
    size: count,
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'expected a sha256 (64 hex digits)')
      .nullable(),
    createdAt: date,
  });
  return {
    user: z.object({
      id,
      username: z.string().min(1, 'expected a username'),
      name: z.string().optional(),
      commitEmail: z.string().includes('@', { message: 'expected an email' }).optional(),
    }),
    project: z.object({
      id,
      path: z.string().min(1),
      defaultBranch: ref,
      webUrl: own,
      allowAutoMerge: z.boolean(),
    }),
    branch,
    branchProtection: z.object({
      protected: z.boolean(),
      rule: z
        .object({
          name: z.string().min(1),
          pushAccess: z.string(),
          forcePush: z.boolean(),
          requiredChecks: z.array(z.string()),
        })
        .nullable(),
      settingsUrl: own,
    }),
    branchRef: z.object({ name: ref, sha }),
    commit,
    compare: z.object({
      commits: z.array(commit),
      files: z.array(changedFile),
      compareTimeout: z.boolean(),
      fastForward: z.boolean(),
      behindBy: count,
      webUrl: own,
    }),
    file: z.object({ path: filePath, ref: z.string(), content: z.string(), blobSha }),
    changeRequest,
    autoMerge: z.enum(['enabled', 'already-enabled', 'unsupported', 'pending']),
    note,
    noteEdits: z.object({ noteId: id, editedAt: date, editors: z.array(z.string().min(1)).nullable() }),
    issue,
    label: z.object({ name: z.string().min(1), color: z.string(), description: z.string() }),
    milestone: z.string().min(1).nullable(),
    pipeline,
    job,
    check,
    branchChecks: z.object({
      commit: z.object({ sha, shortSha: z.string().regex(/^[0-9a-f]{4,64}$/), webUrl: own }),
      checks: z.array(check),
    }),
    deployment,
    deploymentChanges: z.object({ deployments: z.array(deployment), cursor: z.string() }),
    packageFile,
    nothing: z.undefined(),
  };
}

export type AnswerSchemas = ReturnType<typeof answerSchemas>;
