import { errorMessage } from '../../src/errors.js';
import { FINISHED_CI_STATUSES, type CiJob } from '../../src/forges/types.js';
import { formatDuration, parseDuration } from '../../src/kit/duration.js';
import { sleep as realSleep } from '../../src/kit/sleep.js';
import type { JobContext } from '../../src/runner/job.js';
import type { Options } from './options.js';
import type { StepOutcome } from './pipeline.js';

/**
 * Pipeline mode, after the plays: a played job only publishes once it has run, and it may fail
 * then (a package server refusing the upload). So the run follows every job it played, retried or
 * found running, until each has finished or the time limit (`pipeline.wait.timeout`, measured on
 * the run's clock) has passed. One jobs listing per pipeline per look, whatever the number of
 * packages. A job not finished in time fails its package; the next run finds it still running
 * and waits for it again instead of playing it twice.
 */

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

const FINISHED = new Set<string>(FINISHED_CI_STATUSES);

function followed(step: StepOutcome): boolean {
  return (
    step.pipelineId !== undefined &&
    !step.finished &&
    (step.status === 'played' || step.status === 'retried' || step.status === 'waited for')
  );
}

function settle(step: StepOutcome, job: CiJob): void {
  step.job = job;
  step.finished = { status: job.status, at: job.finishedAt };
  if (job.status === 'success') {
    step.detail = `${step.detail}; succeeded`;
    return;
  }
  const reason = job.failureReason ? ` (${job.failureReason})` : '';
  step.detail = `${job.name} (#${job.id}) ${job.status}${reason} after it was played`;
  step.status = 'failed';
}

export async function awaitPlayedJobs(
  ctx: JobContext,
  options: Options,
  steps: StepOutcome[],
  sleep: Sleep = realSleep,
): Promise<void> {
  const config = options.pipeline!;
  const timeoutMs = parseDuration(config.wait.timeout)!;
  const intervalMs = Math.max(parseDuration(config.wait.interval)!, 1);
  if (ctx.dryRun || timeoutMs <= 0) return;
  const forge = ctx.forge(config.forge);
  const deadline = ctx.now().getTime() + timeoutMs;
  let lastError: string | undefined;
  for (;;) {
    const open = steps.filter(followed);
    if (open.length === 0) return;
    for (const pipelineId of new Set(open.map((s) => s.pipelineId!))) {
      let jobs: CiJob[];
      try {
        jobs = await forge.ci.listJobs(config.project, pipelineId, { includeRetried: true });
        lastError = undefined;
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        // A forge hiccup while waiting is not the job's result: look again next time.
        lastError = errorMessage(error);
        ctx.log.warn({ err: error, pipeline: pipelineId }, 'could not read the played jobs; looking again');
        continue;
      }
      const byId = new Map(jobs.map((j) => [j.id, j]));
      for (const step of open.filter((s) => s.pipelineId === pipelineId)) {
        const job = byId.get(step.job.id);
        if (!job) continue;
        if (FINISHED.has(job.status)) settle(step, job);
        else step.job = job;
      }
    }
    const still = steps.filter(followed);
    if (still.length === 0) return;
    if (ctx.now().getTime() >= deadline) {
      for (const step of still) {
        const seen = step.job.status;
        step.status = 'failed';
        step.finished = { status: seen, at: null };
        step.detail = `${step.job.name} (#${step.job.id}) still ${seen} after ${formatDuration(timeoutMs)}${lastError ? ` (last look failed: ${lastError})` : ''}; the next run waits for it again`;
      }
      return;
    }
    ctx.progress(
      `waiting for ${still.length} release job${still.length === 1 ? '' : 's'}: ${still.map((s) => `${s.job.name} ${s.job.status}`).join(', ')}`,
    );
    await sleep(intervalMs, ctx.signal);
  }
}
