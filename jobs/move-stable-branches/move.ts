import { errorMessage, ForgeError, NotFastForwardError } from '../../src/errors.js';
import type { Forge } from '../../src/forges/types.js';
import type { Action, JobContext } from '../../src/runner/job.js';
import { createStableBranch, describeCreate } from './create.js';
import type { Options } from './options.js';
import { shortSha, type RepoPlan } from './plan.js';
import { isNewHead, planProgress } from './progress.js';
import { readinessChecker } from './readiness.js';

/**
 * Moves the stable branches in dependency order: a repo moves once every repo in its `dependsOn`
 * has moved (repos without dependencies move at once, side by side); fast-forward only unless the
 * plan says --force, verified by reading each ref back. A repo that fails skips its dependents;
 * independent repos go on.
 */

/** `waiting`: a dependency's new stable is not ready yet (its build); a later poll moves it. */
export type OutcomeStatus = 'moved' | 'even' | 'failed' | 'blocked' | 'skipped' | 'planned' | 'waiting';

export interface RepoOutcome {
  plan: RepoPlan;
  status: OutcomeStatus;
  summary: string;
  /** Moved by an earlier run of the same plan (one killed before it could report). */
  earlier?: boolean;
  /** The stable branch was created (it did not exist). */
  created?: boolean;
}

const BROKEN: OutcomeStatus[] = ['failed', 'blocked', 'skipped'];

export function describeMove(plan: RepoPlan): string {
  if (plan.decision === 'create') return describeCreate(plan);
  return `move ${plan.repo.project} ${plan.repo.stable} ${shortSha(plan.stable)} → ${shortSha(plan.target)} (${plan.commits.length} commit${plan.commits.length === 1 ? '' : 's'}, ${plan.force ? 'forced, not a fast-forward' : 'fast-forward'})`;
}

/** What the forge said, turned into what a person must do about it. */
export function explainMoveError(error: unknown, forge: Forge, plan: RepoPlan, bot: string): string {
  const { project, stable } = plan.repo;
  if (error instanceof NotFastForwardError)
    return `${stable} of ${project} is no longer an ancestor of ${shortSha(plan.target)} (someone pushed to it since the plan?): not moved; the next run plans again`;
  if (error instanceof ForgeError) {
    const refused = forge.explainRefusedPush(error, {
      project,
      branch: stable,
      user: bot,
      force: plan.force,
    });
    if (refused) return refused;
  }
  return `could not move ${stable} of ${project}: ${errorMessage(error)}`;
}

export async function moveBranches(
  ctx: JobContext,
  options: Options,
  repos: RepoPlan[],
  bot: string,
  hash: string,
): Promise<{ outcomes: RepoOutcome[]; actions: Action[] }> {
  const forge = ctx.forge(options.forge);
  const actions: Action[] = [];
  const progress = planProgress(ctx, hash);
  const ready = readinessChecker(ctx, options, hash);
  /**
   * A dependency whose stable the bot created or moved for this plan (in this run or an earlier
   * poll) and that says how to tell it is built: its dependents wait for that.
   */
  const gate = async (deps: RepoOutcome[]): Promise<RepoOutcome | { waiting: string[] } | null> => {
    const waiting: string[] = [];
    for (const d of deps) {
      if (d.status === 'waiting') {
        waiting.push(`${d.plan.name} (itself waiting)`);
        continue;
      }
      const spec = d.plan.repo.ready;
      const head = d.plan.target ?? d.plan.stable;
      if (!spec || !head) continue;
      if (d.status !== 'moved' && !(d.status === 'even' && isNewHead(await progress.get(d.plan.name), head)))
        continue;
      const r = await ready(d.plan, head, spec);
      if (r.state === 'failed')
        return {
          plan: d.plan,
          status: 'failed',
          summary: `${d.plan.name}'s new ${d.plan.repo.stable} is not ready: ${r.summary}`,
        };
      if (r.state === 'waiting') waiting.push(`${d.plan.name}: ${r.summary}`);
    }
    return waiting.length ? { waiting } : null;
  };
  // Each repo waits only for the repos it depends on, so independent repos move at the same time
  // (bounded by the forge's request limiter) and a dependent moves right after its dependencies.
  const byName = new Map<string, Promise<RepoOutcome>>();
  const moveOne = async (plan: RepoPlan): Promise<RepoOutcome> => {
    const dependencies = await Promise.all(
      plan.repo.dependsOn.map((d) => byName.get(d)).filter((d) => d !== undefined),
    );
    const broken = dependencies.find((d) => BROKEN.includes(d.status));
    if (plan.decision === 'even') return { plan, status: 'even', summary: plan.reason };
    if (plan.decision === 'blocked') return { plan, status: 'blocked', summary: plan.reason };
    if (plan.decision === 'error') return { plan, status: 'failed', summary: plan.reason };
    if (plan.decision === 'skipped') return { plan, status: 'skipped', summary: plan.reason };
    if (broken)
      return {
        plan,
        status: 'skipped',
        summary: `skipped: depends on ${broken.plan.name}, which ${broken.status === 'failed' ? 'failed' : `is ${broken.status}`}`,
      };
    const held = await gate(dependencies);
    if (held && 'waiting' in held)
      return { plan, status: 'waiting', summary: `waits for ${held.waiting.join('; ')}` };
    if (held) return { plan, status: 'skipped', summary: `stopped: ${held.summary}` };
    const action: Action = {
      kind: 'move-branch',
      description: describeMove(plan),
      done: false,
      subject: plan.name,
    };
    actions.push(action);
    ctx.progress(`${plan.name}: ${action.description}`);
    if (plan.decision === 'create') {
      const created = await createStableBranch(ctx, forge, plan, progress, bot);
      action.done = created.status === 'moved';
      action.url = created.url;
      return { plan, status: created.status, summary: created.summary, created: created.status === 'moved' };
    }
    try {
      // Before the push: a run killed right after it still knows this head is new (progress.ts).
      await progress.set(plan.name, {
        action: 'move',
        from: plan.stable,
        to: plan.target!,
        at: ctx.now().toISOString(),
      });
      // Verified with the branch as read back after the push (updateBranch reads it): the push
      // answering "ok" is not proof (seed 003: a silent git push).
      const after = await forge.repo.updateBranch(plan.repo.project, plan.repo.stable, plan.target!, {
        force: plan.force,
      });
      action.done = true;
      action.url = after?.webUrl;
      if (after?.sha !== plan.target)
        return {
          plan,
          status: 'failed',
          summary: `verification failed: ${plan.repo.stable} of ${plan.repo.project} is at ${shortSha(after?.sha)} after the move, expected ${shortSha(plan.target)}`,
        };
      return {
        plan,
        status: 'moved',
        summary: `${shortSha(plan.stable)} → ${shortSha(plan.target)}: moved and verified (${plan.commits.length} commit${plan.commits.length === 1 ? '' : 's'}${plan.force ? ', forced' : ''})`,
      };
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      ctx.log.error({ repo: plan.name, err: error }, `${plan.name}: move failed`);
      return { plan, status: 'failed', summary: explainMoveError(error, forge, plan, bot) };
    }
  };
  for (const plan of repos) byName.set(plan.name, moveOne(plan));
  const outcomes = await Promise.all(repos.map((plan) => byName.get(plan.name)!));
  // Actions in config order, whatever order the moves finished in.
  actions.sort(
    (a, b) => repos.findIndex((r) => r.name === a.subject) - repos.findIndex((r) => r.name === b.subject),
  );
  return { outcomes, actions };
}

/** The outcome table of a run that moves nothing (dry run, gate failure, waiting for approval). */
export function plannedOutcomes(repos: RepoPlan[]): RepoOutcome[] {
  return repos.map((plan) => ({
    plan,
    status:
      plan.decision === 'move' || plan.decision === 'create'
        ? 'planned'
        : plan.decision === 'error'
          ? 'failed'
          : plan.decision === 'even'
            ? 'even'
            : plan.decision,
    summary: plan.reason,
  }));
}
