import { createHash } from 'node:crypto';
import { errorMessage, ForgeError, TransientError, UsageError } from '../../src/errors.js';
import type { Commit, Forge } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';
import { repoName, type Options, type Repo } from './options.js';

/**
 * Reads every repo and decides, without writing: current stable, target (the source head or a
 * pinned commit), the commits that would move, and whether it is a fast-forward. Pinned commits
 * are validated here, so a bad one stops the run before anything is written.
 */

export type Decision =
  /** stable will move to target. */
  | 'move'
  /** No stable yet and `createStable: true`: it will be created at target. */
  | 'create'
  /** stable already is at target: "even, skipping". */
  | 'even'
  /** Not a fast-forward and no --force: refused. */
  | 'blocked'
  /** Could not be read (missing branch, forge error). */
  | 'error'
  /** A repo it depends on is blocked, failed or skipped. */
  | 'skipped';

export interface RepoPlan {
  name: string;
  repo: Repo;
  decision: Decision;
  reason: string;
  stable: string | null;
  source: string | null;
  target: string | null;
  pinned: boolean;
  fastForward: boolean;
  /** Move with force (only with --force, only when not a fast-forward). */
  force: boolean;
  /** Commits that move onto stable, oldest first. */
  commits: Commit[];
  /** Commits on stable that target lacks (dropped by a forced move), oldest first. */
  dropped: Commit[];
  compareUrl: string | null;
  branchUrl: string;
  /** No stable branch and `createStable` is off (a manual run stops with a usage error). */
  missingStable?: boolean;
}

export interface Plan {
  repos: RepoPlan[];
  /** Identity of what would be approved: every repo's target. Changes when `main` moves. */
  hash: string;
}

/** What the plan says about a repo without stable when the config does not allow creating it. */
export function missingStableReason(
  repo: { project: string; stable: string; source: string },
  index: number,
): string {
  return `${repo.project} has no branch ${repo.stable}: set \`createStable: true\` on jobs.move-stable-branches.repos[${index}] to create it at ${repo.source}'s head after approval (or create it by hand, or remove the repo)`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 12) : '—';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function pinnedCommit(forge: Forge, repo: Repo, name: string, sha: string, sourceHead: string) {
  const flag = `--override ${name}=${sha}`;
  let commit: Commit | null;
  try {
    commit = await forge.repo.getCommit(repo.project, sha);
  } catch (error) {
    // An ambiguous short sha is a 4xx on both forges.
    if (error instanceof ForgeError && error.status >= 400 && error.status < 500)
      throw new UsageError(`${flag}: ${repo.project} cannot resolve ${sha} (${errorMessage(error)})`);
    throw error;
  }
  if (!commit) throw new UsageError(`${flag}: no commit ${sha} in ${repo.project}`);
  if (commit.sha !== sourceHead) {
    const onSource = await forge.repo.compare(repo.project, commit.sha, sourceHead);
    if (onSource.behindBy > 0)
      throw new UsageError(
        `${flag}: ${commit.shortSha} "${commit.title}" is not on ${repo.project}@${repo.source}; pin a commit of ${repo.source}`,
      );
  }
  return commit;
}

async function planRepo(
  ctx: JobContext,
  options: Options,
  repo: Repo,
  pinned: string | undefined,
  force: boolean,
): Promise<RepoPlan> {
  const forge = ctx.forge(options.forge);
  const name = repoName(repo);
  const plan: RepoPlan = {
    name,
    repo,
    decision: 'error',
    reason: '',
    stable: null,
    source: null,
    target: null,
    pinned: Boolean(pinned),
    fastForward: false,
    force: false,
    commits: [],
    dropped: [],
    compareUrl: null,
    branchUrl: `${forge.webUrl}/${repo.project}`,
  };
  const [stable, source] = await Promise.all([
    forge.repo.getBranch(repo.project, repo.stable),
    forge.repo.getBranch(repo.project, repo.source),
  ]);
  if (!source) {
    if (pinned)
      throw new UsageError(`--override ${name}=${pinned}: ${repo.project} has no branch ${repo.source}`);
    plan.reason = `${repo.project} has no branch ${repo.source}`;
    return plan;
  }
  plan.source = source.sha;
  if (!stable) {
    if (!repo.createStable) {
      if (pinned)
        throw new UsageError(`--override ${name}=${pinned}: ${repo.project} has no branch ${repo.stable}`);
      plan.reason = missingStableReason(repo, options.repos.indexOf(repo));
      plan.missingStable = true;
      return plan;
    }
    plan.target = pinned ? (await pinnedCommit(forge, repo, name, pinned, source.sha)).sha : source.sha;
    plan.decision = 'create';
    plan.fastForward = true;
    plan.reason = `no ${repo.stable} yet: create it at ${pinned ? 'pinned' : repo.source} ${shortSha(plan.target)}`;
    return plan;
  }
  plan.stable = stable.sha;
  plan.branchUrl = stable.webUrl;
  const target = pinned ? (await pinnedCommit(forge, repo, name, pinned, source.sha)).sha : source.sha;
  plan.target = target;
  const via = pinned ? `pinned ${shortSha(target)}` : `${repo.source} ${shortSha(target)}`;

  if (target === stable.sha) {
    plan.decision = 'even';
    plan.fastForward = true;
    plan.reason = `even with ${via}, skipping`;
    return plan;
  }

  const forward = await forge.repo.compare(repo.project, stable.sha, target);
  plan.commits = forward.commits;
  plan.compareUrl = forward.webUrl || null;
  plan.fastForward = forward.fastForward;
  const moving = forward.compareTimeout ? 'commits' : plural(forward.commits.length, 'commit');
  if (forward.fastForward) {
    plan.decision = 'move';
    plan.reason = `${shortSha(stable.sha)} → ${via}: ${moving}, fast-forward`;
    return plan;
  }

  plan.dropped = (await forge.repo.compare(repo.project, target, stable.sha)).commits;
  const drops = `${repo.stable} has ${plural(forward.behindBy, 'commit')} that ${pinned ? 'the pinned commit' : repo.source} lacks (${plan.dropped
    .slice(0, 5)
    .map((c) => `${c.shortSha} "${c.title}"`)
    .join(', ')}${plan.dropped.length > 5 ? ', …' : ''})`;
  if (force) {
    plan.decision = 'move';
    plan.force = true;
    plan.reason = `${shortSha(stable.sha)} → ${via}: ${moving}, NOT a fast-forward (--force): drops ${drops}`;
  } else {
    if (pinned)
      throw new UsageError(
        `--override ${name}=${pinned}: ${shortSha(target)} does not descend from ${repo.stable} (${shortSha(stable.sha)}): ${drops}; pass --force to move anyway`,
      );
    plan.decision = 'blocked';
    plan.reason = `not a fast-forward: ${drops}; refused without --force (run \`release-bot run move-stable-branches --force\` after checking those commits are on ${repo.source} in another form)`;
  }
  return plan;
}

/** A failed, refused or skipped repo skips every repo that depends on it (transitively). */
export function markDependents(repos: RepoPlan[]): void {
  const byName = new Map(repos.map((r) => [r.name, r]));
  for (const r of repos) {
    if (r.decision !== 'move' && r.decision !== 'create') continue;
    const broken = r.repo.dependsOn
      .map((d) => byName.get(d))
      .find((d) => d && ['blocked', 'error', 'skipped'].includes(d.decision));
    if (broken) {
      r.decision = 'skipped';
      r.reason = `skipped: depends on ${broken.name}, which is ${broken.decision === 'error' ? 'failing' : broken.decision}`;
    }
  }
}

export function planHash(repos: { name: string; target: string | null }[]): string {
  const identity = repos.map((r) => [r.name, r.target]);
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 12);
}

export async function makePlan(
  ctx: JobContext,
  options: Options,
  overrides: Map<string, string>,
  force: boolean,
): Promise<Plan> {
  const settled = await Promise.allSettled(
    options.repos.map((repo) => planRepo(ctx, options, repo, overrides.get(repoName(repo)), force)),
  );
  const usage = settled.find(
    (s): s is PromiseRejectedResult => s.status === 'rejected' && s.reason instanceof UsageError,
  );
  if (usage) throw usage.reason;
  const repos = settled.map((s, i): RepoPlan => {
    if (s.status === 'fulfilled') return s.value;
    // Nothing is written yet: a transient failure lets the runner retry the whole run.
    if (ctx.signal.aborted || s.reason instanceof TransientError) throw s.reason;
    const repo = options.repos[i]!;
    return {
      name: repoName(repo),
      repo,
      decision: 'error',
      reason: `could not read ${repo.project}: ${errorMessage(s.reason)}`,
      stable: null,
      source: null,
      target: null,
      pinned: overrides.has(repoName(repo)),
      fastForward: false,
      force: false,
      commits: [],
      dropped: [],
      compareUrl: null,
      branchUrl: `${ctx.forge(options.forge).webUrl}/${repo.project}`,
    };
  });
  markDependents(repos);
  return { repos, hash: planHash(repos) };
}
