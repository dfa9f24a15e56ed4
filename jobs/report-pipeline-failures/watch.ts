import type { Forge } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { MergeRequestTarget, Options, ProjectTarget } from './options.js';
import { keys, needsAttention, type BranchState } from './state.js';
import { bumpBranch } from '../../src/domain/bump.js';

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
  /** Its head, when it exists. */
  sha: string | null;
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

/** `release-bot/update-<component>` for each update-component component that targets this project. */
function botBranchesOf(ctx: JobContext, settings: MergeRequestTarget): string[] {
  const section = ctx.config.jobs['update-component'] as
    { components?: { name?: unknown; target?: { forge?: unknown; project?: unknown } }[] } | undefined;
  return (section?.components ?? [])
    .filter((c) => c.target?.forge === settings.forge && c.target?.project === settings.project)
    .map((c) => bumpBranch(String(c.name)))
    .filter((name) => name.startsWith(settings.branchPrefix));
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
      const heads = new Map(listed.map((b) => [b.name, b.sha]));
      const names = new Set(heads.keys());
      const tracked = await ctx.state.list<BranchState>(keys.branchPrefix(settings.forge, settings.project));
      const prefix = keys.branchPrefix(settings.forge, settings.project);
      const unlisted = tracked
        .filter((t) => needsAttention(t.value))
        .map((t) => t.key.slice(prefix.length))
        .filter((name) => name.startsWith(settings.branchPrefix) && !names.has(name));
      // update-component's branches are watched even when gone: a green MR often merges and
      // loses its branch between two runs, and its pipelines still tell.
      const known = botBranchesOf(ctx, settings).filter(
        (name) => !names.has(name) && !unlisted.includes(name),
      );
      unlisted.push(...known);
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
          sha: heads.get(name) ?? null,
        });
      for (const name of unlisted.sort())
        targets.push({
          kind: 'branch',
          forgeName: settings.forge,
          forge,
          project: settings.project,
          ref: name,
          subject: `${settings.project} ${name}`,
          settings,
          listed: false,
          sha: null,
        });
    } catch (error) {
      errors.push({ subject: `${settings.project} ${settings.branchPrefix}*`, error });
    }
  }
  return { targets, errors };
}
