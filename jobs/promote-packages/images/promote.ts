import { errorMessage } from '../../../src/errors.js';
import { render } from '../../../src/kit/template.js';
import { createRegistryClient } from '../../../src/registry/client.js';
import { TAG } from '../../../src/registry/manifest.js';
import type { Action, ItemResult, JobContext, Link } from '../../../src/runner/job.js';
import type { Options } from '../options.js';
import { withRetry } from '../retry.js';
import { applyImage, plannedOutcome, type ImageOutcome } from './apply.js';
import { repositoryOf, type ImageRegistry, type ImagesOptions } from './options.js';
import { planImage, type ImageEndpoints, type ImagePlan } from './plan.js';

/**
 * The images of a version, one independent item per image and tag: planned, then (not in a dry
 * run) applied. One image failing never stops the others.
 */

export interface ImagesRun {
  items: ItemResult[];
  actions: Action[];
  links: Link[];
  fields: { label: string; value: string }[];
  details: Record<string, unknown>[];
}

function where(registry: ImageRegistry): string {
  const host = new URL(registry.url).host;
  return registry.namespace ? `${host}/${registry.namespace}` : host;
}

export function imageEndpoints(images: ImagesOptions, signal?: AbortSignal): ImageEndpoints {
  const client = (r: ImageRegistry) =>
    createRegistryClient({
      url: r.url,
      ...(r.username !== undefined ? { username: r.username } : {}),
      ...(r.password !== undefined ? { password: r.password } : {}),
      ...(signal ? { signal } : {}),
    });
  return { staging: client(images.staging), public: client(images.public) };
}

function itemOf(name: string, outcome: ImageOutcome): ItemResult {
  const status = outcome.status === 'failed' ? 'failed' : outcome.status === 'skipped' ? 'skipped' : 'ok';
  return {
    name: `image ${name}`,
    status,
    summary: outcome.status === 'failed' ? `failed: ${outcome.detail}` : outcome.detail,
  };
}

function planDetails(plan: ImagePlan, outcome: ImageOutcome): Record<string, unknown> {
  return {
    name: plan.name,
    source: plan.source,
    target: plan.target,
    tag: plan.tag,
    decision: plan.decision,
    reason: plan.reason,
    digest: plan.digest,
    publicDigest: plan.publicDigest,
    ...(plan.forced ? { forced: plan.forced } : {}),
    blobs: plan.blobs.map((b) => ({
      digest: b.descriptor.digest,
      size: b.descriptor.size,
      action: b.action,
    })),
    manifests: plan.children.map((c) => ({
      digest: c.digest,
      platform: c.platform ?? null,
      action: c.action,
    })),
    outcome: outcome.status,
    detail: outcome.detail,
  };
}

export async function promoteImages(
  ctx: JobContext,
  options: Options & { images?: ImagesOptions },
  version: string,
  force?: string,
  endpoints: ImageEndpoints = imageEndpoints(options.images!, ctx.signal),
): Promise<ImagesRun> {
  const images = options.images!;
  const run: ImagesRun = {
    items: [],
    actions: [],
    links: [],
    fields: [{ label: 'Images', value: `${where(images.staging)} → ${where(images.public)}` }],
    details: [],
  };
  const retry = <T>(what: string, step: () => Promise<T>) => withRetry(ctx, options, what, step);
  for (const image of images.repositories) {
    for (const template of image.tags) {
      const tag = render(template, { version });
      const name = `${image.name}:${tag}`;
      if (!TAG.test(tag)) {
        run.items.push({
          name: `image ${name}`,
          status: 'failed',
          summary: `failed: "${tag}" is not a valid image tag`,
        });
        continue;
      }
      ctx.progress(`image ${name}: comparing staging with public`);
      try {
        const plan = await retry(`image ${name}: plan`, () =>
          planImage(
            endpoints,
            {
              name,
              source: repositoryOf(images.staging, image.name),
              target: repositoryOf(images.public, image.name),
              tag,
            },
            force,
          ),
        );
        const outcome = ctx.dryRun
          ? plannedOutcome(plan, endpoints)
          : await applyImage(endpoints, plan, retry, (m) => ctx.progress(m));
        run.actions.push(...outcome.actions);
        run.items.push(itemOf(name, outcome));
        run.details.push(planDetails(plan, outcome));
      } catch (error) {
        ctx.log.error({ image: name, err: error }, `image ${name} failed`);
        run.items.push({
          name: `image ${name}`,
          status: 'failed',
          summary: `failed: ${errorMessage(error)}`,
        });
        run.details.push({ name, outcome: 'failed', detail: errorMessage(error) });
      }
    }
  }
  return run;
}
