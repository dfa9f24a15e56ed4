import type { DemoPlay, DemoStory } from '../story.js';

/**
 * Seed 001, after the merge: the Gitaly bump that update-component merged rides one deployment of
 * gitlab-org/gitlab through gstg-cny, gprd-cny, gstg and gprd. Per environment the MR's workflow
 * label moves, one note links the deployment, one Slack message says it, and Gitaly's own project
 * records which Gitaly runs there.
 */

const PROJECT = 'gitlab-org/gitlab';
const GITALY = 'gitlab-org/security/gitaly';
const ENVIRONMENTS = [
  { name: 'gstg-cny', label: 'workflow::staging-canary' },
  { name: 'gprd-cny', label: 'workflow::canary' },
  { name: 'gstg', label: 'workflow::staging' },
  { name: 'gprd', label: 'workflow::production' },
];

async function deploy(play: DemoPlay, environment: string): Promise<void> {
  await play.sim.deploy({ forge: 'gitlab', project: PROJECT, environment, ref: 'master' });
  await play.advance(15 * 60_000);
}

function bumpLabels(play: DemoPlay): string[] {
  const project = play.sim.project('gitlab', PROJECT);
  const mr = play.sim.world.mergeRequests.find(
    (m) =>
      m.projectId === project.id && m.sourceBranch === 'release-bot/update-gitaly' && m.state === 'merged',
  );
  return (mr?.labels ?? []).filter((l) => l.startsWith('workflow::'));
}

const story: DemoStory = {
  job: 'follow-deployments',
  title: 'Gitaly bump followed through gstg-cny → gprd-cny → gstg → gprd: labels, notes, Slack (seed 001)',
  async setup(world) {
    // update-component's story made the bot a reporter on Gitaly; recording deployments there
    // needs developer access, as it would on gitlab.com.
    const bot = world.sim.world.userByName(world.bot.username)!;
    world.sim.project('gitlab', GITALY).members.set(bot.id, 30);
    return {
      forge: world.forges.gitlab,
      project: PROJECT,
      slackChannel: world.slackChannel,
      environments: ENVIRONMENTS,
      components: [
        { name: 'gitaly', source: { forge: world.forges.gitlab, project: GITALY }, recordDeployments: true },
      ],
    };
  },
  async play(play) {
    play.say(
      'The Gitaly bump MR merged on gitlab-org/gitlab master; follow-deployments starts following it.',
    );
    const first = await play.run({ trigger: 'schedule' });
    if (!first.run.summary.includes('1 new bump'))
      throw new Error(`expected the merged bump to be followed, got: ${first.run.summary}`);

    play.say(
      'The auto-deploy reaches gstg-cny: the label becomes workflow::staging-canary, one note, one Slack message, and Gitaly records a gstg-cny deployment.',
    );
    await deploy(play, 'gstg-cny');
    const canary = await play.run({ trigger: 'schedule' });
    if (canary.run.status !== 'ok' || !bumpLabels(play).includes('workflow::staging-canary'))
      throw new Error(`expected the bump on gstg-cny, got: ${canary.run.summary}`);

    play.say('Nothing deployed since: the poll costs one request per environment and does nothing.');
    const idle = await play.run({ trigger: 'schedule' });
    if (idle.run.status !== 'noop') throw new Error(`expected nothing to do, got: ${idle.run.summary}`);

    play.say(
      'gprd-cny, then gprd before gstg (a skipped environment): the label ends at workflow::production and never moves back when gstg comes late.',
    );
    await deploy(play, 'gprd-cny');
    await deploy(play, 'gprd');
    await play.run({ trigger: 'schedule' });
    await deploy(play, 'gstg');
    await play.run({ trigger: 'schedule' });
    const labels = bumpLabels(play);
    if (labels.join() !== 'workflow::production')
      throw new Error(`expected workflow::production only, got: ${labels.join(', ')}`);
    play.say(
      '`release-bot trace gitaly <sha>` now answers "on gprd since …" (exit 0), with the deployment per environment.',
    );
  },
};

export default story;
