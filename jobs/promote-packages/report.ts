import type { Forge } from '../../src/forges/types.js';
import type { NotifyItem } from '../../src/notify/types.js';
import type { ItemResult, JobContext, Link } from '../../src/runner/job.js';
import type { FileOutcome } from './apply.js';
import type { ForcedImage } from './images/promote.js';
import type { Options } from './options.js';
import type { StepOutcome } from './pipeline.js';

/**
 * The per-package table, the Slack summary and the Sentry alerts. Item statuses: `ok` (published
 * or played now), `skipped` (already public / already played), `failed`.
 */

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function registryLink(forge: Forge, project: string): Link {
  return forge.links.packages(project);
}

export function registryItem(name: string, files: FileOutcome[], links: Link[]): ItemResult {
  const count = (status: FileOutcome['status']) => files.filter((f) => f.status === status).length;
  const failed = files.filter((f) => f.status === 'failed');
  const published = count('published');
  const planned = count('would publish');
  const skipped = count('skipped');
  if (failed.length > 0) {
    const more = failed.length > 1 ? ` (and ${plural(failed.length - 1, 'more file')} failed)` : '';
    const done = published > 0 ? `; ${plural(published, 'file')} published` : '';
    return { name, status: 'failed', summary: `failed: ${failed[0]!.detail}${more}${done}`, links };
  }
  const already = skipped > 0 ? `, ${skipped} already public` : '';
  if (published > 0)
    return {
      name,
      status: 'ok',
      summary: `published ${plural(published, 'file')}, sha256 verified${already}`,
      links,
    };
  if (planned > 0)
    return {
      name,
      status: 'ok',
      summary: `would publish ${plural(planned, 'file')}: ${files
        .filter((f) => f.status === 'would publish')
        .map((f) => f.fileName)
        .join(', ')}${already}`,
      links,
    };
  return {
    name,
    status: 'skipped',
    summary: `already published, skipped (${plural(skipped, 'file')}, same sha256)`,
    links,
  };
}

export function pipelineItem(name: string, steps: StepOutcome[], problem?: string): ItemResult {
  const links = steps.map((s) => ({ text: `${s.job.name} job`, url: s.job.webUrl }));
  if (problem) return { name, status: 'failed', summary: `failed: ${problem}`, links };
  const failed = steps.filter((s) => s.status === 'failed');
  if (failed.length > 0)
    return { name, status: 'failed', summary: `failed: ${failed.map((s) => s.detail).join('; ')}`, links };
  const acted = steps.filter((s) => s.status !== 'skipped');
  if (acted.length > 0)
    return {
      name,
      status: 'ok',
      summary: acted
        .map((s) => `${s.status} ${s.job.name} (#${s.job.id})${s.finished ? `: ${s.finished.status}` : ''}`)
        .join(', '),
      links,
    };
  return {
    name,
    status: 'skipped',
    summary: `already played, skipped (${steps.map((s) => `${s.job.name}: ${s.detail.replace(/^already played: /, '')}`).join(', ')})`,
    links,
  };
}

export function failedItem(name: string, message: string): ItemResult {
  return { name, status: 'failed', summary: `failed: ${message}` };
}

export function headline(version: string, items: ItemResult[], dryRun: boolean): string {
  const ok = items.filter((i) => i.status === 'ok').length;
  const skipped = items.filter((i) => i.status === 'skipped').length;
  const failed = items.filter((i) => i.status === 'failed').length;
  const parts = [
    ok > 0 ? `${ok} ${dryRun ? 'to promote' : 'promoted'}` : '',
    skipped > 0 ? `${skipped} already done` : '',
    failed > 0 ? `${failed} failed` : '',
  ].filter(Boolean);
  return `${version}: ${parts.join(', ') || 'nothing selected'}`;
}

export function runSummary(version: string, items: ItemResult[], dryRun: boolean): string {
  return `${headline(version, items, dryRun)} — ${items.map((i) => `${i.name}: ${i.summary}`).join('; ')}`;
}

function itemsTitle(items: ItemResult[]): string {
  const images = items.filter((i) => i.name.startsWith('image ')).length;
  return images === 0 ? 'Packages' : images === items.length ? 'Images' : 'Packages and images';
}

export async function notifySummary(
  ctx: JobContext,
  options: Options,
  input: {
    version: string;
    items: ItemResult[];
    fields: { label: string; value: string; url?: string }[];
    links: Link[];
    /** Paragraphs after the title: a verification warning, the post-deploy migrations. */
    sections?: string[];
  },
): Promise<void> {
  const { version, items } = input;
  const failed = items.some((i) => i.status === 'failed');
  const promoted = items.some((i) => i.status === 'ok');
  const list: NotifyItem[] = items.map((i) => ({
    text: `${i.status === 'failed' ? '✗' : i.status === 'ok' ? '✓' : '–'} ${i.name}: ${i.summary}`,
    url: i.links?.[0]?.url,
  }));
  await ctx.notifier.send(ctx.slackChannel, {
    title: `Package promotion ${headline(version, items, ctx.dryRun)}`,
    severity: failed ? 'error' : promoted ? 'success' : 'info',
    fields: [{ label: 'Version', value: version }, ...input.fields],
    ...(input.sections?.length ? { sections: input.sections } : {}),
    itemsTitle: itemsTitle(items),
    items: list,
    links: input.links,
    mention: failed ? options.mention : undefined,
    nextStep: failed
      ? `Fix what failed, then run \`release-bot run promote-packages --version ${version}\` again: what is published is skipped and only the rest is promoted. A file refused for its checksum is never overwritten: check staging (or the public file) first.`
      : undefined,
    context: { job: ctx.job, runId: ctx.runId, dryRun: ctx.dryRun },
  });
}

/** One Sentry event per failed package, grouped per package so repeated failures stay one issue. */
export async function alertFailures(
  ctx: JobContext,
  options: Options,
  version: string,
  items: ItemResult[],
): Promise<void> {
  if (ctx.dryRun) return;
  for (const item of items.filter((i) => i.status === 'failed'))
    await ctx.sentry.captureMessage(`promote-packages: ${item.name} ${version} was not promoted`, {
      level: 'error',
      fingerprint: ['promote-packages', item.name],
      tags: { package: item.name, version, mode: options.mode },
      extra: { summary: item.summary, links: item.links ?? [] },
    });
}

/**
 * What `--force --reason` overrode in a run: a refused verification, public image tags moved to
 * another digest, or both. One shape for history, Slack and Sentry, whichever was forced.
 */
export interface Forced {
  reason: string;
  /** The refused verification that was overridden. */
  verification?: string;
  /** Public image tags moved (or, in a dry run, that would be moved). */
  images: ForcedImage[];
}

export function forcedOf(
  verification: { state: string; reason: string; forcedReason?: string },
  images: ForcedImage[] = [],
): Forced | undefined {
  const reason = verification.forcedReason ?? images[0]?.reason;
  if (!reason) return undefined;
  return {
    reason,
    ...(verification.state === 'forced' ? { verification: verification.reason } : {}),
    images,
  };
}

const short = (digest: string) => `${digest.slice(0, 19)}…`;

function movedTags(images: ForcedImage[]): string {
  return images.map((i) => `${i.name} (${short(i.from)} → ${short(i.to)})`).join(', ');
}

/** Slack fields of a forced run: why, and which public image tags moved. */
export function forcedFields(forced: Forced | undefined): { label: string; value: string }[] {
  if (!forced) return [];
  return [
    { label: 'Forced, because', value: forced.reason },
    ...(forced.images.length ? [{ label: 'Image tags moved', value: movedTags(forced.images) }] : []),
  ];
}

/** Appended to the run summary (history) when `--force` moved public image tags. */
export function forcedImagesSuffix(images: ForcedImage[], dryRun: boolean): string {
  if (images.length === 0) return '';
  return ` — forced: ${dryRun ? 'would move' : 'moved'} public image tag(s) ${movedTags(images)}, reason: ${images[0]!.reason}`;
}

/**
 * A forced promotion (past a failed verification, or over a public image tag at another digest):
 * one Sentry warning per version carrying the human's reason, so the override is on record where
 * failures are looked at. Secrets in the reason are masked by the Sentry client.
 */
export async function alertForced(
  ctx: JobContext,
  version: string,
  forced: Forced,
  links: Link[],
): Promise<void> {
  if (ctx.dryRun) return;
  const done = forced.images.filter((i) => i.done);
  const what = [
    forced.verification ? 'promoted despite a failed verification' : '',
    done.length ? `moved ${done.length} public image tag(s) to another digest` : '',
  ].filter(Boolean);
  if (what.length === 0) return;
  await ctx.sentry.captureMessage(`promote-packages: ${version} ${what.join(', ')} (forced)`, {
    level: 'warning',
    fingerprint: ['promote-packages', 'forced', version],
    tags: { version, forced: 'true' },
    extra: {
      reason: forced.reason,
      ...(forced.verification ? { verification: forced.verification } : {}),
      ...(done.length
        ? { images: done.map((i) => ({ image: i.name, target: i.target, from: i.from, to: i.to })) }
        : {}),
      links,
    },
  });
}

/** A version refused before anything was touched: where it failed, and how to override. */
export async function notifyRefusal(
  ctx: JobContext,
  options: Options,
  input: { version: string; reason: string; links: Link[] },
): Promise<void> {
  await ctx.notifier.send(ctx.slackChannel, {
    title: `Package promotion ${input.version} refused: it did not pass verification`,
    severity: 'error',
    sections: [input.reason],
    fields: [{ label: 'Version', value: input.version }],
    links: input.links,
    mention: options.mention,
    nextStep: `Nothing was promoted. Fix the version (or ship a new one). To publish it anyway: \`release-bot run promote-packages --version ${input.version} --force --reason "<why>"\` (the reason is recorded).`,
    context: { job: ctx.job, runId: ctx.runId, dryRun: ctx.dryRun },
  });
}
