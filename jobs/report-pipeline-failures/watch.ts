import type { Forge } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { MergeRequestTarget, Options, ProjectTarget } from './options.js';
import { keys, needsAttention, type BranchState } from './state.js';

/**
 * The refs to look at this run: the configured refs of `projects` (default: the default branch)
 * and the bot's branches on `mergeRequests` projects — those that exist now (one prefix listing
 * per project) plus those that vanished while the job still waits on their MR (a branch removed
 * on merge still gets its "merged" label and recovery message).
 */

const DAY_MS = 86_400_000;

interface Common {
  forgeName: string;
  forge: Forge;
  project: string;
  ref: string;
  /** `org/gitlab main`: the per-item name in results. */
  subject: string;
}

export interface RefTarget extends Common {
  kind: 'ref';
  settings: ProjectTarget;
}

export interface BranchTarget extends Common {
  kind: 'branch';
  settings: MergeRequestTarget;
  /** The branch exists now. */
  listed: boolean;
}

export type Target = RefTarget | BranchTarget;

/** A group of targets that could not be listed (its project is unreachable): reported as a failed item. */
export interface WatchError {
  subject: string;
  error: unknown;
}

/** A project's default branch, remembered for a day: it almost never changes. */
export async function defaultBranch(ctx: JobContext, forgeName: string, project: string): Promise<string> {
  const key = keys.defaultBranch(forgeName, project);
  const cached = await ctx.state.get<{ branch: string; at: number }>(key);
  if (cached && ctx.now().getTime() - cached.at < DAY_MS) return cached.branch;
  const { defaultBranch: branch } = await ctx.forge(forgeName).repo.getProject(project);
  if (!ctx.dryRun) await ctx.state.set(key, { branch, at: ctx.now().getTime() });
  return branch;
}

export async function watchTargets(
  ctx: JobContext,
  options: Options,
): Promise<{ targets: Target[]; errors: WatchError[] }> {
  const targets: Target[] = [];
  const errors: WatchError[] = [];
  for (const settings of options.projects) {
    try {
      const refs = settings.refs ?? [await defaultBranch(ctx, settings.forge, settings.project)];
      for (const ref of refs)
        targets.push({
          kind: 'ref',
          forgeName: settings.forge,
          forge: ctx.forge(settings.forge),
          project: settings.project,
          ref,
          subject: `${settings.project} ${ref}`,
          settings,
        });
    } catch (error) {
      errors.push({ subject: `${settings.project} (default branch)`, error });
    }
  }
  for (const settings of options.mergeRequests) {
    const forge = ctx.forge(settings.forge);
    try {
      const listed = await forge.repo.listBranches(settings.project, { prefix: settings.branchPrefix });
      const names = new Set(listed.map((b) => b.name));
      const tracked = await ctx.state.list<BranchState>(keys.branchPrefix(settings.forge, settings.project));
      const prefix = keys.branchPrefix(settings.forge, settings.project);
      const waiting = tracked
        .filter((t) => needsAttention(t.value))
        .map((t) => t.key.slice(prefix.length))
        .filter((name) => name.startsWith(settings.branchPrefix) && !names.has(name));
      for (const name of [...names].sort())
        targets.push({
          kind: 'branch',
          forgeName: settings.forge,
          forge,
          project: settings.project,
          ref: name,
          subject: `${settings.project} ${name}`,
          settings,
          listed: true,
        });
      for (const name of waiting.sort())
        targets.push({
          kind: 'branch',
          forgeName: settings.forge,
          forge,
          project: settings.project,
          ref: name,
          subject: `${settings.project} ${name}`,
          settings,
          listed: false,
        });
    } catch (error) {
      errors.push({ subject: `${settings.project} ${settings.branchPrefix}*`, error });
    }
  }
  return { targets, errors };
}
