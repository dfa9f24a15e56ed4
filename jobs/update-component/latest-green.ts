import type { CommitCheck, Forge } from '../../src/forges/types.js';
import { checksVerdict } from '../../src/kit/checks.js';
import { matchesAny } from '../../src/kit/glob.js';
import type { Component } from './options.js';

/**
 * The newest commit of the source branch whose CI passed, with as few requests as the forge
 * allows. GitLab: successful pipelines of the branch, newest first, in one request (a pipeline
 * still running or canceled is not successful); with `requiredJobs`, one more request per
 * candidate to check those jobs ran and passed. GitHub: the newest commits of the branch with
 * each commit's check runs and statuses in one GraphQL request (per 100 commits), only the newest
 * run per check name counting. A commit without any check is not green.
 */

export interface GreenCommit {
  sha: string;
  /** Why it is green (pipeline or checks), for the plan and the MR description. */
  evidence: string;
  webUrl: string;
}

export interface GreenSearch {
  green: GreenCommit | null;
  /** How many commits or pipelines were looked at, and why none qualified. */
  scanned: number;
  reason: string;
}

async function gitlabLatestGreen(forge: Forge, component: Component, branch: string): Promise<GreenSearch> {
  const { project, requiredJobs, maxCommitsToCheck } = component.source;
  const pipelines = await forge.ci.listPipelines(project, {
    ref: branch,
    status: 'success',
    sort: 'desc',
    limit: Math.min(maxCommitsToCheck, 100),
  });
  let rejected = 0;
  for (const pipeline of pipelines) {
    if (requiredJobs.length > 0) {
      const jobs = await forge.ci.listJobs(project, pipeline.id);
      const missing = requiredJobs.filter(
        (p) => !jobs.some((j) => j.status === 'success' && matchesAny(j.name, [p])),
      );
      if (missing.length > 0) {
        rejected++;
        continue;
      }
    }
    return {
      green: { sha: pipeline.sha, evidence: `pipeline #${pipeline.id} passed`, webUrl: pipeline.webUrl },
      scanned: rejected + 1,
      reason: '',
    };
  }
  const why = rejected
    ? `${rejected} successful pipeline(s) lacked the required jobs (${requiredJobs.join(', ')})`
    : `no successful pipeline on ${branch}`;
  return { green: null, scanned: pipelines.length, reason: `${why} within the newest ${maxCommitsToCheck}` };
}

function requiredPresent(checks: CommitCheck[], patterns: string[]): boolean {
  return patterns.every((p) => checks.some((c) => c.status === 'success' && matchesAny(c.name, [p])));
}

async function githubLatestGreen(forge: Forge, component: Component, branch: string): Promise<GreenSearch> {
  const { project, requiredJobs, maxCommitsToCheck } = component.source;
  const accepted = (checks: CommitCheck[]) =>
    checksVerdict(checks) === 'green' && requiredPresent(checks, requiredJobs);
  const commits = await forge.ci.branchChecks(project, branch, maxCommitsToCheck, {
    stopAt: (entry) => accepted(entry.checks),
  });
  let scanned = 0;
  for (const { commit, checks } of commits) {
    scanned++;
    if (checksVerdict(checks) !== 'green') continue;
    if (!requiredPresent(checks, requiredJobs)) continue;
    return {
      green: { sha: commit.sha, evidence: `all checks passed on ${commit.shortSha}`, webUrl: commit.webUrl },
      scanned,
      reason: '',
    };
  }
  return {
    green: null,
    scanned,
    reason: `no commit with all checks green within the newest ${scanned} of ${branch}`,
  };
}

export function findLatestGreen(forge: Forge, component: Component, branch: string): Promise<GreenSearch> {
  return forge.capabilities.ciVerdict === 'pipeline'
    ? gitlabLatestGreen(forge, component, branch)
    : githubLatestGreen(forge, component, branch);
}
