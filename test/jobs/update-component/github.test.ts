import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMarker } from '../../../src/kit/marker.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/**
 * update-component with GitHub on either side, through the real @octokit/rest client:
 * GitHub → GitHub (checks judged by their newest run, auto-merge, and the fallback when the
 * repository does not allow auto-merge) and GitHub → GitLab across forges.
 */

const HOUR = 3_600_000;

async function greenRoot(sim: Simulator, forge: SimForge, path: string): Promise<string> {
  const project = sim.project(forge, path);
  const sha = (await project.repo.branchSha(project.defaultBranch))!;
  await sim.ci.createPipeline({
    project,
    ref: project.defaultBranch,
    sha,
    userId: 1,
    outcome: { result: 'success' },
  });
  await sim.advance(HOUR);
  return sha;
}

function openPrs(sim: Simulator, forge: SimForge, path: string) {
  const project = sim.project(forge, path);
  return sim.world.mergeRequests.filter((m) => m.projectId === project.id && m.state === 'opened');
}

describe('update-component with GitHub', () => {
  let h: JobHarness;
  let root: string;

  beforeAll(async () => {
    h = await jobHarness({
      seed: async (sim) => {
        sim.createUser('octocat');
        await sim.createProject({
          forge: 'github',
          path: 'org/gitaly',
          members: ['release-bot:20', 'octocat'],
        });
        root = await greenRoot(sim, 'github', 'org/gitaly');
        const versionFile = { GITALY_VERSION: `VERSION=${root}\n` };
        // auto-merge needs required checks: GitHub only waits for them on a protected base branch
        await sim.createProject({
          forge: 'github',
          path: 'org/app',
          members: ['release-bot', 'octocat'],
          files: versionFile,
          protectedBranches: ['main'],
        });
        await sim.createProject({
          forge: 'github',
          path: 'org/no-auto-merge',
          members: ['release-bot', 'octocat'],
          files: versionFile,
          allowAutoMerge: false,
        });
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/consumer',
          members: ['release-bot'],
          files: { GITALY_SERVER_VERSION: `${root}\n` },
        });
      },
      jobsConfig: () => {
        const source = { forge: 'github', project: 'org/gitaly' };
        return {
          'update-component': {
            components: [
              {
                name: 'gh-auto',
                source,
                target: {
                  forge: 'github',
                  project: 'org/app',
                  versionFile: 'GITALY_VERSION',
                  format: 'VERSION={sha}\n',
                },
              },
              {
                name: 'gh-manual',
                source,
                target: {
                  forge: 'github',
                  project: 'org/no-auto-merge',
                  versionFile: 'GITALY_VERSION',
                  format: 'VERSION={sha}\n',
                },
              },
              {
                name: 'cross',
                source,
                target: { forge: 'gitlab', project: 'org/consumer', versionFile: 'GITALY_SERVER_VERSION' },
              },
            ],
          },
        };
      },
    });
  });
  afterAll(() => h.close());

  it('is a no-op for every component while the version is current', async () => {
    const since = h.sim.mark();
    const { run } = await h.run('update-component');
    expect(run.status).toBe('noop');
    // The latest-green search is a GraphQL query (a POST that only reads): one per component.
    const requests = h.sim.requests({ since });
    expect(requests.filter((r) => r.method !== 'GET' && r.route !== 'POST /graphql')).toEqual([]);
    expect(requests.filter((r) => r.route === 'POST /graphql')).toHaveLength(3);
  });

  it('counts a re-run that passed instead of the old failure (newest check run per name)', async () => {
    const flaky = await h.sim.push({
      forge: 'github',
      project: 'org/gitaly',
      files: { 'a.go': '1' },
      message: 'Add a [ci:flaky=test]',
      username: 'octocat',
    });
    await h.sim.advance(HOUR);
    const project = h.sim.project('github', 'org/gitaly');
    const pipeline = h.sim.ci.latestPipeline(project, flaky)!;
    expect(pipeline.status).toBe('failed');
    // a red head: nothing to do yet
    expect((await h.run('update-component', { args: { component: 'gh-auto' } })).run.status).toBe('noop');
    const failed = h.sim.ci.jobsOf(pipeline).find((j) => j.status === 'failed')!;
    await h.sim.ci.retryJob(failed, 1);
    await h.sim.advance(HOUR);
    expect(
      h.sim.world.checkRuns.filter((c) => c.sha === flaky && c.name === 'test').map((c) => c.conclusion),
    ).toEqual(['failure', 'success']);
    const { run } = await h.run('update-component');
    expect(run.status).toBe('ok');
    for (const [forge, path] of [
      ['github', 'org/app'],
      ['github', 'org/no-auto-merge'],
      ['gitlab', 'org/consumer'],
    ] as const) {
      const prs = openPrs(h.sim, forge, path);
      expect(prs, `${forge}:${path}`).toHaveLength(1);
      expect(readMarker(prs[0]!.description, 'update-component')).toMatchObject({ sha: flaky, from: root });
    }
  });

  it('merges through GitHub auto-merge once the PR checks pass', async () => {
    await h.sim.advance(HOUR);
    expect(openPrs(h.sim, 'github', 'org/app')).toHaveLength(0);
    const file = await h.sim.project('github', 'org/app').repo.readFile('main', 'GITALY_VERSION');
    expect(file?.toString()).toMatch(/^VERSION=[0-9a-f]{40}\n$/);
    // across forges, GitLab: its MR pipeline was created after the push, so the bot did not ask
    // for auto-merge then; the next run finds the pipeline passed and GitLab merges at once
    expect(openPrs(h.sim, 'gitlab', 'org/consumer')).toHaveLength(1);
    expect((await h.run('update-component', { args: { component: 'cross' } })).run.status).toBe('ok');
    expect(openPrs(h.sim, 'gitlab', 'org/consumer')).toHaveLength(0);
  });

  it('merges on a later run where the repository does not allow auto-merge', async () => {
    expect(openPrs(h.sim, 'github', 'org/no-auto-merge')).toHaveLength(1);
    const { run, result } = await h.run('update-component', { args: { component: 'gh-manual' } });
    expect(run.status).toBe('ok');
    expect(result?.actions.map((a) => a.description).join('\n')).toContain('merged');
    expect(openPrs(h.sim, 'github', 'org/no-auto-merge')).toHaveLength(0);
    expect((await h.run('update-component')).run.status).toBe('noop');
  });
});
