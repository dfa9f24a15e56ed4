import { writeFileSync } from 'node:fs';
import { stories } from '../../../demo/stories/index.js';
import { runDemo } from '../../../demo/run.js';
import type { DemoStory, DemoWorld } from '../../../demo/story.js';

/**
 * `release-bot demo --json` with canaries, run as its own process by test/security/canary.test.ts:
 * the same stories and report, except that update-component's Gitaly component gets an approver
 * token (the canary from $CANARY_TOKEN, for a real `approver` account on the simulator), so the
 * secret is configured, registered and sent on every approval. The demo's own bot token (random,
 * made by the simulator) is a second canary. Both are written to $CANARY_OUT for the test to
 * search the report and the logs for.
 */

const canary = process.env.CANARY_TOKEN!;
let world: DemoWorld | undefined;

const withCanary = (story: DemoStory): DemoStory => ({
  ...story,
  async setup(w) {
    world = w;
    const section = await story.setup(w);
    if (story.job !== 'update-component') return section;
    const { user } = w.sim.createUser('approver', { token: canary });
    w.sim.project('gitlab', 'gitlab-org/gitlab').members.set(user.id, 30);
    const components = (section.components as Record<string, unknown>[]).map((c) => ({
      ...c,
      approverToken: canary,
    }));
    return { ...section, components };
  },
});

const report = await runDemo({ json: true, stories: stories.map(withCanary) });
const approvals = world!.sim.requests().filter((r) => r.user === 'approver').length;
writeFileSync(process.env.CANARY_OUT!, JSON.stringify({ botToken: world!.bot.token, approvals }));
process.exitCode = report.ok ? 0 : 1;
