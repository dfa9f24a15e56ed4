import { z } from 'zod';
import { branchName, branchPart } from '../../src/kit/ref-name.js';
import { projectPath, repoFilePath } from '../../src/kit/repo-path.js';
import { duration } from '../../src/kit/duration.js';
import { bumpBranch } from '../../src/domain/bump.js';

/** Config of `update-component`: one entry per component whose version a consuming repo pins. */

export const componentSchema = z
  .object({
    /** Short name: used in the branch `release-bot/update-<name>`, titles and `--component`. */
    name: z
      .string()
      .regex(/^[a-z0-9][\w.-]*$/i, 'letters, digits, dot, dash, underscore')
      .pipe(branchPart((name) => bumpBranch(name))),
    source: z
      .object({
        forge: z.string(),
        project: projectPath,
        /** Default: the project's default branch. */
        branch: branchName.optional(),
        /** Job (or check) name patterns that must have passed, e.g. `build-assets-image` (rejects docs-only pipelines). */
        requiredJobs: z.array(z.string().min(1)).default([]),
        maxCommitsToCheck: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    target: z
      .object({
        forge: z.string(),
        project: projectPath,
        branch: branchName.optional(),
        versionFile: repoFilePath,
        /** How the file is written; `{sha}` is the commit. E.g. `VERSION={sha}\n`. */
        format: z
          .string()
          .default('{sha}\n')
          .refine((f) => (f.match(/\{sha\}/g) ?? []).length === 1, 'must contain {sha} exactly once'),
      })
      .strict(),
    mergeRequest: z
      .object({
        /** `{name}`, `{sha}`, `{short_sha}` are replaced. */
        title: z.string().min(1).default('Update {name} version'),
        labels: z.array(z.string()).default([]),
        assignees: z.array(z.string()).default([]),
        reviewers: z.array(z.string()).default([]),
        milestone: z.enum(['none', 'current']).default('none'),
        removeSourceBranch: z.boolean().default(true),
        squash: z.boolean().default(false),
      })
      .strict()
      .default({
        title: 'Update {name} version',
        labels: [],
        assignees: [],
        reviewers: [],
        milestone: 'none',
        removeSourceBranch: true,
        squash: false,
      }),
    autoMerge: z.boolean().default(true),
    /** A second account that approves the MR before auto-merge (GitLab forbids approving your own MR). */
    approverToken: z.string().optional(),
    /** An MR open longer than this gets one Slack warning. */
    staleAfter: duration.default('24h'),
    slackChannel: z.string().optional(),
    /**
     * A person closed the bot's bump MR without merging: `hold` keeps the component at its
     * version until a newer green commit appears; `reopen` opens a new MR at the same commit.
     */
    onClose: z
      .enum(['hold', 'reopen'])
      .default('hold')
      .describe(
        "Closing the bot's bump MR without merging: hold (not this version: wait for a newer green commit) or reopen.",
      ),
    /** Trusted mention for this component's team (`<!subteam^ID>` or `@group`). */
    mention: z.string().optional(),
  })
  .strict();

export const optionsSchema = z.object({
  components: z
    .array(componentSchema)
    .min(1, 'list at least one component')
    .superRefine((components, ctx) => {
      const seen = new Set<string>();
      components.forEach((c, i) => {
        if (seen.has(c.name))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `duplicate component name "${c.name}"`,
          });
        seen.add(c.name);
      });
    }),
});

export type Component = z.infer<typeof componentSchema>;
export type Options = z.infer<typeof optionsSchema>;

export function botBranch(component: Component): string {
  return bumpBranch(component.name);
}
