import type { Forge } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';

const DAY_MS = 86_400_000;

/**
 * A project's default branch, remembered for a day: it almost never changes and asking for it
 * every hour would cost a request per project per run.
 */
export async function defaultBranch(ctx: JobContext, forge: Forge, project: string): Promise<string> {
  const key = `default-branch:${forge.name}:${project}`;
  const cached = await ctx.state.get<{ branch: string; at: number }>(key);
  if (cached && ctx.now().getTime() - cached.at < DAY_MS) return cached.branch;
  const { defaultBranch: branch } = await forge.repo.getProject(project);
  await ctx.state.set(key, { branch, at: ctx.now().getTime() });
  return branch;
}
