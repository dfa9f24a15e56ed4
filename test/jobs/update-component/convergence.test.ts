import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMarker } from '../../../src/kit/marker.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/**
 * A run that stops after any write step converges on the next run: exactly one branch, one
 * open MR, the right content, auto-merge armed on the right head. "Stops" is an injected failure
 * of the next write (every retry answered 503); the real SIGKILL variant is in the reliability suite.
 */

const HOUR = 3_600_000;
/** The simulator's default delay between a push and its pipeline: auto-merge waits for it. */
const PIPELINE_DELAY = 30_000;
const BRANCH = 'release-bot/update-gitaly';
const ROUTES = {
  createMr: 'POST /api/v4/projects/:id/merge_requests',
  updateMr: 'PUT /api/v4/projects/:id/merge_requests/:iid',
  merge: 'PUT /api/v4/projects/:id/merge_requests/:iid/merge',
  commit: 'POST /api/v4/projects/:id/repository/commits',
};

describe('update-component converges after a run stopped between steps', () => {
  let h: JobHarness;

  beforeEach(async () => {
    h = await jobHarness({
      retries: 1,
      seed: async (sim) => {
        const gitaly = await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitaly',
          members: ['release-bot'],
        });
        const root = (await gitaly.repo.branchSha('main'))!;
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitlab',
          members: ['release-bot'],
          files: { GITALY_SERVER_VERSION: `${root}\n` },
        });
        // MR pipelines stay running so MRs stay open and we can look at them
        sim.setCi('gitlab', 'org/gitlab', { branch: BRANCH }, { result: 'stuck' });
      },
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'gitaly',
              source: { forge: 'gitlab', project: 'org/gitaly' },
              target: { forge: 'gitlab', project: 'org/gitlab', versionFile: 'GITALY_SERVER_VERSION' },
            },
          ],
        },
      }),
    });
  });
  afterEach(() => h.close());

  async function greenCommit(file: string): Promise<string> {
    const sha = await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      files: { [file]: file },
      message: `Add ${file}`,
    });
    await h.sim.advance(HOUR);
    return sha;
  }

  /** Once the MR pipeline exists, the next run arms auto-merge (it is never asked before). */
  async function armOnceThePipelineExists(): Promise<void> {
    await h.sim.advance(PIPELINE_DELAY);
    expect((await h.run('update-component')).run.status).not.toBe('failed');
  }

  async function expectConverged(sha: string): Promise<void> {
    await armOnceThePipelineExists();
    const target = h.sim.project('gitlab', 'org/gitlab');
    const open = h.sim.world.mergeRequests.filter((m) => m.projectId === target.id && m.state === 'opened');
    expect(open).toHaveLength(1);
    expect(open[0]!.sourceBranch).toBe(BRANCH);
    expect(readMarker(open[0]!.description, 'update-component')).toMatchObject({ sha });
    expect((await target.repo.readFile(BRANCH, 'GITALY_SERVER_VERSION'))?.toString()).toBe(`${sha}\n`);
    const head = await target.repo.branchSha(BRANCH);
    expect(open[0]!.autoMerge?.sha).toBe(head);
    expect((await target.repo.listBranches()).filter((b) => b.name.startsWith('release-bot/'))).toHaveLength(
      1,
    );
    // one bot commit on top of the target branch
    expect((await target.repo.getCommit(head!))?.parents).toEqual([await target.repo.branchSha('main')]);
  }

  async function stopBefore(route: string): Promise<void> {
    h.sim.addFault({ forge: 'gitlab', route, errorRate: 1, statuses: [503] });
    const { run } = await h.run('update-component');
    expect(run.status).toBe('failed');
    h.sim.clearFaults();
  }

  it('after the branch commit, before the MR', async () => {
    const sha = await greenCommit('a');
    await stopBefore(ROUTES.createMr);
    expect(h.sim.world.mergeRequests).toHaveLength(0);
    expect((await h.run('update-component')).run.status).toBe('ok');
    await expectConverged(sha);
  });

  it('after opening the MR, before auto-merge', async () => {
    const sha = await greenCommit('a');
    // the first run opens the MR and leaves auto-merge to a run that sees the MR pipeline
    expect((await h.run('update-component')).run.status).toBe('ok');
    await h.sim.advance(PIPELINE_DELAY);
    await stopBefore(ROUTES.merge);
    expect(h.sim.world.mergeRequests[0]?.autoMerge).toBeNull();
    expect((await h.run('update-component')).run.status).toBe('ok');
    await expectConverged(sha);
  });

  it('after resetting the branch of an existing MR, before updating its description', async () => {
    await greenCommit('a');
    await h.run('update-component');
    const newer = await greenCommit('b');
    await stopBefore(ROUTES.updateMr);
    expect((await h.run('update-component')).run.status).toBe('ok');
    await expectConverged(newer);
  });

  it('before the commit of an update: the old MR is kept and moved on the next run', async () => {
    await greenCommit('a');
    await h.run('update-component');
    const newer = await greenCommit('b');
    await stopBefore(ROUTES.commit);
    expect((await h.run('update-component')).run.status).toBe('ok');
    await expectConverged(newer);
  });

  it('leaves its MR alone once someone else pushed to the bot branch, and converges after a human resolves it', async () => {
    const sha = await greenCommit('a');
    await h.run('update-component');
    const target = h.sim.project('gitlab', 'org/gitlab');
    const botHead = await target.repo.branchSha(BRANCH);
    const tampered = await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitlab',
      branch: BRANCH,
      files: { GITALY_SERVER_VERSION: 'tampered\n' },
      message: 'hand edit',
    });
    // GitLab aborts auto-merge when the source branch moves
    expect(h.sim.world.mergeRequests[0]!.autoMerge).toBeNull();
    expect(tampered).not.toBe(botHead);
    // a head the bot did not write (two commits on top of main) is reported, never reset or re-armed
    const { run } = await h.run('update-component');
    expect(run.summary).toContain("is not the bot's own");
    expect(await target.repo.branchSha(BRANCH)).toBe(tampered);
    expect(h.sim.world.mergeRequests[0]!.autoMerge).toBeNull();
    // what the report asks for: close the MR and delete the branch; the next run starts afresh
    h.sim.world.mergeRequests[0]!.state = 'closed';
    await target.repo.deleteRef(`refs/heads/${BRANCH}`);
    expect((await h.run('update-component')).run.status).toBe('ok');
    await expectConverged(sha);
  });
});
