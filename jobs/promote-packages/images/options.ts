import { z } from 'zod';
import { REPOSITORY_NAME } from '../../../src/registry/manifest.js';

/**
 * The `images:` section of promote-packages: container images copied from the staging registry
 * to the public one through the OCI Distribution API, `<staging.namespace>/<name>:<tag>` →
 * `<public.namespace>/<name>:<tag>`, for each tag template (`{version}` replaced).
 */

const repositoryPath = z
  .string()
  .regex(REPOSITORY_NAME, 'a repository path: lowercase letters, digits, . _ - and / between parts');

export const imageRegistrySchema = z
  .object({
    /** The registry's base URL: `https://registry.gitlab.com`, `https://ghcr.io`. */
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'an http(s) URL')
      .refine((u) => new URL(u).pathname.replace(/\/+$/, '') === '', 'the registry root, without a path')
      .describe("The registry's base URL: https://registry.gitlab.com, https://ghcr.io."),
    /** Prefix of every repository: `gitlab-org/build/omnibus-gitlab-mirror`, `my-org`. */
    namespace: repositoryPath
      .optional()
      .describe('Prefix of every repository: gitlab-org/build/omnibus-gitlab-mirror, my-org.'),
    /** Basic auth, or the credentials sent to the registry's token endpoint. */
    username: z
      .string()
      .min(1)
      .optional()
      .describe("Basic auth, or the credentials sent to the registry's token endpoint (Bearer challenge)."),
    /** A secret: use `${NAME}` (a GitLab deploy token, a GitHub token with packages scope). */
    password: z
      .string()
      .min(1)
      .optional()
      .describe('A secret: use ${NAME} (a GitLab deploy token, a GitHub token with write:packages).'),
  })
  .strict()
  .refine((r) => (r.username === undefined) === (r.password === undefined), {
    message: 'username and password go together',
    path: ['password'],
  });

const tagTemplate = z
  .string()
  .min(1)
  .refine((t) => t.includes('{version}'), 'must contain {version}')
  .refine(
    (t) => /^[A-Za-z0-9_.{}-]+$/.test(t),
    'a tag template: letters, digits, . _ - and {version} (tags cannot hold "+")',
  );

export const imageSchema = z
  .object({
    /** Repository path under each registry's namespace: `gitlab-ee`. */
    name: repositoryPath.describe("Repository path under each registry's namespace: gitlab-ee."),
    /** The tags of a version: `['{version}-ee.0']`. Default `['{version}']`. */
    tags: z
      .array(tagTemplate)
      .min(1)
      .default(['{version}'])
      .describe("The version's tags ({version} replaced): ['{version}-ee.0']."),
  })
  .strict();

export const imagesSchema = z
  .object({
    staging: imageRegistrySchema.describe('Where the images are staged.'),
    public: imageRegistrySchema.describe('Where they are published.'),
    repositories: z
      .array(imageSchema)
      .min(1, 'list at least one image')
      .describe('The images: <namespace>/<name>:<tag> on each side.')
      .superRefine((images, ctx) => {
        const seen = new Set<string>();
        images.forEach((image, i) => {
          if (seen.has(image.name))
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate image "${image.name}"` });
          seen.add(image.name);
        });
      }),
  })
  .strict()
  .refine(
    (i) =>
      new URL(i.staging.url).host !== new URL(i.public.url).host ||
      (i.staging.namespace ?? '') !== (i.public.namespace ?? ''),
    { message: 'must not be the staging registry and namespace itself', path: ['public'] },
  );

export type ImagesOptions = z.infer<typeof imagesSchema>;
export type ImageRegistry = z.infer<typeof imageRegistrySchema>;
export type ImageConfig = z.infer<typeof imageSchema>;

export function repositoryOf(registry: ImageRegistry, name: string): string {
  return registry.namespace ? `${registry.namespace}/${name}` : name;
}
