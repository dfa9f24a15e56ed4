import type { DemoStory } from '../story.js';
import { startFakeService, type FakeService } from '../../packages/forge-sandbox/src/services/health.js';
import {
  startFakeSentryApi,
  type FakeSentryApi,
} from '../../packages/forge-sandbox/src/services/sentry-api.js';

/**
 * Seed 003 (Packit): Friday morning the stage checks on hello-world are green, Sentry has nothing
 * new on stage and stage answers healthy → the bot opens an approval issue → alice (an approver)
 * ticks its box → the next poll moves packit, packit-service and sandcastle's stable branches
 * in dependency order and posts the release notes.
 */

const ORG = 'packit-demo';
const REPOS = ['packit', 'packit-service', 'sandcastle'];

let sentry: FakeSentryApi | undefined;
let health: FakeService | undefined;

const story: DemoStory = {
  job: 'move-stable-branches',
  title: 'Friday stable branches: stage gates → approval issue → approver ticks → moved in order (seed 003)',
  async setup(world) {
    const { sim } = world;
    world.user('alice');
    sentry = await startFakeSentryApi({ org: ORG });
    health = await startFakeService();
    health.set('/api/healthz', { status: 200, body: { status: 'ok' } });
    try {
      for (const name of REPOS)
        await sim.createProject({
          forge: 'gitlab',
          path: `${ORG}/${name}`,
          branches: ['stable'],
          members: ['release-bot', 'alice'],
          ciEnabled: false,
        });
      await sim.createProject({
        forge: 'gitlab',
        path: `${ORG}/hello-world`,
        members: ['release-bot'],
        ciEnabled: false,
      });
      await sim.createProject({
        forge: 'gitlab',
        path: `${ORG}/deployment`,
        members: ['release-bot', 'alice'],
      });
    } catch (error) {
      await story.teardown!();
      throw error;
    }
    return {
      slackChannel: world.slackChannel,
      forge: world.forges.gitlab,
      repos: [
        { project: `${ORG}/packit` },
        { project: `${ORG}/packit-service`, dependsOn: ['packit'] },
        { project: `${ORG}/sandcastle` },
      ],
      validation: {
        ci: { project: `${ORG}/hello-world`, checks: ['stage*'], maxAge: '12h' },
        sentry: { url: sentry.url, org: ORG, authToken: sentry.token, projects: ['packit-service'] },
        health: [{ name: 'stage API', url: `${health.url}/api/healthz`, field: 'status', equals: 'ok' }],
      },
      approval: { approvers: ['alice'], project: `${ORG}/deployment` },
      mention: '@packit-team',
    };
  },
  async play(play) {
    const { sim } = play;
    try {
      play.say('This week packit and packit-service got new commits on main; sandcastle did not.');
      await sim.push({
        forge: 'gitlab',
        project: `${ORG}/packit`,
        files: { 'a.py': '1' },
        message: 'Support copr builds for forks',
        username: 'alice',
      });
      await sim.push({
        forge: 'gitlab',
        project: `${ORG}/packit-service`,
        files: { 'b.py': '1' },
        message: 'Fix webhook retries',
        username: 'alice',
      });
      await sim.push({
        forge: 'gitlab',
        project: `${ORG}/packit-service`,
        files: { 'c.py': '1' },
        message: 'Add Fedora 42 targets',
        username: 'alice',
      });

      play.say('The morning validation on hello-world reports its stage checks green.');
      const hello = (await sim.project('gitlab', `${ORG}/hello-world`).repo.branchSha('main'))!;
      for (const context of ['stage/copr-build', 'stage/testing-farm']) {
        const status = sim.setStatus('gitlab', `${ORG}/hello-world`, hello, { context, state: 'success' });
        // The bot runs on the wall clock in the demo: the validation happened "just now".
        status.createdAt = status.updatedAt = new Date().toISOString();
      }

      play.say('Friday 9:00, scheduled: gates pass, so the bot asks for an approval in an issue.');
      const first = await play.run({ trigger: 'schedule' });
      if (first.run.status !== 'skipped' || !/waiting for approval/.test(first.run.summary))
        throw new Error(`expected an approval request, got ${first.run.status}: ${first.run.summary}`);
      const deployment = sim.project('gitlab', `${ORG}/deployment`);
      const issue = sim.world.issues.find((i) => i.projectId === deployment.id && i.state === 'opened');
      if (!issue) throw new Error('no approval issue was opened');

      play.say(`alice, an approver, ticks the box in ${ORG}/deployment#${issue.iid}.`);
      const description = issue.description.replace('- [ ] I approve plan', '- [x] I approve plan');
      const response = await fetch(`${sim.gitlab.url}/api/v4/projects/${deployment.id}/issues/${issue.iid}`, {
        method: 'PUT',
        headers: { 'private-token': play.user('alice').token, 'content-type': 'application/json' },
        body: JSON.stringify({ description }),
      });
      if (!response.ok) throw new Error(`alice could not tick the box: HTTP ${response.status}`);

      play.say('9:15, the next poll: approved, so packit then packit-service move; sandcastle is even.');
      const second = await play.run({ trigger: 'schedule' });
      if (second.run.status !== 'ok')
        throw new Error(`expected the moves, got ${second.run.status}: ${second.run.summary}`);
      for (const name of ['packit', 'packit-service']) {
        const repo = sim.project('gitlab', `${ORG}/${name}`).repo;
        if ((await repo.branchSha('stable')) !== (await repo.branchSha('main')))
          throw new Error(`${name}: stable did not move to main`);
      }
      play.say('The issue now holds the report and the release notes, and is closed.');
    } finally {
      await story.teardown!();
    }
  },
  async teardown() {
    const open = [sentry, health];
    sentry = undefined;
    health = undefined;
    for (const server of open) await server?.close();
  },
};

export default story;
