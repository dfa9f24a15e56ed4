import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../../jobs/report-pipeline-failures/index.js';
import updateComponent from '../../../jobs/update-component/index.js';
import { readMarkers } from '../../../src/kit/marker.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { HOUR, JOB, reports, textOf, titled, writes } from './helpers.js';

/** GitHub: workflow runs and jobs through the same Forge interface, with update-component's PRs. */

const BRANCH = 'release-bot/update-lib';

function pulls(sim: Simulator) {
  const app = sim.project('github', 'acme/app');
  return sim.world.mergeRequests.filter((m) => m.projectId === app.id);
}

describe('report-pipeline-failures on GitHub', () => {
  let h: JobHarness;
  let root: string;

  async function pushLib(message: string): Promise<string> {
    return h.sim.push({
      forge: 'github',
      project: 'acme/lib',
      files: { 'lib.go': message },
      message,
      username: 'octocat',
    });
  }

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [job, updateComponent],
      seed: async (sim) => {
        sim.createUser('octocat', { name: 'Octo Cat' });
        const lib = await sim.createProject({
          forge: 'github',
          path: 'acme/lib',
          members: ['release-bot:20', 'octocat'],
        });
        root = (await lib.repo.branchSha('main'))!;
        await sim.ci.createPipeline({
          project: lib,
          ref: 'main',
          sha: root,
          userId: 1,
          outcome: { result: 'success' },
        });
        await sim.createProject({
          forge: 'github',
          path: 'acme/app',
          members: ['release-bot', 'octocat'],
          files: { LIB_VERSION: `${root}\n` },
          protectedBranches: ['main'],
          ciJobs: [
            { name: 'build', stage: 'build', durationMs: 60_000 },
            { name: 'test', stage: 'test', durationMs: 60_000 },
            { name: 'e2e-flaky', stage: 'test', durationMs: 60_000 },
          ],
        });
        await sim.advance(HOUR);
      },
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'lib',
              source: { forge: 'github', project: 'acme/lib' },
              target: { forge: 'github', project: 'acme/app', versionFile: 'LIB_VERSION' },
            },
          ],
        },
        [JOB]: {
          slackChannel: 'releases',
          mergeRequests: [{ forge: 'github', project: 'acme/app', mention: '<!subteam^S0LIB>' }],
          projects: [{ forge: 'github', project: 'acme/app', knownFlaky: ['e2e-flaky'] }],
        },
      }),
    });
    await h.run(JOB);
  });
  afterAll(() => h.close());

  it('reports a failing PR run as a regression of the component, labels the PR and comments once', async () => {
    const c2 = await pushLib('Change lib');
    await h.sim.advance(HOUR);
    h.sim.setCi('github', 'acme/app', { branch: BRANCH }, { result: 'failed', failJobs: ['test'] });
    await h.run('update-component');
    await h.sim.advance(HOUR);
    await h.run(JOB);
    await h.run(JOB);
    const messages = reports(h.slack.messages);
    expect(messages).toHaveLength(1);
    const text = textOf(messages[0]!);
    expect(messages[0]!.payload.text).toMatch(/acme\/app #\d+: pipeline #\d+ failed — regression/);
    expect(text).toContain(`lib ${root.slice(0, 11)}..${c2.slice(0, 11)} (1 commits)`);
    expect(text).toContain('/acme/lib/compare/');
    expect(text).toContain('<!subteam^S0LIB>');
    expect(validateBlockKit(messages[0]!.payload)).toEqual([]);
    const [pr] = pulls(h.sim);
    expect(pr!.labels).toEqual(['workflow::pipeline-failed']);
    const comments = h.sim.world.notes.filter(
      (n) => n.noteableIid === pr!.iid && readMarkers(n.body, JOB).length,
    );
    expect(comments).toHaveLength(1);
  });

  it('costs at most two requests per watched ref when nothing changed', async () => {
    const since = h.sim.mark();
    await h.run(JOB);
    // main (one run listing) + the bot branches (one listing, one run listing for the PR branch)
    expect(h.sim.requests({ since }).length).toBeLessThanOrEqual(3);
    expect(writes(h.sim, since)).toEqual([]);
  });

  it('retries a known-flaky workflow job once and stays quiet when it passes', async () => {
    await h.sim.push({
      forge: 'github',
      project: 'acme/app',
      files: { 'x.txt': 'x' },
      message: 'Touch main [ci:flaky=e2e-flaky]',
      username: 'octocat',
    });
    await h.sim.advance(HOUR);
    const since = h.sim.mark();
    await h.run(JOB);
    expect(
      h.sim.requests({ since, method: 'POST' }).filter((r) => /rerun-failed-jobs$/.test(r.path)),
    ).toHaveLength(1);
    await h.sim.advance(HOUR);
    await h.run(JOB);
    expect(reports(h.slack.messages)).toHaveLength(1);
  });

  it('says once that the PR recovered when it passes and merges', async () => {
    await pushLib('Fix lib');
    await h.sim.advance(HOUR);
    h.sim.setCi('github', 'acme/app', { branch: BRANCH }, { result: 'success' });
    await h.run('update-component');
    await h.sim.advance(HOUR);
    expect(pulls(h.sim)[0]!.state).toBe('merged');
    await h.run(JOB);
    await h.run(JOB);
    expect(titled(reports(h.slack.messages), 'recovered')).toHaveLength(1);
    expect(pulls(h.sim)[0]!.labels).toEqual(['workflow::merged']);
  });
});
