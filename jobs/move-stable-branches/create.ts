import { ConfigError, errorMessage, ForgeError } from '../../src/errors.js';
import type { BranchProtection, Forge } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { Options } from './options.js';
import { missingStableReason, shortSha, type Plan, type RepoPlan } from './plan.js';
import type { Progress } from './progress.js';

/**
 * A repo without a stable branch yet (the seed's ogr: "we planned to create a stable branch for
 * it"). With `createStable: true` the plan says "create" and, once approved like a move, the bot
 * creates it at the target commit and reads back how it is protected. It never sets protection
 * up itself: who may push to stable is the owners' decision, so the report says what it found
 * and where to change it. Without the flag the plan says how to enable it.
 */

export function describeCreate(plan: RepoPlan): string {
  return `create ${plan.repo.project} ${plan.repo.stable} at ${plan.pinned ? 'pinned' : plan.repo.source} ${shortSha(plan.target)} (new branch)`;
}

/** Repos that have no stable branch and may not create one. */
export function missingStable(plan: Plan): RepoPlan[] {
  return plan.repos.filter((r) => r.decision === 'error' && r.missingStable === true);
}

/**
 * A person's run stops with a usage error (exit 2) before writing anything; a scheduled run
 * reports the repo as failed and moves the others.
 */
export function refuseMissingStable(ctx: JobContext, options: Options, plan: Plan): void {
  if (ctx.trigger !== 'manual') return;
  const missing = missingStable(plan);
  if (missing.length === 0) return;
  const problems = missing.map((r) => missingStableReason(r.repo, options.repos.indexOf(r.repo)));
  throw new ConfigError(
    missing.length === 1 ? problems[0]! : `${missing.length} repos have no stable branch`,
    problems,
  );
}

/** How the new branch is protected, as found (never guessed, never changed). */
export function protectionText(stable: string, protection: BranchProtection | null): string {
  if (!protection) return `could not read how ${stable} is protected`;
  if (!protection.protected)
    return `${stable} is NOT protected: the bot does not set up protection; protect it like the other stable branches (who may push, no force pushes) at ${protection.settingsUrl}`;
  const rule = protection.rule;
  if (!rule)
    return `${stable} is protected by a rule the bot cannot read (a wildcard rule, or reading it needs admin rights): check it at ${protection.settingsUrl}`;
  const checks = rule.requiredChecks.length ? `; required checks: ${rule.requiredChecks.join(', ')}` : '';
  return `${stable} is protected by rule "${rule.name}" (push: ${rule.pushAccess}; force push ${rule.forcePush ? 'allowed' : 'not allowed'}${checks})`;
}

export interface CreateOutcome {
  status: 'moved' | 'failed';
  summary: string;
  url?: string;
}

/**
 * Create stable at the plan's target. The intent is recorded first, so a run killed after the
 * forge created the branch still makes the dependents wait for its first build. A branch that
 * exists already at the target (created by a killed run, or by a person meanwhile) is accepted.
 */
export async function createStableBranch(
  ctx: JobContext,
  forge: Forge,
  plan: RepoPlan,
  progress: Progress,
  bot: string,
): Promise<CreateOutcome> {
  const { project, stable } = plan.repo;
  const target = plan.target!;
  await progress.set(plan.name, { action: 'create', from: null, to: target, at: ctx.now().toISOString() });
  try {
    await forge.repo.createBranch(project, stable, target);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const now = await forge.repo.getBranch(project, stable);
    if (now?.sha !== target) {
      if (now)
        return {
          status: 'failed',
          summary: `${stable} of ${project} appeared meanwhile at ${shortSha(now.sha)}, not ${shortSha(target)}: not touched; the next run plans a move`,
        };
      const refused =
        error instanceof ForgeError
          ? forge.explainRefusedPush(error, { project, branch: stable, user: bot, force: false })
          : null;
      return {
        status: 'failed',
        summary: refused ?? `could not create ${stable} of ${project}: ${errorMessage(error)}`,
      };
    }
  }
  const after = await forge.repo.getBranch(project, stable);
  if (after?.sha !== target)
    return {
      status: 'failed',
      summary: `verification failed: ${stable} of ${project} is at ${shortSha(after?.sha)} after creating it, expected ${shortSha(target)}`,
    };
  let protection: BranchProtection | null = null;
  try {
    protection = await forge.repo.getBranchProtection(project, stable);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.log.warn({ err: error, repo: plan.name }, 'could not read the new branch protection');
  }
  const found = protectionText(stable, protection);
  const record = await progress.get(plan.name);
  if (record) await progress.set(plan.name, { ...record, protection: found });
  return {
    status: 'moved',
    summary: `created at ${shortSha(target)} and verified; ${found}`,
    url: after.webUrl,
  };
}
