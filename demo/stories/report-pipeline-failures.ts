import type { DemoStory } from '../story.js';

/** Seed 001, "Why do pipeline failures occur?": a flake is retried quietly, a real break is reported once, and so is the recovery. */

const HOUR = 3_600_000;
const PROJECT = 'gitlab-org/charts';

const story: DemoStory = {
  job: 'report-pipeline-failures',
  title:
    'Pipeline failures: flake retried once, breakage reported once with the next step, recovery (seed 001)',
  async setup(world) {
    const { sim } = world;
    world.user('charts-dev');
    await sim.createProject({
      forge: 'gitlab',
      path: PROJECT,
      defaultBranch: 'master',
      members: ['release-bot', 'charts-dev'],
      files: { 'Chart.yaml': 'name: gitlab\n' },
      ciJobs: [
        { name: 'lint', stage: 'test', durationMs: 60_000 },
        { name: 'rspec', stage: 'test', durationMs: 5 * 60_000 },
        { name: 'review-qa flaky', stage: 'qa', durationMs: 5 * 60_000 },
      ],
    });
    await sim.advance(HOUR);
    return {
      slackChannel: world.slackChannel,
      projects: [
        { forge: world.forges.gitlab, project: PROJECT, knownFlaky: ['*flaky*'], mention: '@charts-team' },
      ],
    };
  },
  async play(play) {
    const { sim } = play;
    const push = (file: string, message: string) =>
      sim.push({
        forge: 'gitlab',
        project: PROJECT,
        files: { [file]: message },
        message,
        username: 'charts-dev',
      });

    play.say(`The bot starts watching ${PROJECT}@master: nothing from before is reported.`);
    const first = await play.run({ label: 'first look' });
    if (first.run.status !== 'noop')
      throw new Error(`expected a quiet first look, got: ${first.run.summary}`);

    play.say('A commit lands whose known-flaky QA job fails: the bot retries it once and says nothing.');
    await push('values.yaml', 'Bump default replicas [ci:flaky=review-qa flaky]');
    await sim.advance(HOUR);
    const retried = await play.run({ label: 'flake' });
    if (!retried.run.summary.includes('retrying once'))
      throw new Error(`expected a retry, got: ${retried.run.summary}`);
    await sim.advance(HOUR);
    const quiet = await play.run({ label: 'retry passed' });
    if (quiet.run.status !== 'noop')
      throw new Error(`expected silence after the retry passed, got: ${quiet.run.summary}`);

    play.say(
      'A commit breaks rspec: on-call gets one message with the verdict, the commits since green and the next step.',
    );
    await push('templates/deployment.yaml', 'Refactor the deployment template [ci:fail=rspec]');
    await sim.advance(HOUR);
    const broken = await play.run({ label: 'broken master' });
    if (!broken.run.summary.includes('reported'))
      throw new Error(`expected a report, got: ${broken.run.summary}`);

    play.say('The fix lands: one "recovered" message.');
    await push('templates/deployment.yaml', 'Fix the deployment template');
    await sim.advance(HOUR);
    const fixed = await play.run({ label: 'fixed' });
    if (!fixed.run.summary.includes('recovered'))
      throw new Error(`expected a recovery, got: ${fixed.run.summary}`);
  },
};

export default story;
