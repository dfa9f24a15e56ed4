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
 * The images of a version in promote-packages, one independent item per image and tag:
 * `planImages` reads (the job's plan phase), `applyImages` copies (its apply phase),
 * `plannedImages` tells what a dry run would do. One image failing never stops the others.
 */

export type ImagesJobOptions = Options & { images?: ImagesOptions };

export interface PlannedImage {
  name: string;
  plan?: ImagePlan;
  /** Why it could not be planned. */
  error?: string;
}

export interface ImagesPlan {
  images: PlannedImage[];
  /** Every blob and manifest to copy, in order, not done. */
  steps: Action[];
  /** `staging → public`, for the report's fields. */
  route: string;
}

/** A public tag `--force --reason` moved (or, in a dry run, would move) to staging's digest. */
export interface ForcedImage {
  /** `repository:tag` as the report names it. */
  name: string;
  /** `<public registry>/<repository>:<tag>`. */
  target: string;
  from: string;
  to: string;
  reason: string;
  done: boolean;
}

/** What the images part of a run did or would do, shaped like the job's other modes. */
export interface ImagesRun {
  items: ItemResult[];
  actions: Action[];
  links: Link[];
  fields: { label: string; value: string }[];
  details: Record<string, unknown>[];
  /** Public tags moved by `--force`: recorded in history, Slack and Sentry. */
  forced: ForcedImage[];
}

function where(registry: ImageRegistry): string {
  const host = new URL(registry.url).host;
  return registry.namespace ? `${host}/${registry.namespace}` : host;
}

/** Clients of both registries; `readOnly` for the plan phase, which must not write. */
export function imageEndpoints(
  images: ImagesOptions,
  signal?: AbortSignal,
  readOnly = false,
): ImageEndpoints {
  const client = (r: ImageRegistry) =>
    createRegistryClient({
      url: r.url,
      readOnly,
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

function failed(name: string, message: string): ItemResult {
  return { name: `image ${name}`, status: 'failed', summary: `failed: ${message}` };
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

export async function planImages(
  ctx: JobContext,
  options: ImagesJobOptions,
  version: string,
  force?: string,
  endpoints: ImageEndpoints = imageEndpoints(options.images!, ctx.signal, true),
): Promise<ImagesPlan> {
  const images = options.images!;
  const planned: PlannedImage[] = [];
  const steps: Action[] = [];
  for (const image of images.repositories) {
    for (const template of image.tags) {
      const tag = render(template, { version });
      const name = `${image.name}:${tag}`;
      if (!TAG.test(tag)) {
        planned.push({ name, error: `"${tag}" is not a valid image tag` });
        continue;
      }
      ctx.progress(`image ${name}: comparing staging with public`);
      try {
        const plan = await withRetry(ctx, options, `image ${name}: plan`, () =>
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
        planned.push({ name, plan });
        steps.push(...plannedOutcome(plan, endpoints).actions);
      } catch (error) {
        ctx.log.error({ image: name, err: error }, `image ${name} failed`);
        planned.push({ name, error: errorMessage(error) });
      }
    }
  }
  return { images: planned, steps, route: `${where(images.staging)} → ${where(images.public)}` };
}

async function runOf(
  plan: ImagesPlan,
  publicName: string,
  outcome: (image: ImagePlan) => Promise<ImageOutcome>,
  onError: (name: string, error: unknown) => void,
): Promise<ImagesRun> {
  const run: ImagesRun = {
    items: [],
    actions: [],
    links: [],
    fields: [{ label: 'Images', value: plan.route }],
    details: [],
    forced: [],
  };
  for (const { name, plan: image, error } of plan.images) {
    if (!image) {
      run.items.push(failed(name, error ?? 'not planned'));
      run.details.push({ name, outcome: 'failed', detail: error ?? 'not planned' });
      continue;
    }
    try {
      const done = await outcome(image);
      run.actions.push(...done.actions);
      run.items.push(itemOf(name, done));
      run.details.push(planDetails(image, done));
      if (
        image.forced &&
        image.publicDigest &&
        image.digest &&
        (done.status === 'copied' || done.status === 'would copy')
      )
        run.forced.push({
          name,
          target: `${publicName}/${image.target}:${image.tag}`,
          from: image.publicDigest,
          to: image.digest,
          reason: image.forced,
          done: done.status === 'copied',
        });
    } catch (error) {
      onError(name, error);
      run.items.push(failed(name, errorMessage(error)));
      run.details.push({ name, digest: image.digest, outcome: 'failed', detail: errorMessage(error) });
    }
  }
  return run;
}

/** Apply phase: copy every planned image. */
export function applyImages(
  ctx: JobContext,
  options: ImagesJobOptions,
  plan: ImagesPlan,
  endpoints: ImageEndpoints = imageEndpoints(options.images!, ctx.signal),
): Promise<ImagesRun> {
  const retry = <T>(what: string, step: () => Promise<T>) => withRetry(ctx, options, what, step);
  return runOf(
    plan,
    endpoints.public.name,
    (image) => applyImage(endpoints, image, retry, (m) => ctx.progress(m)),
    (name, error) => ctx.log.error({ image: name, err: error }, `image ${name} failed`),
  );
}

/** Dry run (or a report without apply): what each image would get, nothing done. */
export function plannedImages(options: ImagesJobOptions, plan: ImagesPlan): Promise<ImagesRun> {
  const endpoints = imageEndpoints(options.images!, undefined, true);
  return runOf(
    plan,
    endpoints.public.name,
    async (image) => plannedOutcome(image, endpoints),
    () => undefined,
  );
}

/** Both phases in one call (tests, the bench): plan, then apply unless a dry run. */
export async function promoteImages(
  ctx: JobContext,
  options: ImagesJobOptions,
  version: string,
  force?: string,
  endpoints: ImageEndpoints = imageEndpoints(options.images!, ctx.signal, ctx.dryRun),
): Promise<ImagesRun> {
  const plan = await planImages(ctx, options, version, force, endpoints);
  return ctx.dryRun ? plannedImages(options, plan) : applyImages(ctx, options, plan, endpoints);
}
