import { z } from 'zod';
import { branchName } from '../../src/kit/ref-name.js';
import { projectPath } from '../../src/kit/repo-path.js';
import { duration } from '../../src/kit/duration.js';

/** Config of `follow-deployments`. */

const environmentName = z.string().regex(/^[\w.-]+$/, 'an environment name like gprd or gstg-cny');

export const environmentSchema = z
  .object({
    /** The environment's name in the consuming project's deployments (gstg-cny, gprd, production). */
    name: environmentName.describe(
      'The environment as the consuming project names it (gstg-cny, gprd, production).',
    ),
    /** The workflow label the MR carries once the bump reached it, e.g. `workflow::staging-canary`. */
    label: z
      .string()
      .min(1)
      .describe(
        'The workflow label once the bump reached it; a scoped label replaces the others of its scope.',
      ),
  })
  .strict();

export const componentSchema = z
  .object({
    /** The component name, as in update-component (`release-bot/update-<name>`). */
    name: z
      .string()
      .regex(/^[a-z0-9][\w.-]*$/i, 'letters, digits, dot, dash, underscore')
      .describe('The component as update-component names it (its bump branch is release-bot/update-<name>).'),
    /**
     * The component's own project: where the commits a bump carried are read (for `trace`) and,
     * with `recordDeployments`, where a deployment is recorded per environment reached.
     */
    source: z
      .object({
        forge: z.string(),
        project: projectPath,
        /** The ref recorded deployments name. Default: the project's default branch. */
        branch: branchName.optional(),
      })
      .strict()
      .optional(),
    /** Record a deployment on the component project for each environment the bump reached. */
    recordDeployments: z
      .boolean()
      .default(false)
      .describe(
        "Record a deployment of the bump's component sha on source.project for each environment reached.",
      ),
  })
  .strict()
  .refine((c) => !c.recordDeployments || c.source, {
    message: 'recordDeployments needs source (the component project)',
    path: ['recordDeployments'],
  });

export const optionsSchema = z
  .object({
    /** The consuming project: where update-component's bump MRs merge and deployments are recorded. */
    forge: z.string(),
    project: projectPath.describe('The consuming project: where the bump MRs merge and the deployments are.'),
    /** The environments in deployment order; the last one is production. */
    environments: z
      .array(environmentSchema)
      .describe('In deployment order; the last one is production.')
      .min(1, 'list at least one environment')
      .superRefine((envs, ctx) => {
        const seen = new Set<string>();
        envs.forEach((e, i) => {
          if (seen.has(e.name))
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate environment "${e.name}"` });
          seen.add(e.name);
        });
      }),
    components: z.array(componentSchema).min(1, 'list at least one component'),
    slackChannel: z
      .string()
      .optional()
      .describe(
        'One conversation per bump: with a bot token one message updated as it advances, a thread reply per environment; with webhooks one message per environment.',
      ),
    /** Only bumps merged within this long ago are followed (also on the first run). */
    lookback: duration.default('14d').describe('Only bumps merged within this long ago are followed.'),
    /**
     * When no deployment moved, merged bump MRs are looked for at most this often (one request
     * per component); a moved deployment always looks.
     */
    rescanBumps: duration
      .default('30m')
      .describe(
        'With no deployment moving, look for newly merged bumps this often (one request per component).',
      ),
    /** A bump on the last environment for this long is no longer followed (no rollback check). */
    settleAfter: duration
      .default('3d')
      .describe('A bump on the last environment this long is no longer followed (no rollback check).'),
  })
  .strict();

export type Options = z.infer<typeof optionsSchema>;
export type Component = z.infer<typeof componentSchema>;
export type EnvironmentOption = z.infer<typeof environmentSchema>;
