import type { Verdict } from '../../src/runner/job.js';
import type { Streak } from './state.js';
import type { Failure } from './triage.js';
import type { RefTarget } from './watch.js';

/**
 * A watched ref as an incident: its key (one Slack conversation and one alert per ref), the
 * alert while its streak of failed pipelines lasts, and `healthy` once a pipeline passes.
 */

export function incidentKey(target: RefTarget): string {
  return `ref:${target.forgeName}:${target.project}:${target.ref}`;
}

export function brokenRef(target: RefTarget, streak: Streak, last: Failure): Verdict {
  const n = streak.failed.length;
  const jobs = last.jobs.map((j) => j.name);
  return {
    subject: incidentKey(target),
    verdict: 'alert',
    title: `${target.project} ${target.ref} is broken: ${n} failed pipeline${n === 1 ? '' : 's'} in a row`,
    reason: `pipeline #${last.pipeline.id} failed${jobs.length ? `: ${jobs.slice(0, 10).join(', ')}${jobs.length > 10 ? ` and ${jobs.length - 10} more` : ''}` : ''}${streak.since ? ` (failing since ${streak.since})` : ''}`,
    url: last.pipeline.webUrl,
    nextStep: `Fix or revert the breaking change on ${target.ref}; the alert closes when a pipeline on ${target.ref} passes.`,
  };
}

export function greenRef(target: RefTarget, pipeline: { id: number; webUrl: string }): Verdict {
  return {
    subject: incidentKey(target),
    verdict: 'healthy',
    title: `${target.project} ${target.ref}: pipeline #${pipeline.id} passed`,
    url: pipeline.webUrl,
  };
}
