import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/**
 * A target project without "Pipelines must succeed", on GitLab 17 and 18. GitLab 17's
 * merge-when-checks-pass merges as soon as the other checks pass — an approval arriving while the
 * pipeline runs merges the untested bump (test/sandbox/gitlab/versions.test.ts shows it). The bot
 * must never arm it there: it merges the bump itself, with the sha guard, once the head is green.
 */

const HOUR = 3_600_000;
const PIPELINE_DELAY = 30_000;
const BRANCH = 'release-bot/update-gitaly';

function bumpMr(sim: Simulator) {
  const target = sim.project('gitlab', 'org/loose');
  return sim.world.mergeRequests.find((m) => m.projectId === target.id && m.sourceBranch === BRANCH);
}

describe.each([17, 18])('update-component on GitLab %i, pipelines not required', (gitlabVersion) => {
  let h: JobHarness;
  let approverToken: string;

  beforeAll(async () => {
    h = await jobHarness({
      simulator: { gitlabVersion },
      seed: async (sim) => {
        approverToken = sim.createUser('approver').token;
        const gitaly = await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitaly',
          members: ['release-bot:20'],
        });
        const c1 = (await gitaly.repo.branchSha('main'))!;
        await sim.ci.createPipeline({ project: gitaly, ref: 'main', sha: c1, userId: 1 });
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/loose',
          members: ['release-bot:30', 'approver:30'],
          files: { GITALY_SERVER_VERSION: `${c1}\n` },
          pipelineMustSucceed: false,
          approvalsRequired: 1,
        });
        await sim.push({
          forge: 'gitlab',
          project: 'org/gitaly',
          files: { 'a.go': '1' },
          message: 'Add a',
          username: 'release-bot',
        });
        await sim.advance(HOUR);
      },
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'gitaly',
              source: { forge: 'gitlab', project: 'org/gitaly' },
              target: { forge: 'gitlab', project: 'org/loose', versionFile: 'GITALY_SERVER_VERSION' },
            },
          ],
        },
      }),
    });
  });
  afterAll(() => h.close());

  it('never arms auto-merge; a human approval during the pipeline merges nothing; the bot merges once green', async () => {
    const first = await h.run('update-component');
    expect(first.run.status).toBe('ok');
    expect(bumpMr(h.sim)).toMatchObject({ state: 'opened', autoMerge: null });

    await h.sim.advance(PIPELINE_DELAY);
    const second = await h.run('update-component');
    expect(second.run.status).toBe('ok');
    expect(second.result?.actions.find((a) => a.kind === 'auto-merge')?.description).toContain(
      'once its checks pass (now: pending)',
    );
    const mr = bumpMr(h.sim)!;
    expect(mr.autoMerge).toBeNull();

    // a reviewer approves while the MR pipeline still runs
    const approval = await fetch(
      `${h.sim.gitlab.url}/api/v4/projects/org%2Floose/merge_requests/${mr.iid}/approve`,
      { method: 'POST', headers: { 'private-token': approverToken } },
    );
    expect(approval.status).toBe(201);
    expect(mr.state).toBe('opened');

    await h.sim.advance(HOUR);
    expect(mr.state).toBe('opened');
    const third = await h.run('update-component');
    expect(third.run.status).toBe('ok');
    expect(mr.state).toBe('merged');
    const pipeline = h.sim.ci.latestPipeline(h.sim.project('gitlab', 'org/loose'), mr.headSha, BRANCH);
    expect(pipeline?.status).toBe('success');
    expect((await h.run('update-component')).run.status).toBe('noop');
  });
});
