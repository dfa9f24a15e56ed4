import { z } from 'zod';
import { projectPath } from '../../src/kit/repo-path.js';
import { duration } from '../../src/kit/duration.js';
import { imagesSchema } from './images/options.js';

/**
 * Config of `promote-packages`: where the packages of a release are staged and published, and
 * which packages and images a release has. Requirements across fields (packages or images, at
 * least one; registry mode needs `staging` and `public`, pipeline mode needs `pipeline`, both
 * only when there are packages) are checked in `checkConfig` (index.ts), because the runner
 * rebuilds the section from this object's shape and would drop object-level refines.
 */

/** What GitLab accepts as a generic package or file name. */
export const PACKAGE_NAME = /^[A-Za-z0-9._+~-]+$/;

export const registrySchema = z
  .object({
    /** A forge name from `forges` (GitLab generic packages, or GitHub release assets). */
    forge: z.string(),
    project: projectPath,
  })
  .strict();

export const packageSchema = z
  .object({
    /** The package name in both registries; `--package` selects by it. */
    name: z.string().regex(PACKAGE_NAME, 'a generic package name: letters, digits and . _ + ~ -'),
    /**
     * Registry mode: the files of a version (`{version}` is replaced), e.g.
     * `gitlab-ee_{version}-ee.0_amd64.deb`. Default: every file staging has for the version.
     */
    files: z
      .array(
        z
          .string()
          .refine(
            (f) => PACKAGE_NAME.test(f.replaceAll('{version}', '1.0.0')),
            'a file name: letters, digits and . _ + ~ - (and {version})',
          ),
      )
      .min(1)
      .optional(),
    /** Pipeline mode: the manual job(s) that publish this package (glob). Default: the package name. */
    job: z.string().min(1).optional(),
    /**
     * Pipeline mode with several tags: the tag templates (from `pipeline.tags`) whose pipelines
     * publish this package, e.g. only `{version}+ee.0`. Default: every tag.
     */
    tags: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Pipeline mode: the tag templates (of pipeline.tags) whose pipelines publish this package; default: every tag.',
      ),
  })
  .strict();

const versionTemplate = z
  .string()
  .min(1)
  .refine((t) => t.includes('{version}'), 'must contain {version}');

/** Pipeline mode: how long to wait for the played jobs to finish, and how often to look. */
export const waitSchema = z
  .object({
    /**
     * A played job not finished by then fails its package (the next run waits for it again,
     * without playing it twice). `0s`: do not wait, report the jobs as played.
     */
    timeout: duration
      .default('30m')
      .describe(
        'A played job not finished by then fails its package (the next run waits again, never plays twice); 0s: do not wait.',
      ),
    /** How often the jobs are looked at while waiting. */
    interval: duration.default('30s').describe('How often the played jobs are looked at while waiting.'),
  })
  .strict();

/**
 * Publish only what passed: what verify-deployment recorded for the version decides whether it
 * may be promoted. A failed or rolled-back verification refuses it (`--force --reason` overrides),
 * no record at all is a warning.
 */
export const verificationSchema = z
  .object({
    /** `false`: promote without looking (no refusal, no warning). */
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Refuse a version whose verify-deployment verification failed or was rolled back; false: do not look.',
      ),
    /**
     * The verify-deployment targets (names or environments) that count, e.g. `[gprd]`.
     * Default: every environment verify-deployment watches.
     */
    environments: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('verify-deployment targets (names or environments) that count; default: all.'),
    /**
     * How the version is spelled where it was deployed (`{version}` replaced), e.g.
     * `{version}-ee.0`. Default: the version itself and, in pipeline mode, each tag.
     */
    deployedAs: z
      .array(versionTemplate)
      .min(1)
      .optional()
      .describe(
        'How the version is spelled on deployments ({version} replaced); default: the version and each tag.',
      ),
  })
  .strict();

export const optionsSchema = z.object({
  /** `registry`: copy files staging → public. `pipeline`: play the tag pipeline's manual release jobs. */
  mode: z.enum(['registry', 'pipeline']).default('registry'),
  staging: registrySchema.optional(),
  public: registrySchema.optional(),
  pipeline: z
    .object({
      forge: z.string(),
      project: projectPath,
      /** The release tag of a version; `{version}` is replaced (omnibus: `{version}+ee.0`). */
      tag: versionTemplate.default('{version}'),
      /**
       * Several release tags per version, each with its own pipeline (omnibus:
       * `['{version}+ce.0', '{version}+ee.0']`); replaces `tag` when given.
       */
      tags: z
        .array(versionTemplate)
        .min(1)
        .refine((t) => new Set(t).size === t.length, 'duplicate tag template')
        .optional()
        .describe(
          "Several release tags per version, each with its own pipeline (['{version}+ce.0', '{version}+ee.0']); replaces tag.",
        ),
      /** Stages whose manual jobs publish packages. */
      stages: z.array(z.string().min(1)).min(1).default(['release']),
      /** Wait for each played job to finish and report its result. */
      wait: waitSchema
        .default({ timeout: '30m', interval: '30s' })
        .describe('Wait for each played job to finish and report its result.'),
    })
    .strict()
    .optional(),
  /**
   * The generic packages of a release. Optional when `images:` lists the images (an images-only
   * promotion); one of the two is required (checked in `checkConfig`).
   */
  packages: z
    .array(packageSchema)
    .min(1, 'list at least one package, or leave packages out when only images are promoted')
    .superRefine((packages, ctx) => {
      const seen = new Set<string>();
      packages.forEach((p, i) => {
        if (seen.has(p.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate package "${p.name}"` });
        seen.add(p.name);
      });
    })
    .optional()
    .describe(
      'The generic packages of a release; may be left out when images: lists what is promoted (one of the two is required).',
    ),
  /** Per-package step retries of transient errors (5xx, resets), on top of the HTTP layer's. */
  retry: z
    .object({
      /** Attempts of one step (a file's download → upload, a job's play), the first included. */
      attempts: z.number().int().min(1).max(10).default(3),
      /** Backoff base; the wait doubles per attempt (with jitter), Retry-After wins. */
      delay: duration.default('2s'),
    })
    .strict()
    .default({ attempts: 3, delay: '2s' }),
  verification: verificationSchema
    .default({ enabled: true })
    .describe('Publish only what passed: what verify-deployment recorded for the version decides.'),
  /** Container images promoted with the version: staging registry → public, through the OCI Distribution API. */
  images: imagesSchema
    .optional()
    .describe(
      'Container images promoted with the version: each `<staging.namespace>/<name>:<tag>` copied to `<public.namespace>/<name>:<tag>` by digest (OCI Distribution API).',
    ),
  /** Trusted mention added to the Slack summary when a package failed (`<!subteam^ID>` or `@group`). */
  mention: z.string().optional(),
});

export type Options = z.infer<typeof optionsSchema>;
export type PackageConfig = z.infer<typeof packageSchema>;
export type RegistryConfig = z.infer<typeof registrySchema>;
export type PipelineConfig = NonNullable<Options['pipeline']>;

/** The tag templates of pipeline mode: `tags`, else the single `tag`. */
export function tagTemplates(pipeline: PipelineConfig): string[] {
  return pipeline.tags ?? [pipeline.tag];
}
