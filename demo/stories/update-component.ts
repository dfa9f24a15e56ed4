import type { DemoStory } from '../story.js';

/** Seed 001: Gitaly's latest green commit becomes a GITALY_SERVER_VERSION bump MR that merges itself. */

const HOUR = 3_600_000;
const BRANCH = 'release-bot/update-gitaly';

const story: DemoStory = {
  job: 'update-component',
  title: 'Gitaly version bump: latest green commit → one MR, merged when green (seed 001)',
  async setup(world) {
    const { sim } = world;
    world.user('gitaly-dev');
    const gitaly = await sim.createProject({
      forge: 'gitlab',
      path: 'gitlab-org/security/gitaly',
      defaultBranch: 'master',
      members: ['release-bot:20', 'gitaly-dev'],
      files: { 'go.mod': 'module gitlab.com/gitlab-org/gitaly\n' },
    });
    const root = (await gitaly.repo.branchSha('master'))!;
    await sim.ci.createPipeline({
      project: gitaly,
      ref: 'master',
      sha: root,
      userId: 1,
      outcome: { result: 'success' },
    });
    await sim.createProject({
      forge: 'gitlab',
      path: 'gitlab-org/gitlab',
      defaultBranch: 'master',
      members: ['release-bot', 'gitaly-dev'],
      files: { GITALY_SERVER_VERSION: `${root}\n`, 'README.md': '# GitLab\n' },
    });
    await sim.advance(HOUR);
    return {
      slackChannel: world.slackChannel,
      components: [
        {
          name: 'gitaly',
          source: {
            forge: world.forges.gitlab,
            project: 'gitlab-org/security/gitaly',
            requiredJobs: ['test'],
          },
          target: {
            forge: world.forges.gitlab,
            project: 'gitlab-org/gitlab',
            versionFile: 'GITALY_SERVER_VERSION',
          },
          mergeRequest: { labels: ['group::gitaly', 'workflow::ready-to-merge'] },
          mention: '@gitaly-team',
        },
      ],
    };
  },
  async play(play) {
    const { sim } = play;
    const push = (file: string, message: string) =>
      sim.push({
        forge: 'gitlab',
        project: 'gitlab-org/security/gitaly',
        branch: 'master',
        files: { [file]: message },
        message,
        username: 'gitaly-dev',
      });

    play.say(
      'Gitaly master gets three commits: a fix (green), a change that breaks a test (red), one whose pipeline is still running.',
    );
    const green = await push('fix.go', 'Fix repository size calculation');
    await sim.advance(HOUR);
    await push('break.go', 'Refactor housekeeping [ci:fail=test]');
    await sim.advance(HOUR);
    await push('slow.go', 'Add bundle URI support [ci:stuck]');
    await sim.advance(HOUR);
    sim.setCi('gitlab', 'gitlab-org/gitlab', { branch: BRANCH }, { result: 'stuck' });

    play.say('First a dry run: the plan, and nothing written.');
    await play.run({ dryRun: true });
    play.say(
      'The hourly run opens one MR for the newest green commit, skipping the red and the running ones.',
    );
    const first = await play.run({ trigger: 'schedule' });
    if (first.run.status !== 'ok') throw new Error(`expected an MR, got: ${first.run.summary}`);

    play.say('Another green commit lands; the same MR is moved to it (still exactly one MR).');
    await push('more.go', 'Speed up object pool linking');
    await sim.advance(HOUR);
    await play.run({ trigger: 'schedule' });

    play.say(
      'GitLab creates the MR pipeline a moment after the push; the next run sets merge-when-pipeline-succeeds for that head (never before its pipeline exists).',
    );
    await sim.advance(60_000);
    const armed = await play.run({ trigger: 'schedule' });
    if (armed.run.status !== 'ok')
      throw new Error(`expected auto-merge to be set, got: ${armed.run.summary}`);

    play.say(
      "The MR's pipeline passes and GitLab merges it (merge when pipeline succeeds, guarded by the head sha).",
    );
    sim.setCi('gitlab', 'gitlab-org/gitlab', { branch: BRANCH }, { result: 'success' });
    const target = sim.project('gitlab', 'gitlab-org/gitlab');
    const head = (await target.repo.branchSha(BRANCH))!;
    await sim.ci.createPipeline({ project: target, ref: BRANCH, sha: head, userId: 1 });
    await sim.advance(HOUR);
    const version = (await target.repo.readFile('master', 'GITALY_SERVER_VERSION'))?.toString().trim();
    play.say(
      `gitlab-org/gitlab master now pins Gitaly ${version?.slice(0, 11)} (the fix ${green.slice(0, 11)} and the commit after it).`,
    );
    const last = await play.run({ trigger: 'schedule' });
    if (last.run.status !== 'noop') throw new Error(`expected nothing left to do, got: ${last.run.summary}`);
  },
};

export default story;
