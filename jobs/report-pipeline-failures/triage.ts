import { ForgeError } from '../../src/errors.js';
import type { ChangeRequest, CiJob, Commit, CompareResult, Forge, Pipeline } from '../../src/forges/types.js';
import { matchesAny } from '../../src/kit/glob.js';
import { readMarker } from '../../src/kit/marker.js';
import type { Config } from '../../src/config/schema.js';
import { BUMP_MARKER_KIND as BUMP_MARKER, type BumpMarker } from '../../src/domain/bump.js';

/**
 * What broke, from what the forges show (seed 001, "Why do pipeline failures occur?"):
 * - flake: every failed job matches a known-flaky pattern or passed before on the same commit;
 * - broken default branch: the MR's target branch fails too, so the MR is not to blame;
 * - regression: the target branch is green but the bump MR fails: the component's new commits are;
 * - broken ref: a watched branch itself fails.
 */

export type Verdict = 'flake' | 'broken-default-branch' | 'regression' | 'broken-ref';

export interface FailedJob {
  id: number;
  name: string;
  stage: string;
  failureReason: string | null;
  webUrl: string;
  /** An earlier attempt of this job was retried (by the bot or a human). */
  retried: boolean;
  /** Why it looks flaky, if it does. */
  flaky: 'known-flaky' | 'passed-before' | null;
}

export interface Failure {
  pipeline: Pipeline;
  jobs: FailedJob[];
  commit: Commit | null;
  /** Some failed job was already retried: never retry again, say "retried once". */
  retriedOnce: boolean;
  /** Every failed job looks flaky (and there is at least one). */
  flaky: boolean;
}

/** The component commits a bump MR brings in (from the update-component marker). */
export interface ComponentRange {
  component: string;
  project: string | null;
  from: string | null;
  to: string;
  compare: CompareResult | null;
}

export async function collectFailure(
  forge: Forge,
  project: string,
  pipeline: Pipeline,
  knownFlaky: readonly string[],
): Promise<Failure> {
  const [detail, jobs, commit] = await Promise.all([
    forge.ci.getPipeline(project, pipeline.id),
    forge.ci.listJobs(project, pipeline.id, { includeRetried: true }),
    forge.repo.getCommit(project, pipeline.sha),
  ]);
  const retriedNames = new Set(jobs.filter((j) => j.retried).map((j) => j.name));
  const failed = jobs.filter((j) => !j.retried && j.status === 'failed' && !j.allowFailure);
  const unknown = failed.filter((j) => !matchesAny(j.name, knownFlaky));
  // Only when a job is not known to flake is it worth two requests to ask "did it pass here before?"
  const passedBefore = unknown.length ? await passedOnSha(forge, project, pipeline.sha, unknown) : new Set();
  const out: FailedJob[] = failed.map((j: CiJob) => ({
    id: j.id,
    name: j.name,
    stage: j.stage,
    failureReason: j.failureReason,
    webUrl: j.webUrl,
    retried: retriedNames.has(j.name),
    flaky: matchesAny(j.name, knownFlaky) ? 'known-flaky' : passedBefore.has(j.name) ? 'passed-before' : null,
  }));
  return {
    pipeline: detail ?? pipeline,
    jobs: out,
    commit,
    retriedOnce: out.some((j) => j.retried),
    flaky: out.length > 0 && out.every((j) => j.flaky !== null),
  };
}

/** Names of these jobs that have a passing attempt on the commit (another pipeline, or before a retry). */
async function passedOnSha(forge: Forge, project: string, sha: string, jobs: CiJob[]): Promise<Set<string>> {
  const checks = await forge.ci.commitChecks(project, sha);
  const names = new Set(jobs.map((j) => j.name));
  return new Set(
    checks
      .filter((c) => c.kind !== 'pipeline' && c.status === 'success' && names.has(c.name))
      .map((c) => c.name),
  );
}

export function shouldRetry(failure: Failure, retryFlakyOnce: boolean, alreadyRetried: boolean): boolean {
  return retryFlakyOnce && failure.flaky && !failure.retriedOnce && !alreadyRetried;
}

/** The newest finished (passed or failed) pipeline of a ref, or null. */
export async function latestFinished(forge: Forge, project: string, ref: string): Promise<Pipeline | null> {
  const pipelines = await forge.ci.listPipelines(project, { ref, sort: 'desc', limit: 10 });
  return pipelines.find((p) => p.status === 'success' || p.status === 'failed') ?? null;
}

interface ComponentSource {
  forge: string;
  project: string;
}

/** The source project of a component, from the update-component section of the config. */
export function componentSource(config: Config, component: string): ComponentSource | null {
  const section = config.jobs['update-component'] as
    { components?: { name?: unknown; source?: { forge?: unknown; project?: unknown } }[] } | undefined;
  const found = section?.components?.find((c) => c.name === component);
  const forge = found?.source?.forge;
  const project = found?.source?.project;
  return typeof forge === 'string' && typeof project === 'string' ? { forge, project } : null;
}

/** The bump MR's component range from its hidden marker, with the compare on the source forge when it is configured. */
export async function componentRange(
  mr: ChangeRequest,
  config: Config,
  forge: (name: string) => Forge,
): Promise<ComponentRange | null> {
  const marker = readMarker<BumpMarker>(mr.description, BUMP_MARKER);
  if (!marker?.component || !marker.sha) return null;
  const source = componentSource(config, marker.component);
  const range: ComponentRange = {
    component: marker.component,
    project: source?.project ?? null,
    from: marker.from ?? null,
    to: marker.sha,
    compare: null,
  };
  if (source && marker.from) {
    try {
      range.compare = await forge(source.forge).repo.compare(source.project, marker.from, marker.sha);
    } catch (error) {
      // A rewritten history or a removed project: report the shas without the list.
      if (!(error instanceof ForgeError) || ![400, 404].includes(error.status)) throw error;
    }
  }
  return range;
}
