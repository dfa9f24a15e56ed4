import type { DemoStory } from '../story.js';

const story: DemoStory = {
  job: 'heartbeat',
  title: 'Heartbeat: are the forges reachable with our tokens?',
  async setup() {
    return {};
  },
  async play(play) {
    play.say('The bot checks that both simulated forges answer with its token.');
    const { run } = await play.run({ trigger: 'schedule' });
    if (run.status !== 'ok') throw new Error(`expected both forges to answer, got: ${run.summary}`);
  },
};

export default story;
