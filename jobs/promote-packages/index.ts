import { errorMessage } from '../../src/errors.js';
import { checkForge } from '../../src/kit/config-checks.js';
import {
  combineStatus,
  defineJob,
  type Action,
  type ItemResult,
  type JobContext,
  type Link,
  type Plan,
} from '../../src/runner/job.js';
import { applyPackage, planOutcomes, type AppliedPackage } from './apply.js';
import { forceReason, releaseVersion, selection } from './args.js';
import { migrationsLine, migrationsSuffix, versionMigrations } from './migrations.js';
import { optionsSchema, type Options, type PackageConfig } from './options.js';
import {
  applyPipelinePackage,
  planPipeline,
  type PipelinePackagePlan,
  type PipelinePlan,
  type StepOutcome,
} from './pipeline.js';
import { pipelineProblems, TIMEOUT_SECONDS } from './pipeline-config.js';
import { endpoint, planPackage, type PackagePlan } from './plan.js';
import { plannedPipelinePackage } from './planned.js';
import {
  alertFailures,
  alertForced,
  forcedFields,
  forcedImagesSuffix,
  forcedOf,
  notifyRefusal,
  failedItem,
  notifySummary,
  pipelineItem,
  registryItem,
  registryLink,
  runSummary,
} from './report.js';
import { checkVerification, verificationLine, verificationSuffix } from './verification.js';
import { awaitPlayedJobs } from './wait.js';
import {
  applyImages,
  planImages,
  plannedImages,
  type ForcedImage,
  type ImagesPlan,
  type ImagesRun,
} from './images/promote.js';

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
  /** Public image tags `--force` moved (or would move). */
  forced?: ForcedImage[];
}

interface PromotionPlan extends Plan<Action> {
  version: string;
  packages: PackageConfig[];
  /** The selected images (`images.repositories[].name`). */
  imageNames: string[];
  verification: Awaited<ReturnType<typeof checkVerification>>;
  sections: string[];
  verificationDetails: Record<string, unknown>;
  migrationDetails: { scope: string; files: { file: string; package: string }[]; unknown: string[] };
  /** Pipeline mode; absent when the version was refused. */
  pipeline?: PipelinePlan;
  /** Registry mode; absent when the version was refused. */
  registry?: RegistryPackage[];
  /** The `images:` section's images; absent when none are configured or the version was refused. */
  images?: ImagesPlan;
}

/** The images' items, actions and fields join the packages' in one report. */
function withImages(run: ModeRun, images: ImagesRun | undefined): ModeRun {
  if (!images) return run;
  return {
    items: [...run.items, ...images.items],
    actions: [...run.actions, ...images.actions],
    links: [...run.links, ...images.links],
    fields: [...run.fields, ...images.fields],
    details: { ...run.details, images: images.details },
    forced: images.forced,
  };
}

interface RegistryPackage {
  pkg: PackageConfig;
  plan?: PackagePlan;
  /** Why it could not be planned. */
  error?: string;
}

async function planRegistry(
  ctx: JobContext,
  options: Options,
  packages: PackageConfig[],
  version: string,
): Promise<RegistryPackage[]> {
  const planned: RegistryPackage[] = [];
  for (const pkg of packages) {
    ctx.progress(`${pkg.name} ${version}: comparing staging with public`);
    try {
      planned.push({ pkg, plan: await planPackage(ctx, options, pkg, version) });
    } catch (error) {
      ctx.log.error({ package: pkg.name, err: error }, `${pkg.name} failed`);
      planned.push({ pkg, error: errorMessage(error) });
    }
  }
  return planned;
}

/** What the registry promotion did (`outcome`: apply) or would do (`outcome`: the plan's outcomes). */
async function promoteRegistry(
  ctx: JobContext,
  options: Options,
  planned: RegistryPackage[],
  version: string,
  outcome: (plan: PackagePlan) => Promise<AppliedPackage>,
): Promise<ModeRun> {
  // Images only (no packages configured or selected): nothing here, the images say it all.
  if (planned.length === 0) return { items: [], actions: [], links: [], fields: [], details: {} };
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
  for (const { pkg, plan, error } of planned) {
    if (!plan) {
      run.items.push(failedItem(pkg.name, error ?? 'not planned'));
      continue;
    }
    try {
      const applied = await outcome(plan);
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

/** What the pipeline promotion did (`perPackage`: apply, then wait) or would do (the plan's outcomes). */
async function promotePipeline(
  ctx: JobContext,
  options: Options,
  plan: PipelinePlan,
  version: string,
  perPackage: (pkgPlan: PipelinePackagePlan) => Promise<{ actions: Action[]; steps: StepOutcome[] }>,
  wait: boolean,
): Promise<ModeRun> {
  const found = plan.tags.filter((t) => t.pipeline);
  const run: ModeRun = {
    items: [],
    actions: [],
    links: found.map((t) => ({ text: `pipeline #${t.pipeline!.id} (${t.tag})`, url: t.pipeline!.webUrl })),
    fields: plan.tags.map((t) => ({
      label: plan.tags.length > 1 ? `Pipeline ${t.tag}` : 'Pipeline',
      value: t.pipeline
        ? `${options.pipeline!.project} #${t.pipeline.id} (${t.tag})`
        : `no pipeline for ${t.tag}`,
      ...(t.pipeline ? { url: t.pipeline.webUrl } : {}),
    })),
    details: {
      mode: 'pipeline',
      version,
      tag: plan.tag,
      pipeline: plan.pipeline.id,
      tags: plan.tags.map((t) => ({ tag: t.tag, pipeline: t.pipeline?.id ?? null })),
      packages: plan.packages.map((p) => ({
        name: p.item,
        package: p.pkg.name,
        tag: p.tag,
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
  const applied: { item: string; problem?: string; steps: StepOutcome[] }[] = [];
  for (const pkgPlan of plan.packages) {
    if (pkgPlan.problem) {
      applied.push({ item: pkgPlan.item, problem: pkgPlan.problem, steps: [] });
      continue;
    }
    const done = await perPackage(pkgPlan);
    run.actions.push(...done.actions);
    applied.push({ item: pkgPlan.item, steps: done.steps });
  }
  // Every package's jobs are playing now; follow them all at once until they finish.
  if (wait)
    await awaitPlayedJobs(
      ctx,
      options,
      applied.flatMap((a) => a.steps),
    );
  for (const a of applied) run.items.push(pipelineItem(a.item, a.steps, a.problem));
  (run.details as { results?: unknown }).results = applied.map((a) => ({
    name: a.item,
    jobs: a.steps.map((s) => ({
      id: s.job.id,
      name: s.job.name,
      status: s.status,
      finished: s.finished ?? null,
    })),
  }));
  return run;
}

export default defineJob({
  name: 'promote-packages',
  description:
    'Publish a version’s packages from staging to public, one independent, idempotent, checksum-verified step per package.',
  schedule: 'manual',
  // Large packages stream for a while; each file is one step with its own retries.
  timeoutSeconds: TIMEOUT_SECONDS,
  options: optionsSchema,
  cliOptions: [
    { flags: '--version <version>', description: 'the release version to promote, e.g. 16.1.0 (required)' },
    {
      flags: '--package <name...>',
      description: 'only these packages, and the images of the same names (repeatable)',
    },
    { flags: '--image <name...>', description: 'only these images (repeatable)' },
    {
      flags: '--force',
      description:
        'promote even though the version failed verification or was rolled back, or move an image tag public has at another digest (needs --reason)',
    },
    { flags: '--reason <text>', description: 'why --force: recorded in history, Slack and Sentry' },
  ],
  checkConfig(options, config) {
    const problems: string[] = [];
    if (!options.packages && !options.images)
      return [
        'packages: nothing to promote: list the generic packages under packages:, or the container images under images: (staging, public, repositories), or both',
      ];
    // Images only: the packages' registries (or pipeline) are not needed.
    if (!options.packages) return problems;
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
      problems.push(
        ...pipelineProblems(options, config.jobs['promote-packages']?.timeoutSeconds ?? TIMEOUT_SECONDS),
      );
    }
    return problems;
  },
  checkArgs(args, options) {
    releaseVersion(args);
    selection(options, args);
    forceReason(args);
  },
  async plan(ctx, options): Promise<PromotionPlan> {
    const version = releaseVersion(ctx.args);
    const selected = selection(options, ctx.args);
    const { packages } = selected;
    // Publish only what passed: what verify-deployment recorded decides before anything is touched.
    const verification = await checkVerification(ctx, options, version, forceReason(ctx.args));
    const migrations = await versionMigrations(ctx, verification.versions);
    const sections = [
      ...(verification.state === 'unverified' ? [`Warning: ${verification.reason}`] : []),
      ...(verification.state === 'inconclusive'
        ? [`Warning: verification not conclusive: ${verification.reason}`]
        : []),
      `Post-deploy migrations: ${migrationsLine(migrations)}${migrations.migrations.length ? `\n${migrations.migrations.map((m) => `• ${m.file} (${m.package})`).join('\n')}` : ''}`,
    ];
    const verificationDetails = {
      state: verification.state,
      reason: verification.reason,
      versions: verification.versions,
      ...(verification.forcedReason ? { forcedReason: verification.forcedReason } : {}),
      verdicts: verification.verdicts.map((v) => ({
        target: v.target,
        environment: v.environment,
        deployment: v.deployment.id,
        version: v.version,
        verdict: v.verdict,
        rolledBack: v.rolledBack,
        runId: v.runId,
      })),
    };
    const migrationDetails = {
      scope: migrations.scope,
      files: migrations.migrations,
      unknown: migrations.unknown,
    };
    if (verification.state === 'unverified' || verification.state === 'inconclusive')
      ctx.log.warn(verificationLine(verification));
    const base = {
      version,
      packages,
      imageNames: selected.images.map((i) => i.name),
      verification,
      sections,
      verificationDetails,
      migrationDetails,
    };
    if (verification.state === 'refused') return { ...base, steps: [] };
    const images =
      options.images && selected.images.length > 0
        ? await planImages(
            ctx,
            { ...options, images: { ...options.images, repositories: selected.images } },
            version,
            forceReason(ctx.args),
          )
        : undefined;
    const imageSteps = images?.steps ?? [];
    if (options.mode === 'pipeline' && packages.length > 0) {
      // No pipeline for any tag fails the run as a whole (one cause, one alert), not each package.
      const pipeline = await planPipeline(ctx, options, packages, version);
      const steps = pipeline.packages.flatMap((p) =>
        p.problem ? [] : plannedPipelinePackage(pipeline, p).actions,
      );
      return { ...base, steps: [...steps, ...imageSteps], pipeline, ...(images ? { images } : {}) };
    }
    const registry = await planRegistry(ctx, options, packages, version);
    const steps = registry.flatMap((p) => (p.plan ? planOutcomes(options, p.plan).actions : []));
    return { ...base, steps: [...steps, ...imageSteps], registry, ...(images ? { images } : {}) };
  },
  async apply(ctx, plan, options): Promise<{ actions: Action[]; run?: ModeRun }> {
    const { version, verification, sections } = plan;
    if (verification.state === 'refused') {
      await notifyRefusal(ctx, options, {
        version,
        reason: verification.reason,
        links: verification.links,
      }).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not send the Slack refusal'));
      return { actions: [] };
    }
    const { pipeline } = plan;
    const packagesRun = pipeline
      ? await promotePipeline(
          ctx,
          options,
          pipeline,
          version,
          (pkgPlan) => applyPipelinePackage(ctx, options, pipeline, pkgPlan),
          true,
        )
      : await promoteRegistry(ctx, options, plan.registry ?? [], version, (p) =>
          applyPackage(ctx, options, p),
        );
    const run = withImages(
      packagesRun,
      plan.images ? await applyImages(ctx, options, plan.images) : undefined,
    );
    // The packages are done by now: a Slack or Sentry hiccup must not turn into a re-run.
    await alertFailures(ctx, options, version, run.items).catch((error: unknown) =>
      ctx.log.warn({ err: error }, 'could not send the Sentry alerts'),
    );
    const forced = forcedOf(verification, run.forced);
    if (forced)
      await alertForced(ctx, version, forced, [...run.links, ...verification.links]).catch((error: unknown) =>
        ctx.log.warn({ err: error }, 'could not send the Sentry warning'),
      );
    await notifySummary(ctx, options, {
      version,
      items: run.items,
      fields: [
        ...run.fields,
        { label: 'Verification', value: verificationLine(verification) },
        ...forcedFields(forced),
      ],
      links: [...run.links, ...verification.links],
      sections,
    }).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not send the Slack summary'));
    return { actions: run.actions, run };
  },
  async report(ctx, plan, applied, options) {
    const { version, packages, verification, verificationDetails, migrationDetails } = plan;
    if (verification.state === 'refused') {
      const summary = `${version}: refused, nothing promoted — ${verification.reason}. Promote anyway only with --force --reason "<why>"`;
      return {
        status: 'failed',
        summary,
        links: verification.links,
        items: [...packages.map((p) => p.name), ...plan.imageNames.map((i) => `image ${i}`)].map((name) => ({
          name,
          status: 'skipped',
          summary: 'not promoted: verification failed',
        })),
        details: {
          mode: options.mode,
          version,
          verification: verificationDetails,
          migrations: migrationDetails,
        },
      };
    }
    const { pipeline } = plan;
    const run =
      applied?.run ??
      withImages(
        pipeline
          ? await promotePipeline(
              ctx,
              options,
              pipeline,
              version,
              async (pkgPlan) => plannedPipelinePackage(pipeline, pkgPlan),
              false,
            )
          : await promoteRegistry(ctx, options, plan.registry ?? [], version, async (p) =>
              planOutcomes(options, p),
            ),
        plan.images ? await plannedImages(options, plan.images) : undefined,
      );
    // A package that was already done is "skipped" in the table; the run itself is then a no-op.
    const status = combineStatus(run.items.map((i) => (i.status === 'skipped' ? 'noop' : i.status)));
    return {
      status,
      summary: `${runSummary(version, run.items, ctx.dryRun)}${verificationSuffix(verification)}${forcedImagesSuffix(run.forced ?? [], ctx.dryRun)}${migrationsSuffix(migrationDetails)}`,
      links: [...run.links, ...verification.links],
      items: run.items,
      details: { ...run.details, verification: verificationDetails, migrations: migrationDetails },
    };
  },
});
