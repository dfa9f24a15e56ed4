import type { CiJob, Forge, Pipeline } from '../../src/forges/types.js';
import { globToRegExp } from '../../src/kit/glob.js';
import { render } from '../../src/kit/template.js';
import type { Action, JobContext } from '../../src/runner/job.js';
import { tagTemplates, type Options, type PackageConfig } from './options.js';
import { withRetry } from './retry.js';

/**
 * Pipeline mode (release-tools' way): each release tag of a version (omnibus: `16.1.0+ce.0` and
 * `16.1.0+ee.0`) has a pipeline with one manual release job per package; promoting a package
 * means playing its job and waiting for it to finish (wait.ts). A job that is still pending or
 * running was played already (by a person or an earlier, killed run): it is waited for, never
 * played twice. A job that succeeded is done. A failed or canceled release job is retried, since
 * the run was asked to publish this version.
 */

export type JobDecision = 'play' | 'retry' | 'wait' | 'skip' | 'fail';

export interface JobStep {
  job: CiJob;
  decision: JobDecision;
  reason: string;
}

export interface PipelinePackagePlan {
  pkg: PackageConfig;
  /** The item's name: the package, and its tag when the version has several. */
  item: string;
  tag: string;
  pipeline: Pipeline | null;
  steps: JobStep[];
  /** No pipeline for the tag, or no job publishes this package. */
  problem?: string;
}

export interface TagPipeline {
  tag: string;
  pipeline: Pipeline | null;
}

export interface PipelinePlan {
  tags: TagPipeline[];
  /** The first tag that has a pipeline (what a one-tag setup reports). */
  tag: string;
  pipeline: Pipeline;
  packages: PipelinePackagePlan[];
}

export type StepStatus =
  | 'played'
  | 'retried'
  | 'waited for'
  | 'would play'
  | 'would retry'
  | 'would wait for'
  | 'skipped'
  | 'failed';

export interface StepOutcome {
  job: CiJob;
  status: StepStatus;
  detail: string;
  /** The package's pipeline (what wait.ts polls). */
  pipelineId?: number;
  /** Set by wait.ts once the job finished (or the time limit passed). */
  finished?: { status: string; at: string | null };
}

const RUNNING = new Set(['created', 'pending', 'running', 'preparing', 'waiting_for_resource', 'scheduled']);

function decide(job: CiJob): JobStep {
  // GitLab shows a manual job as `created` until the pipeline reaches its stage: nobody played it.
  if (job.status === 'created' && job.manual)
    return {
      job,
      decision: 'fail',
      reason: `${job.name} cannot be played yet (the pipeline's earlier stages are still running); run again once they pass`,
    };
  if (RUNNING.has(job.status)) return { job, decision: 'wait', reason: `played before, still ${job.status}` };
  switch (job.status) {
    case 'manual':
      return { job, decision: 'play', reason: 'waiting to be played' };
    case 'failed':
    case 'canceled':
      return { job, decision: 'retry', reason: `played before and ${job.status}` };
    case 'skipped':
      return {
        job,
        decision: 'fail',
        reason: `${job.name} was skipped (an earlier stage of the pipeline failed); fix the pipeline first`,
      };
    case 'success':
      return { job, decision: 'skip', reason: 'already played: succeeded' };
    default:
      return { job, decision: 'skip', reason: `already played: ${job.status}` };
  }
}

function pipelineForge(ctx: JobContext, options: Options): { forge: Forge; project: string } {
  const config = options.pipeline!;
  return { forge: ctx.forge(config.forge), project: config.project };
}

/** The templates a package is published from (its `tags`, else every tag). */
function templatesOf(options: Options, pkg: PackageConfig): string[] {
  const all = tagTemplates(options.pipeline!);
  return pkg.tags ? all.filter((t) => pkg.tags!.includes(t)) : all;
}

export async function planPipeline(
  ctx: JobContext,
  options: Options,
  packages: PackageConfig[],
  version: string,
): Promise<PipelinePlan> {
  const config = options.pipeline!;
  const { forge, project } = pipelineForge(ctx, options);
  const templates = tagTemplates(config);
  const several = templates.length > 1;
  const tags: (TagPipeline & { template: string; jobs: CiJob[] })[] = [];
  for (const template of templates) {
    const tag = render(template, { version });
    const pipelines = await forge.ci.listTagPipelines(project, tag);
    // A tag pipeline that was run again: the newest one is the release's.
    const pipeline = pipelines.length ? pipelines.reduce((n, p) => (p.id > n.id ? p : n)) : null;
    const jobs = pipeline
      ? (await forge.ci.listJobs(project, pipeline.id)).filter((j) => config.stages.includes(j.stage))
      : [];
    tags.push({ template, tag, pipeline, jobs });
  }
  const first = tags.find((t) => t.pipeline);
  // No pipeline for any tag: one cause (the version is not tagged), one failure for the run.
  if (!first)
    throw new Error(
      `no pipeline for the tag${several ? 's' : ''} ${tags.map((t) => t.tag).join(', ')} in ${project}: is ${version} tagged?`,
    );
  const stages = `stage${config.stages.length === 1 ? '' : 's'} ${config.stages.join(', ')}`;
  const plans: PipelinePackagePlan[] = [];
  for (const pkg of packages)
    for (const t of tags.filter((x) => templatesOf(options, pkg).includes(x.template))) {
      const base = {
        pkg,
        item: several ? `${pkg.name} (${t.tag})` : pkg.name,
        tag: t.tag,
        pipeline: t.pipeline,
      };
      if (!t.pipeline) {
        plans.push({ ...base, steps: [], problem: `no pipeline for the tag ${t.tag} in ${project}` });
        continue;
      }
      const pattern = globToRegExp(pkg.job ?? pkg.name);
      const matching = t.jobs.filter((j) => pattern.test(j.name)).sort((a, b) => a.id - b.id);
      if (matching.length === 0)
        plans.push({
          ...base,
          steps: [],
          problem: `no job matching "${pkg.job ?? pkg.name}" in ${stages} of pipeline #${t.pipeline.id} (${t.tag})`,
        });
      else plans.push({ ...base, steps: matching.map(decide) });
    }
  return {
    tags: tags.map(({ tag, pipeline }) => ({ tag, pipeline })),
    tag: first.tag,
    pipeline: first.pipeline!,
    packages: plans,
  };
}

export function describeStep(step: JobStep, pipeline: Pipeline): string {
  const verb = step.decision === 'retry' ? 'retry' : step.decision === 'wait' ? 'wait for' : 'play';
  return `${verb} the manual job ${step.job.name} (#${step.job.id}) of pipeline #${pipeline.id}`;
}

export async function applyPipelinePackage(
  ctx: JobContext,
  options: Options,
  plan: PipelinePlan,
  pkgPlan: PipelinePackagePlan,
): Promise<{ actions: Action[]; steps: StepOutcome[] }> {
  const { forge, project } = pipelineForge(ctx, options);
  const pipeline = pkgPlan.pipeline ?? plan.pipeline;
  const actions: Action[] = [];
  const steps: StepOutcome[] = [];
  for (const step of pkgPlan.steps) {
    const { job } = step;
    if (step.decision === 'skip' || step.decision === 'fail') {
      steps.push({ job, status: step.decision === 'skip' ? 'skipped' : 'failed', detail: step.reason });
      continue;
    }
    if (step.decision === 'wait') {
      steps.push({
        job,
        status: 'waited for',
        detail: step.reason,
        pipelineId: pipeline.id,
      });
      continue;
    }
    const action: Action = {
      kind: step.decision === 'play' ? 'play-job' : 'retry-job',
      description: describeStep(step, pipeline),
      done: false,
      url: job.webUrl,
      subject: pkgPlan.item,
    };
    actions.push(action);
    try {
      if (step.decision === 'play') {
        const played = await withRetry(ctx, options, `${pkgPlan.item}: play ${job.name}`, () =>
          forge.ci.playJob(project, job.id),
        );
        if (played) {
          action.done = true;
          steps.push({
            job: played,
            status: 'played',
            detail: `played ${job.name}`,
            pipelineId: pipeline.id,
          });
        } else {
          // Played by someone else meanwhile: it runs, so its result is this package's.
          action.description += ' — already played by someone else';
          steps.push({ job, status: 'waited for', detail: 'already played', pipelineId: pipeline.id });
        }
      } else {
        const retried = await withRetry(ctx, options, `${pkgPlan.item}: retry ${job.name}`, () =>
          forge.ci.retryJob(project, job.id),
        );
        action.done = true;
        action.url = retried.webUrl;
        steps.push({
          job: retried,
          status: 'retried',
          detail: `retried ${job.name} (${step.reason})`,
          pipelineId: pipeline.id,
        });
      }
    } catch (error) {
      ctx.log.error({ package: pkgPlan.item, job: job.name, err: error }, `${job.name} failed to start`);
      steps.push({ job, status: 'failed', detail: `${job.name}: ${(error as Error).message}` });
    }
  }
  return { actions, steps };
}
