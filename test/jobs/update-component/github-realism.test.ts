import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMarker } from '../../../src/kit/marker.js';
import { githubState, throttleGithub } from '../../../packages/forge-sandbox/src/github/index.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/**
 * update-component against a GitHub as awkward as the real one (the simulator's default
 * realism): check runs appear 30 s after a push, a PR read after its head or base moved answers
 * `mergeable: null` until GitHub's background job ran, the protected base requires the CI checks,
 * and a write may meet a secondary rate limit answered as 403. The job never fails a run for a
 * "not yet", never merges an untested head, and refreshes a conflicted PR.
 */

const HOUR = 3_600_000;

async function greenCommit(sim: Simulator, files: Record<string, string>, message: string): Promise<string> {
  const sha = await sim.push({ forge: 'github', project: 'org/gitaly', files, message, username: 'octocat' });
  await sim.advance(HOUR);
  return sha;
}

describe('update-component on a realistic GitHub', () => {
  let h: JobHarness;
  let root: string;
  const app = () => h.sim.project('github', 'org/app');
  const openPrs = () =>
    h.sim.world.mergeRequests.filter((m) => m.projectId === app().id && m.state === 'opened');
  const mainVersion = async () => (await app().repo.readFile('main', 'GITALY_VERSION'))?.toString();

  beforeAll(async () => {
    h = await jobHarness({
      seed: async (sim) => {
        sim.createUser('octocat');
        const approver = sim.createUser('approver');
        await sim.createProject({
          forge: 'github',
          path: 'org/gitaly',
          members: ['release-bot:20', 'octocat'],
        });
        await sim.advance(HOUR);
        const project = sim.project('github', 'org/gitaly');
        root = (await project.repo.branchSha('main'))!;
        await sim.createProject({
          forge: 'github',
          path: 'org/app',
          members: ['release-bot', 'octocat', 'approver:30'],
          files: { GITALY_VERSION: `VERSION=${root}\n` },
          protectedBranches: ['main'],
          approvalsRequired: 1,
        });
        approverToken = approver.token;
      },
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'gitaly',
              source: { forge: 'github', project: 'org/gitaly' },
              target: {
                forge: 'github',
                project: 'org/app',
                versionFile: 'GITALY_VERSION',
                format: 'VERSION={sha}\n',
              },
              approverToken,
            },
          ],
        },
      }),
    });
  });
  let approverToken = '';
  afterAll(() => h.close());

  it('opens the PR before its checks exist; auto-merge waits for the required checks of that head; merges once green', async () => {
    const green = await greenCommit(h.sim, { 'a.go': '1' }, 'Add a');
    const since = h.sim.mark();
    const { run } = await h.run('update-component');
    expect(run.status).toBe('ok');
    // the branch it just created was not yet visible to PR creation: tried again, one PR
    expect(
      h.sim
        .requests({ since })
        .filter((r) => r.route === 'POST /repos/:owner/:repo/pulls')
        .map((r) => r.status),
    ).toEqual([422, 201]);
    const [pr] = openPrs();
    expect(pr).toBeDefined();
    const head = await h.sim.world.mrHeadSha(pr!);
    // the run ended before GitHub created the head's workflow run
    expect(h.sim.world.checkRuns.filter((c) => c.sha === head)).toEqual([]);
    expect(githubState(h.sim.world).autoMerge.has(pr!.id)).toBe(true);
    // the approval alone merges nothing: the required checks are "expected"
    await h.sim.advance(30_000);
    expect(openPrs()).toHaveLength(1);
    expect(h.sim.world.checkRuns.filter((c) => c.sha === head).length).toBeGreaterThan(0);
    await h.sim.advance(HOUR);
    expect(openPrs()).toHaveLength(0);
    expect(await mainVersion()).toBe(`VERSION=${green}\n`);
    expect((await h.run('update-component')).run.status).toBe('noop');
  });

  it('refreshes a PR that became conflicted, after GitHub computed its mergeability (no failed run)', async () => {
    const g1 = await greenCommit(h.sim, { 'b.go': '1' }, 'Add b');
    const g2 = await greenCommit(h.sim, { 'c.go': '1' }, 'Add c');
    expect((await h.run('update-component')).run.status).toBe('ok');
    const [pr] = openPrs();
    const firstHead = await h.sim.world.mrHeadSha(pr!);
    // Before its checks finish, someone bumps main by hand to g1: the PR conflicts.
    await h.sim.push({
      forge: 'github',
      project: 'org/app',
      files: { GITALY_VERSION: `VERSION=${g1}\n` },
      message: 'Pin gitaly by hand',
      username: 'octocat',
    });
    // The next run reads the PR first: GitHub answers mergeable null (computing); nothing fails.
    const waiting = await h.run('update-component');
    expect(waiting.run.status).not.toBe('failed');
    expect(await h.sim.world.mrHeadSha(pr!)).toBe(firstHead);
    // The run after that sees mergeable false and resets the bot's branch onto the new main.
    const refreshed = await h.run('update-component');
    expect(refreshed.run.status).toBe('ok');
    expect(refreshed.result?.actions.map((a) => a.kind)).toContain('commit-version');
    const newHead = await h.sim.world.mrHeadSha(pr!);
    expect(newHead).not.toBe(firstHead);
    expect(openPrs()).toHaveLength(1);
    expect(readMarker(openPrs()[0]!.description, 'update-component')).toMatchObject({ sha: g2, from: g1 });
    // re-approved on the new head (a second APPROVE review; GitHub allows it)
    const approvals = githubState(h.sim.world).reviews.filter(
      (r) => r.number === pr!.iid && r.state === 'APPROVED',
    );
    expect(approvals.map((r) => r.commitId)).toEqual([firstHead, newHead]);
    await h.sim.advance(HOUR);
    expect(openPrs()).toHaveLength(0);
    expect(await mainVersion()).toBe(`VERSION=${g2}\n`);
  });

  it('waits out a secondary rate limit answered as 403 and opens exactly one PR', async () => {
    const green = await greenCommit(h.sim, { 'd.go': '1' }, 'Add d');
    throttleGithub(h.sim.world, {
      kind: 'secondary-retry-after',
      status: 403,
      seconds: 1,
      route: 'POST /repos/:owner/:repo/pulls',
    });
    const since = h.sim.mark();
    const { run } = await h.run('update-component');
    expect(run.status).toBe('ok');
    expect(
      h.sim
        .requests({ since })
        .filter((r) => r.route === 'POST /repos/:owner/:repo/pulls')
        .map((r) => r.status),
    ).toEqual([403, 201]);
    expect(openPrs()).toHaveLength(1);
    expect(readMarker(openPrs()[0]!.description, 'update-component')).toMatchObject({ sha: green });
    expect(h.slack.messages.filter((m) => /permission|forbidden|403/i.test(JSON.stringify(m)))).toEqual([]);
  });
});
