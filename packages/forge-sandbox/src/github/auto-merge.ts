import { GhError, type Gh } from './context.js';
import { mergePull, mergeState } from './merge.js';

/**
 * GitHub auto-merge: once enabled on a PR, it merges as soon as nothing blocks it any more.
 * Unlike GitLab, a new push to the head by a collaborator keeps it enabled (the new head must
 * pass instead), and a failing check leaves it waiting (a re-run may pass). It is re-evaluated
 * whenever a pipeline finishes, the clock moves, or a status, check run or review arrives.
 */

export function registerAutoMerge(gh: Gh): { evaluate(): Promise<void> } {
  let running = false;
  let again = false;

  async function run(): Promise<void> {
    for (const mr of [...gh.world.mergeRequests]) {
      const request = gh.state.autoMerge.get(mr.id);
      if (!request) continue;
      if (mr.state !== 'opened') {
        gh.state.autoMerge.delete(mr.id);
        continue;
      }
      const project = gh.world.projects.get(mr.projectId);
      if (!project || project.forge !== 'github') continue;
      const state = await mergeState(gh, project, mr);
      if (state.status !== 'clean' && state.status !== 'unstable') continue;
      try {
        await mergePull(gh, project, mr, {
          method: request.method,
          userId: request.userId,
          commitTitle: request.commitTitle ?? undefined,
          commitMessage: request.commitMessage ?? undefined,
        });
      } catch (error) {
        if (!(error instanceof GhError)) throw error;
        // A conflict turns auto-merge off, as GitHub does; a moved base is retried next time.
        if (error.status === 405) gh.state.autoMerge.delete(mr.id);
      }
    }
  }

  // A merge pushes to the base, which may finish a pipeline and ask again: never wait on ourselves.
  async function evaluate(): Promise<void> {
    if (gh.state.autoMerge.size === 0) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await run();
      } while (again);
    } finally {
      running = false;
    }
  }

  gh.world.onPipelineFinished(async (pipeline) => {
    if (gh.world.projects.get(pipeline.projectId)?.forge === 'github') await evaluate();
  });
  gh.world.clock.onAdvance(() => evaluate());
  return { evaluate };
}
