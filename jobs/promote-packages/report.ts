import type { Forge } from '../../src/forges/types.js';
import type { NotifyItem } from '../../src/notify/types.js';
import type { ItemResult, JobContext, Link } from '../../src/runner/job.js';
import type { FileOutcome } from './apply.js';
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
    itemsTitle: 'Packages',
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
 * A promotion forced past a failed verification: one Sentry warning per version, carrying the
 * human's reason, so the override is on record where the failure was.
 */
export async function alertForced(
  ctx: JobContext,
  version: string,
  input: { reason: string; verification: string; links: Link[] },
): Promise<void> {
  if (ctx.dryRun) return;
  await ctx.sentry.captureMessage(
    `promote-packages: ${version} promoted despite a failed verification (forced)`,
    {
      level: 'warning',
      fingerprint: ['promote-packages', 'forced', version],
      tags: { version, forced: 'true' },
      extra: { reason: input.reason, verification: input.verification, links: input.links },
    },
  );
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
