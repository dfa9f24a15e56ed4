import { z } from 'zod';
import { projectPath } from '../../src/kit/repo-path.js';
import { isSafeRepoPath } from '../../src/kit/config-checks.js';
import { duration } from '../../src/kit/duration.js';

/** Config of `track-post-deploy-migrations` (seed 002). */

const environment = z.string().regex(/^[\w.-]+$/, 'an environment name like gprd or gstg-cny');

export const optionsSchema = z.object({
  /** Where packages are deployed: the project whose Deployments API records each environment. */
  deployments: z
    .object({
      forge: z.string(),
      project: projectPath,
      /** The environment followed: each package newly deployed here is analysed (and noted) once. */
      environment: environment.default('gprd'),
      /** Every package reaches this environment first; a package is compared with the one deployed here before it. */
      baseline: environment.default('gstg-cny'),
      /** More environments whose deploy times are recorded for `release-bot migrations which` (e.g. gstg, gprd-cny). */
      alsoRecord: z.array(environment).default([]),
      /** On the first run, how far back to read deployments. */
      lookback: duration.default('7d'),
    })
    .strict(),
  /** The project whose diff between two packages' GitLab shas is compared. */
  source: z
    .object({
      forge: z.string(),
      project: projectPath,
      /** Post-deploy migrations are files added under this directory. */
      migrationDirectory: z
        .string()
        .default('db/post_migrate/')
        .refine(
          (dir) => isSafeRepoPath(dir.replace(/\/+$/, '')),
          'must be a relative directory inside the repository (no "..", no leading "/")',
        ),
    })
    .strict(),
  /** The monthly release issue that gets one note per package with post-deploy migrations. */
  releaseIssue: z
    .object({
      forge: z.string(),
      project: projectPath,
      /** The issue carries all of these labels. */
      labels: z.array(z.string().min(1)).default([]),
      /** Its exact title; `{major}` and `{minor}` come from the package version. */
      title: z
        .string()
        .default('Release {major}.{minor}')
        .refine((t) => t.includes('{major}') && t.includes('{minor}'), 'must contain {major} and {minor}'),
    })
    .strict(),
  /** The feature flag `post_deploy_migrations_note`: post the notes (off: record only). */
  postDeployMigrationsNote: z.boolean().default(false),
  /**
   * Read `post_deploy_migrations_note` from GitLab feature flags (the Unleash API of a project)
   * instead of the value above, which stays the answer when the flag does not exist there.
   */
  featureFlags: z
    .object({
      /** `https://gitlab.example.com/api/v4/feature_flags/unleash/<project id>` */
      url: z.url(),
      /** The project's Unleash instance ID (a secret). */
      instanceId: z.string().min(1),
      /** The environment name the flag strategies are scoped to. */
      appName: z.string().min(1).default('production'),
      flag: z.string().min(1).default('post_deploy_migrations_note'),
    })
    .strict()
    .optional(),
});

export type Options = z.infer<typeof optionsSchema>;

/** `db/post_migrate/` whatever the config's trailing slashes. */
export function migrationDir(options: Options): string {
  return `${options.source.migrationDirectory.replace(/\/+$/, '')}/`;
}

/** The environments read each run: the baseline first so a package's predecessor is known when it is analysed. */
export function trackedEnvironments(options: Options): string[] {
  const { baseline, environment: followed, alsoRecord } = options.deployments;
  return [...new Set([baseline, followed, ...alsoRecord])];
}
