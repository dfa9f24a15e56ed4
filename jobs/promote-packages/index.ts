import { errorMessage } from '../../src/errors.js';
import { checkForge } from '../../src/kit/config-checks.js';
import {
  combineStatus,
  defineJob,
  type Action,
  type ItemResult,
  type JobContext,
  type JobResult,
  type Link,
} from '../../src/runner/job.js';
import { applyPackage } from './apply.js';
import { releaseVersion, selectedPackages } from './args.js';
import { optionsSchema, type Options, type PackageConfig } from './options.js';
import { applyPipelinePackage, planPipeline } from './pipeline.js';
import { endpoint, planPackage } from './plan.js';
import {
  alertFailures,
  failedItem,
  notifySummary,
  pipelineItem,
  registryItem,
  registryLink,
  runSummary,
} from './report.js';

/**
 * promote-packages (seed 000, omnibus-gitlab): after a version has been deployed from staging,
 * publish its packages to the public registry — one independent, idempotent step per package,
 * so one failed upload never stops the others and a re-run finishes the rest and skips what is
 * done. Registry mode copies files staging → public with sha256 checks; pipeline mode plays the
 * tag pipeline's manual release jobs.
 */

interface ModeRun {
  items: ItemResult[];
  actions: Action[];
  links: Link[];
  fields: { label: string; value: string; url?: string }[];
  details: Record<string, unknown>;
}

async function promoteRegistry(
  ctx: JobContext,
  options: Options,
  packages: PackageConfig[],
  version: string,
): Promise<ModeRun> {
  const staging = options.staging!;
  const pub = options.public!;
  const publicEndpoint = endpoint(ctx, pub);
  const link = registryLink(publicEndpoint.forge, pub.project);
  const run: ModeRun = {
    items: [],
    actions: [],
    links: [link],
    fields: [
      { label: 'From', value: `${staging.forge}:${staging.project}` },
      { label: 'To', value: `${pub.forge}:${pub.project}`, url: link.url },
    ],
    details: { mode: 'registry', version, packages: [] as unknown[] },
  };
  for (const pkg of packages) {
    ctx.progress(`${pkg.name} ${version}: comparing staging with public`);
    try {
      const plan = await planPackage(ctx, options, pkg, version);
      const applied = await applyPackage(ctx, options, plan);
      run.actions.push(...applied.actions);
      run.items.push(registryItem(pkg.name, applied.files, [link]));
      (run.details.packages as unknown[]).push({
        name: pkg.name,
        files: plan.files.map((f, i) => ({
          file: f.fileName,
          decision: f.decision,
          size: f.size,
          sha256: f.sha256,
          checksumSource: f.checksumSource,
          outcome: applied.files[i]?.status,
          detail: applied.files[i]?.detail,
        })),
      });
    } catch (error) {
      ctx.log.error({ package: pkg.name, err: error }, `${pkg.name} failed`);
      run.items.push(failedItem(pkg.name, errorMessage(error)));
    }
  }
  return run;
}

async function promotePipeline(
  ctx: JobContext,
  options: Options,
  packages: PackageConfig[],
  version: string,
): Promise<ModeRun> {
  // No pipeline for the tag fails the run as a whole (one cause, one alert), not each package.
  const plan = await planPipeline(ctx, options, packages, version);
  const pipelineLink = { text: `pipeline #${plan.pipeline.id} (${plan.tag})`, url: plan.pipeline.webUrl };
  const run: ModeRun = {
    items: [],
    actions: [],
    links: [pipelineLink],
    fields: [
      {
        label: 'Pipeline',
        value: `${options.pipeline!.project} #${plan.pipeline.id} (${plan.tag})`,
        url: plan.pipeline.webUrl,
      },
    ],
    details: {
      mode: 'pipeline',
      version,
      tag: plan.tag,
      pipeline: plan.pipeline.id,
      packages: plan.packages.map((p) => ({
        name: p.pkg.name,
        problem: p.problem,
        jobs: p.steps.map((s) => ({
          id: s.job.id,
          name: s.job.name,
          status: s.job.status,
          decision: s.decision,
        })),
      })),
    },
  };
  for (const pkgPlan of plan.packages) {
    if (pkgPlan.problem) {
      run.items.push(pipelineItem(pkgPlan.pkg.name, [], pkgPlan.problem));
      continue;
    }
    const applied = await applyPipelinePackage(ctx, options, plan, pkgPlan);
    run.actions.push(...applied.actions);
    run.items.push(pipelineItem(pkgPlan.pkg.name, applied.steps));
  }
  return run;
}

export default defineJob({
  name: 'promote-packages',
  description:
    'Publish a version’s packages from staging to public, one independent, idempotent, checksum-verified step per package.',
  schedule: 'manual',
  // Large packages stream for a while; each file is one step with its own retries.
  timeoutSeconds: 3600,
  options: optionsSchema,
  cliOptions: [
    { flags: '--version <version>', description: 'the release version to promote, e.g. 16.1.0 (required)' },
    { flags: '--package <name...>', description: 'only these packages (repeatable)' },
  ],
  checkConfig(options, config) {
    const problems: string[] = [];
    if (options.mode === 'registry') {
      for (const key of ['staging', 'public'] as const) {
        const registry = options[key];
        if (!registry) problems.push(`${key}: required in registry mode (forge and project)`);
        else problems.push(...checkForge(config, registry.forge, `${key}.forge`));
      }
      if (
        options.staging &&
        options.public &&
        options.staging.forge === options.public.forge &&
        options.staging.project === options.public.project
      )
        problems.push('public: must not be the staging registry itself');
    } else if (!options.pipeline) {
      problems.push('pipeline: required in pipeline mode (forge, project, tag, stages)');
    } else {
      problems.push(...checkForge(config, options.pipeline.forge, 'pipeline.forge'));
    }
    return problems;
  },
  checkArgs(args, options) {
    releaseVersion(args);
    selectedPackages(options, args);
  },
  async run(ctx, options): Promise<JobResult> {
    const version = releaseVersion(ctx.args);
    const packages = selectedPackages(options, ctx.args);
    const run =
      options.mode === 'pipeline'
        ? await promotePipeline(ctx, options, packages, version)
        : await promoteRegistry(ctx, options, packages, version);
    // A package that was already done is "skipped" in the table; the run itself is then a no-op.
    const status = combineStatus(run.items.map((i) => (i.status === 'skipped' ? 'noop' : i.status)));
    // The packages are done by now: a Slack or Sentry hiccup must not turn into a re-run.
    await alertFailures(ctx, options, version, run.items).catch((error: unknown) =>
      ctx.log.warn({ err: error }, 'could not send the Sentry alerts'),
    );
    await notifySummary(ctx, options, {
      version,
      items: run.items,
      fields: run.fields,
      links: run.links,
    }).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not send the Slack summary'));
    return {
      status,
      summary: runSummary(version, run.items, ctx.dryRun),
      actions: run.actions,
      links: run.links,
      items: run.items,
      details: run.details,
    };
  },
});
