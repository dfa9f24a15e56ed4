import { z } from 'zod';
import { branchName } from '../../src/kit/ref-name.js';
import { projectPath } from '../../src/kit/repo-path.js';
import { duration } from '../../src/kit/duration.js';
import { readySchema } from './ready-options.js';

/**
 * Config of `move-stable-branches` (seed 003, Packit): the repositories whose `stable` branch
 * follows `main` every Friday, in dependency order, the stage gates that must pass first, and
 * who may approve the move.
 */

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** Flags of `release-bot run move-stable-branches`: a repo named like one would be ambiguous as `--<repo>=<sha>`. */
export const RESERVED_NAMES = ['override', 'yes', 'force', 'dry-run', 'set', 'json', 'config', 'help', 'n'];

export const repoSchema = z
  .object({
    /** Short name for `--override <name>=<sha>`, `--<name>=<sha>` and `dependsOn`. Default: the last path segment. */
    name: z
      .string()
      .regex(/^[a-z0-9][\w.-]*$/i, 'letters, digits, dot, dash, underscore')
      .refine((n) => !RESERVED_NAMES.includes(n), 'reserved: it is a flag of `release-bot run`')
      .optional(),
    project: projectPath,
    /** The branch stable follows. */
    source: branchName.default('main'),
    stable: branchName.default('stable'),
    /** Repos (by name) that must move first; a failure there skips this one. Must be listed earlier. */
    dependsOn: z.array(z.string()).default([]),
    /** No `stable` yet: create it at the target (plan says "create", approved like a move). */
    createStable: z
      .boolean()
      .default(false)
      .describe('No stable branch yet: create it at the target after the approval (the plan says "create").'),
    /**
     * When this repo's moved stable is ready for the repos that depend on it (its build exists):
     * they wait across polls until then. Without it, dependents move right after this one.
     */
    ready: readySchema
      .optional()
      .describe(
        "When this repo's moved stable is built, for the repos that depend on it (they wait across polls).",
      ),
  })
  .strict();

export const ciGateSchema = z
  .object({
    /** Default: the job's `forge`. */
    forge: z.string().optional(),
    /** The canary repository where stage validation reports (Packit: `packit/hello-world`). */
    project: projectPath,
    /** Default: the project's default branch. Its latest commit is judged. */
    ref: branchName.optional(),
    /** Check or status names that count, e.g. `*stage*` (newest run per name only). */
    checks: z.array(z.string().min(1)).min(1, 'list at least one check name pattern'),
    /** Every matching check must have finished within this long. */
    maxAge: duration.default('24h'),
  })
  .strict();

export const sentryGateSchema = z
  .object({
    /** Sentry web origin, e.g. https://sentry.io (self-hosted: your Sentry URL). */
    url: httpUrl.default('https://sentry.io'),
    org: z.string().min(1),
    /** An auth token with `event:read` (a secret: use ${SENTRY_API_TOKEN}). */
    authToken: z.string().min(1, 'authToken is empty'),
    projects: z.array(z.string().min(1)).min(1, 'list at least one Sentry project'),
    environment: z.string().min(1).default('stage'),
    /** Issues first seen within this many days count. */
    days: z.number().int().min(1).max(90).default(7),
    /** The gate fails when more unresolved new issues than this exist (across all projects). */
    threshold: z.number().int().min(0).default(0),
  })
  .strict();

export const healthCheckSchema = z
  .object({
    name: z.string().min(1).optional(),
    url: httpUrl,
    /** Expected HTTP status. */
    status: z.number().int().min(100).max(599).default(200),
    /** A field of the JSON body (dot path, e.g. `version` or `status.db`) that must be present… */
    field: z.string().min(1).optional(),
    /** …and, when given, equal this. */
    equals: z.string().optional(),
    timeoutSeconds: z.number().positive().max(120).default(10),
  })
  .strict()
  .refine((h) => h.equals === undefined || h.field !== undefined, {
    message: '`equals` needs `field`',
    path: ['equals'],
  });

export const approvalSchema = z
  .object({
    /** false: move without a human once every gate passes. */
    required: z.boolean().default(true),
    /** Usernames whose tick or `/approve` counts; anyone else's is ignored and reported. */
    approvers: z.array(z.string().min(1)).default([]),
    /** Where scheduled runs open the approval issue. Default: the job's `forge`. */
    forge: z.string().optional(),
    project: projectPath.optional(),
    labels: z.array(z.string().min(1)).default(['release-bot']),
    /** `{date}` is replaced by the run's date. */
    title: z.string().min(1).default('Move stable branches ({date})'),
  })
  .strict();

export const optionsSchema = z
  .object({
    forge: z.string(),
    repos: z
      .array(repoSchema)
      .min(1, 'list at least one repository')
      .superRefine((repos, ctx) => {
        const seen = new Set<string>();
        repos.forEach((repo, i) => {
          const name = repoName(repo);
          if (!repo.name && RESERVED_NAMES.includes(name))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'name'],
              message: `"${name}" is a flag of \`release-bot run\`: set another \`name\``,
            });
          if (seen.has(name))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'name'],
              message: `duplicate repo name "${name}" (set \`name\` to tell them apart)`,
            });
          repo.dependsOn.forEach((dep, j) => {
            if (!seen.has(dep))
              ctx.addIssue({
                code: 'custom',
                path: [i, 'dependsOn', j],
                message: repos.some((r) => repoName(r) === dep)
                  ? `"${dep}" is listed after ${name}: list repos in dependency order`
                  : `unknown repo "${dep}"`,
              });
          });
          seen.add(name);
        });
      }),
    validation: z
      .object({
        ci: ciGateSchema.optional(),
        sentry: sentryGateSchema.optional(),
        health: z.array(healthCheckSchema).default([]),
      })
      .strict()
      .default({ health: [] }),
    approval: approvalSchema
      .default({
        required: true,
        approvers: [],
        labels: ['release-bot'],
        title: 'Move stable branches ({date})',
      })
      .superRefine((approval, ctx) => {
        if (!approval.required) return;
        if (approval.approvers.length === 0)
          ctx.addIssue({
            code: 'custom',
            path: ['approvers'],
            message: 'list at least one approver (or set required: false)',
          });
        if (!approval.project)
          ctx.addIssue({
            code: 'custom',
            path: ['project'],
            message: 'required when approval is required: scheduled runs ask for approval in an issue there',
          });
      }),
    /** Trusted mention for the approval request and the report (`<!subteam^ID>` or `@group`). */
    mention: z.string().optional(),
  })
  .strict();

export type Repo = z.infer<typeof repoSchema>;
export type CiGate = z.infer<typeof ciGateSchema>;
export type SentryGate = z.infer<typeof sentryGateSchema>;
export type HealthCheck = z.infer<typeof healthCheckSchema>;
export type Approval = z.infer<typeof approvalSchema>;
export type Options = z.infer<typeof optionsSchema>;

export function repoName(repo: { name?: string; project: string }): string {
  return repo.name ?? repo.project.split('/').pop()!;
}
