import type { Action } from '../../src/runner/job.js';
import { describeStep, type PipelinePackagePlan, type PipelinePlan, type StepOutcome } from './pipeline.js';

/**
 * What applyPipelinePackage would do with one package's jobs, touching nothing: the outcome a
 * dry run reports, and the plan's steps (play and retry; waits and skips are no change).
 */
export function plannedPipelinePackage(
  plan: PipelinePlan,
  pkgPlan: PipelinePackagePlan,
): { actions: Action[]; steps: StepOutcome[] } {
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
      steps.push({ job, status: 'would wait for', detail: step.reason, pipelineId: pipeline.id });
      continue;
    }
    actions.push({
      kind: step.decision === 'play' ? 'play-job' : 'retry-job',
      description: describeStep(step, pipeline),
      done: false,
      url: job.webUrl,
      subject: pkgPlan.item,
    });
    steps.push({
      job,
      status: step.decision === 'play' ? 'would play' : 'would retry',
      detail: step.reason,
    });
  }
  return { actions, steps };
}
