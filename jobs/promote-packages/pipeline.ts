import type { CiJob, Forge, Pipeline } from '../../src/forges/types.js';
import { globToRegExp } from '../../src/kit/glob.js';
import { render } from '../../src/kit/template.js';
import type { Action, JobContext } from '../../src/runner/job.js';
import type { Options, PackageConfig } from './options.js';
import { withRetry } from './retry.js';

/**
 * Pipeline mode (release-tools' way): the version's tag pipeline has one manual release job per
 * package; promoting a package means playing its job. A job that is no longer manual was played
 * already (by a person or an earlier run): nothing to do. A failed or canceled release job is
 * retried, since the run was asked to publish this version.
 */

export type JobDecision = 'play' | 'retry' | 'skip' | 'fail';

export interface JobStep {
  job: CiJob;
  decision: JobDecision;
  reason: string;
}

export interface PipelinePackagePlan {
  pkg: PackageConfig;
  steps: JobStep[];
  /** No job publishes this package. */
  problem?: string;
}

export interface PipelinePlan {
  tag: string;
  pipeline: Pipeline;
  packages: PipelinePackagePlan[];
}

export type StepStatus = 'played' | 'retried' | 'would play' | 'would retry' | 'skipped' | 'failed';

export interface StepOutcome {
  job: CiJob;
  status: StepStatus;
  detail: string;
}

function decide(job: CiJob): JobStep {
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

export async function planPipeline(
  ctx: JobContext,
  options: Options,
  packages: PackageConfig[],
  version: string,
): Promise<PipelinePlan> {
  const config = options.pipeline!;
  const { forge, project } = pipelineForge(ctx, options);
  const tag = render(config.tag, { version });
  const pipelines = await forge.ci.listTagPipelines(project, tag);
  if (pipelines.length === 0)
    throw new Error(`no pipeline for the tag ${tag} in ${project}: is ${version} tagged?`);
  const pipeline = pipelines.reduce((newest, p) => (p.id > newest.id ? p : newest));
  const jobs = (await forge.ci.listJobs(project, pipeline.id)).filter((j) => config.stages.includes(j.stage));
  return {
    tag,
    pipeline,
    packages: packages.map((pkg) => {
      const pattern = globToRegExp(pkg.job ?? pkg.name);
      const matching = jobs.filter((j) => pattern.test(j.name)).sort((a, b) => a.id - b.id);
      if (matching.length === 0)
        return {
          pkg,
          steps: [],
          problem: `no job matching "${pkg.job ?? pkg.name}" in stage${config.stages.length === 1 ? '' : 's'} ${config.stages.join(', ')} of pipeline #${pipeline.id} (${tag})`,
        };
      return { pkg, steps: matching.map(decide) };
    }),
  };
}

export function describeStep(step: JobStep, pipeline: Pipeline): string {
  const verb = step.decision === 'retry' ? 'retry' : 'play';
  return `${verb} the manual job ${step.job.name} (#${step.job.id}) of pipeline #${pipeline.id}`;
}

export async function applyPipelinePackage(
  ctx: JobContext,
  options: Options,
  plan: PipelinePlan,
  pkgPlan: PipelinePackagePlan,
): Promise<{ actions: Action[]; steps: StepOutcome[] }> {
  const { forge, project } = pipelineForge(ctx, options);
  const actions: Action[] = [];
  const steps: StepOutcome[] = [];
  for (const step of pkgPlan.steps) {
    const { job } = step;
    if (step.decision === 'skip' || step.decision === 'fail') {
      steps.push({ job, status: step.decision === 'skip' ? 'skipped' : 'failed', detail: step.reason });
      continue;
    }
    const action: Action = {
      kind: step.decision === 'play' ? 'play-job' : 'retry-job',
      description: describeStep(step, plan.pipeline),
      done: false,
      url: job.webUrl,
      subject: pkgPlan.pkg.name,
    };
    actions.push(action);
    if (ctx.dryRun) {
      steps.push({
        job,
        status: step.decision === 'play' ? 'would play' : 'would retry',
        detail: step.reason,
      });
      continue;
    }
    try {
      if (step.decision === 'play') {
        const played = await withRetry(ctx, options, `${pkgPlan.pkg.name}: play ${job.name}`, () =>
          forge.ci.playJob(project, job.id),
        );
        if (played) {
          action.done = true;
          steps.push({ job: played, status: 'played', detail: `played ${job.name}` });
        } else {
          action.description += ' — already played by someone else';
          steps.push({ job, status: 'skipped', detail: 'already played' });
        }
      } else {
        const retried = await withRetry(ctx, options, `${pkgPlan.pkg.name}: retry ${job.name}`, () =>
          forge.ci.retryJob(project, job.id),
        );
        action.done = true;
        action.url = retried.webUrl;
        steps.push({ job: retried, status: 'retried', detail: `retried ${job.name} (${step.reason})` });
      }
    } catch (error) {
      ctx.log.error({ package: pkgPlan.pkg.name, job: job.name, err: error }, `${job.name} failed to start`);
      steps.push({ job, status: 'failed', detail: `${job.name}: ${(error as Error).message}` });
    }
  }
  return { actions, steps };
}
