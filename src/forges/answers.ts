import { z } from 'zod';
import { AnswerFieldError, ForgeAnswerError } from './answer-error.js';
import { answerSchemas, type AnswerSchemas } from './answer-schemas.js';
import { withForgeCall } from './call-context.js';
import type { Forge } from './types.js';

/**
 * Every Forge answer is checked before a job reads it: its shape (answer-schemas.ts) and that it
 * is the thing asked for (the branch asked, the MR of that iid, MRs of the source branch
 * filtered on). A broken or hostile answer fails the call with a ForgeAnswerError naming the
 * operation and the field; nothing downstream ever sees it. Each call also runs in its own call
 * context, so the HTTP path can bound the pages it follows (limits.ts).
 */

type Args = unknown[];
type Mismatch = [field: string, problem: string];
/* eslint-disable @typescript-eslint/no-explicit-any -- the rules read answers the schema has just checked */
type Same = (args: Args, answer: any) => Mismatch | undefined;

interface Rule {
  schema: (s: AnswerSchemas) => z.ZodType;
  same?: Same;
}

const anyStream = z.custom<ReadableStream>((v) => v instanceof ReadableStream, 'expected a byte stream');
const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const show = (v: unknown) => JSON.stringify(v);

function equal(field: string, got: unknown, asked: unknown): Mismatch | undefined {
  return got === asked ? undefined : [field, `expected ${show(asked)} (what was asked), got ${show(got)}`];
}

/** The first list item for which `check` finds a mismatch, with its index in the field. */
function each(list: any[], check: (item: any) => Mismatch | undefined): Mismatch | undefined {
  for (const [i, item] of list.entries()) {
    const m = check(item);
    if (m) return [`[${i}].${m[0]}`, m[1]];
  }
  return undefined;
}

const iidAsked: Same = (args, a) => equal('iid', a.iid, args[1]);
const branchAsked: Same = (args, a) => equal('name', a.name, args[1]);

type Group = (typeof GROUPS)[number];
/** `repo.getBranch`, ...: a Forge method added without a rule below fails the type check. */
type Operation = 'currentUser' | { [G in Group]: `${G}.${Extract<keyof Forge[G], string>}` }[Group];

/** Every Forge method and what its answer must be. */
export const ANSWER_RULES: Record<Operation, Rule> = {
  currentUser: { schema: (s) => s.user },
  'repo.getProject': {
    schema: (s) => s.project,
    // GitLab and GitHub match paths case-insensitively; another project is another path.
    same: (args, a) =>
      String(a.path).toLowerCase() === String(args[0]).toLowerCase()
        ? undefined
        : ['path', `expected ${show(args[0])} (what was asked), got ${show(a.path)}`],
  },
  'repo.getBranch': { schema: (s) => s.branch.nullable(), same: (args, a) => a && branchAsked(args, a) },
  'repo.listBranches': {
    schema: (s) => s.branchRef.array(),
    same: (args, list) => {
      const { prefix } = args[1] as { prefix: string };
      return each(list, (b) =>
        String(b.name).startsWith(prefix)
          ? undefined
          : ['name', `expected a branch under ${show(prefix)}, got ${show(b.name)}`],
      );
    },
  },
  'repo.createBranch': { schema: (s) => s.branch, same: branchAsked },
  'repo.deleteBranch': { schema: (s) => s.nothing },
  'repo.getBranchProtection': { schema: (s) => s.branchProtection.nullable() },
  'repo.updateBranch': { schema: (s) => s.branch, same: branchAsked },
  'repo.listCommits': { schema: (s) => s.commit.array() },
  'repo.getCommit': {
    schema: (s) => s.commit.nullable(),
    same: (args, a) => (a && FULL_SHA.test(String(args[1])) ? equal('sha', a.sha, args[1]) : undefined),
  },
  'repo.compare': { schema: (s) => s.compare },
  'repo.getFile': {
    schema: (s) => s.file.nullable(),
    same: (args, a) => a && equal('path', a.path, args[1]),
  },
  'repo.commitFiles': { schema: (s) => s.commit },
  'changeRequests.list': {
    schema: (s) => s.changeRequest.array(),
    same: (args, list) => {
      const q = args[1] as { sourceBranch?: string; targetBranch?: string; state?: string };
      return each(
        list,
        (cr) =>
          (q.sourceBranch !== undefined
            ? equal('sourceBranch', cr.sourceBranch, q.sourceBranch)
            : undefined) ??
          (q.targetBranch !== undefined
            ? equal('targetBranch', cr.targetBranch, q.targetBranch)
            : undefined) ??
          (q.state !== undefined && q.state !== 'all' ? equal('state', cr.state, q.state) : undefined),
      );
    },
  },
  'changeRequests.get': {
    schema: (s) => s.changeRequest.nullable(),
    same: (args, a) => a && iidAsked(args, a),
  },
  // Any state and any target: the caller filters (merged into its source branch).
  'changeRequests.listForCommit': { schema: (s) => s.changeRequest.array() },
  'changeRequests.create': {
    schema: (s) => s.changeRequest,
    same: (args, a) => {
      const input = args[1] as { sourceBranch: string; targetBranch: string };
      return (
        equal('sourceBranch', a.sourceBranch, input.sourceBranch) ??
        equal('targetBranch', a.targetBranch, input.targetBranch)
      );
    },
  },
  'changeRequests.update': { schema: (s) => s.changeRequest, same: iidAsked },
  'changeRequests.merge': { schema: (s) => s.changeRequest, same: iidAsked },
  'changeRequests.enableAutoMerge': { schema: (s) => s.autoMerge },
  'changeRequests.approve': { schema: (s) => s.nothing },
  'notes.list': { schema: (s) => s.note.array() },
  'notes.create': { schema: (s) => s.note },
  'changeRequests.disableAutoMerge': { schema: () => z.boolean() },
  'notes.edits': {
    schema: (s) => s.noteEdits.array(),
    // Edits of the notes asked about, not of some other note.
    same: (args, list) => {
      const asked = new Set((args[2] as { id: number }[]).map((n) => n.id));
      return each(list, (e) =>
        asked.has(e.noteId)
          ? undefined
          : ['noteId', `expected one of the notes asked about, got ${show(e.noteId)}`],
      );
    },
  },
  'notes.update': { schema: (s) => s.note, same: (args, a) => equal('id', a.id, args[2]) },
  'issues.list': { schema: (s) => s.issue.array() },
  'issues.get': { schema: (s) => s.issue.nullable(), same: (args, a) => a && iidAsked(args, a) },
  'issues.create': { schema: (s) => s.issue },
  'issues.update': { schema: (s) => s.issue, same: iidAsked },
  'labels.ensure': {
    schema: (s) => s.label,
    same: (args, a) => equal('name', a.name, (args[1] as { name: string }).name),
  },
  'labels.currentMilestone': { schema: (s) => s.milestone },
  'ci.listPipelines': {
    schema: (s) => s.pipeline.array(),
    same: (args, list) => {
      const q = args[1] as { sha?: string };
      return q.sha !== undefined ? each(list, (p) => equal('sha', p.sha, q.sha)) : undefined;
    },
  },
  'ci.getPipeline': {
    schema: (s) => s.pipeline.nullable(),
    same: (args, a) => a && equal('id', a.id, args[1]),
  },
  'ci.listJobs': { schema: (s) => s.job.array() },
  'ci.retryJob': { schema: (s) => s.job },
  'ci.retryPipeline': { schema: (s) => s.pipeline },
  'ci.playJob': { schema: (s) => s.job.nullable() },
  'ci.commitChecks': { schema: (s) => s.check.array() },
  'ci.branchChecks': { schema: (s) => s.branchChecks.array() },
  'ci.listTagPipelines': { schema: (s) => s.pipeline.array() },
  'deployments.list': {
    schema: (s) => s.deployment.array(),
    same: (args, list) => {
      const { environment } = args[1] as { environment: string };
      return each(list, (d) => equal('environment', d.environment, environment));
    },
  },
  'deployments.get': {
    schema: (s) => s.deployment.nullable(),
    same: (args, a) => a && equal('id', a.id, args[1]),
  },
  'deployments.create': {
    schema: (s) => s.deployment,
    same: (args, a) => equal('environment', a.environment, (args[1] as { environment: string }).environment),
  },
  'deployments.watch': {
    schema: (s) => s.deploymentChanges,
    same: (args, a) => {
      const { environment } = args[1] as { environment: string };
      const m = each(a.deployments, (d) => equal('environment', d.environment, environment));
      return m ? [`deployments${m[0]}`, m[1]] : undefined;
    },
  },
  'deployments.record': {
    schema: (s) => s.deployment,
    same: (args, a) => equal('environment', a.environment, (args[1] as { environment: string }).environment),
  },
  'packages.listFiles': { schema: (s) => s.packageFile.array() },
  // A stream: packages.ts bounds and the promote job checksums what it carries.
  'packages.download': { schema: () => anyStream },
  'packages.upload': { schema: (s) => s.packageFile },
};
/* eslint-enable @typescript-eslint/no-explicit-any */

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const key of path) v = v === null || v === undefined ? v : (v as Record<PropertyKey, unknown>)[key];
  return v;
}

function fieldName(path: PropertyKey[]): string {
  return path
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
    .join('')
    .replace(/^\./, '');
}

function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Check one answer of `operation`; throws ForgeAnswerError, returns the answer unchanged. */
export function checkAnswer<T>(forge: string, host: string, operation: string, args: Args, answer: T): T {
  const rule = (ANSWER_RULES as Record<string, Rule | undefined>)[operation];
  if (!rule)
    throw new ForgeAnswerError(
      forge,
      operation,
      '',
      'no answer rule for this operation (add one in answers.ts)',
    );
  const parsed = rule.schema(schemasFor(host)).safeParse(answer);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path;
    throw new ForgeAnswerError(
      forge,
      operation,
      fieldName(path),
      `${issue.message}, got ${shown(valueAt(answer, path))}`,
    );
  }
  const mismatch = rule.same?.(args, answer);
  if (mismatch) throw new ForgeAnswerError(forge, operation, mismatch[0], mismatch[1]);
  return answer;
}

const cache = new Map<string, AnswerSchemas>();
function schemasFor(host: string): AnswerSchemas {
  let schemas = cache.get(host);
  if (!schemas) {
    schemas = answerSchemas(host);
    cache.set(host, schemas);
  }
  return schemas;
}

const GROUPS = [
  'repo',
  'changeRequests',
  'notes',
  'issues',
  'labels',
  'ci',
  'deployments',
  'packages',
] as const;

/** The same forge, every method's answer checked and every call in its own call context. */
export function checkedForge(forge: Forge): Forge {
  const host = new URL(forge.webUrl).host;
  function wrap<F>(operation: string, fn: F): F {
    if (typeof fn !== 'function') return fn;
    return (async (...args: Args) =>
      withForgeCall(operation, async () => {
        let answer: unknown;
        try {
          answer = await (fn as (...a: Args) => Promise<unknown>)(...args);
        } catch (error) {
          // The adapter's mapping met a raw value it does not know: name the operation too.
          if (error instanceof AnswerFieldError)
            throw new ForgeAnswerError(forge.name, operation, error.field, error.problem);
          throw error;
        }
        return checkAnswer(forge.name, host, operation, args, answer);
      })) as F;
  }
  const checked: Record<string, unknown> = { ...forge, currentUser: wrap('currentUser', forge.currentUser) };
  for (const group of GROUPS) {
    const api = forge[group] as unknown as Record<string, unknown>;
    checked[group] = Object.fromEntries(
      Object.entries(api).map(([method, fn]) => [
        method,
        wrap(`${group}.${method}`, typeof fn === 'function' ? (fn as (...a: Args) => unknown).bind(api) : fn),
      ]),
    );
  }
  return checked as unknown as Forge;
}
