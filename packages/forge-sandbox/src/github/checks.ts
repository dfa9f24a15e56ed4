import type { SimCheckRun, SimCommitStatus, SimProject } from '../core/model.js';
import type { Gh } from './context.js';

/**
 * Reading CI signals on a commit the way GitHub does: every check run and status is kept (a
 * re-run adds a new check run with the same name); the newest per name/context decides.
 */

export type Verdict = 'success' | 'pending' | 'failure';

export interface CheckVerdict {
  name: string;
  kind: 'check_run' | 'status';
  verdict: Verdict;
}

export function checkRunsOf(gh: Gh, project: SimProject, sha: string): SimCheckRun[] {
  return gh.world.checkRuns.filter((c) => c.projectId === project.id && c.sha === sha);
}

/** Newest first. */
export function statusesOf(gh: Gh, project: SimProject, sha: string): SimCommitStatus[] {
  return gh.world.statuses
    .filter((s) => s.projectId === project.id && s.sha === sha)
    .sort((a, b) => b.id - a.id);
}

/** The newest check run per name. */
export function latestPerName(runs: SimCheckRun[]): SimCheckRun[] {
  const latest = new Map<string, SimCheckRun>();
  for (const run of runs) {
    const seen = latest.get(run.name);
    if (!seen || run.id > seen.id) latest.set(run.name, run);
  }
  return [...latest.values()];
}

/** The newest status per context (input newest first). */
export function latestPerContext(statuses: SimCommitStatus[]): SimCommitStatus[] {
  const latest = new Map<string, SimCommitStatus>();
  for (const s of statuses) if (!latest.has(s.context)) latest.set(s.context, s);
  return [...latest.values()];
}

export function ghStatusState(state: SimCommitStatus['state']): 'error' | 'failure' | 'pending' | 'success' {
  switch (state) {
    case 'success':
      return 'success';
    case 'failed':
      return 'failure';
    case 'error':
    case 'canceled':
      return 'error';
    default:
      return 'pending';
  }
}

export function simStatusState(state: string): SimCommitStatus['state'] | undefined {
  switch (state) {
    case 'success':
      return 'success';
    case 'failure':
      return 'failed';
    case 'error':
      return 'error';
    case 'pending':
      return 'pending';
    default:
      return undefined;
  }
}

export function checkRunVerdict(run: SimCheckRun): Verdict {
  if (run.status !== 'completed') return 'pending';
  return run.conclusion === 'success' || run.conclusion === 'neutral' || run.conclusion === 'skipped'
    ? 'success'
    : 'failure';
}

/** One verdict per check name and status context on `sha`. */
export function commitVerdicts(gh: Gh, project: SimProject, sha: string): CheckVerdict[] {
  const runs = latestPerName(checkRunsOf(gh, project, sha)).map((run) => ({
    name: run.name,
    kind: 'check_run' as const,
    verdict: checkRunVerdict(run),
  }));
  const statuses = latestPerContext(statusesOf(gh, project, sha)).map((s) => {
    const state = ghStatusState(s.state);
    return {
      name: s.context,
      kind: 'status' as const,
      verdict: (state === 'success' ? 'success' : state === 'pending' ? 'pending' : 'failure') as Verdict,
    };
  });
  return [...runs, ...statuses];
}

/** Combined status state: failure if any error/failure, pending if any pending or none, else success. */
export function combinedState(statuses: SimCommitStatus[]): 'failure' | 'pending' | 'success' {
  const states = statuses.map((s) => ghStatusState(s.state));
  if (states.some((s) => s === 'error' || s === 'failure')) return 'failure';
  if (states.length === 0 || states.some((s) => s === 'pending')) return 'pending';
  return 'success';
}
