import type { DemoPlay, DemoStory } from '../story.js';
import { startFakeService, type FakeService } from '../../packages/forge-sandbox/src/services/health.js';
import {
  startFakeSentryApi,
  type FakeSentryApi,
} from '../../packages/forge-sandbox/src/services/sentry-api.js';

/**
 * Seed 003 (Packit): Friday morning the stage checks on hello-world are green, Sentry has nothing
 * new on stage and stage answers healthy → the bot opens an approval issue (ogr has no stable
 * branch yet: the plan says "create") → alice (an approver) ticks its box → the next poll
 * creates ogr's stable; packit waits until ogr's new stable is built in Copr → once Copr reports
 * the build, the poll after moves packit and packit-service in dependency order and posts the
 * release notes taken from the merged MRs.
 */

const ORG = 'packit-demo';
const REPOS = ['ogr', 'packit', 'packit-service', 'sandcastle'];
const COPR = 'copr-build:fedora-rawhide-x86_64';

let sentry: FakeSentryApi | undefined;
let health: FakeService | undefined;

const story: DemoStory = {
  job: 'move-stable-branches',
  title:
    'Friday stable branches: stage gates → approval issue → approver ticks → ogr created, packit waits for its Copr build → moved in order, notes from the MRs (seed 003)',
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
          branches: name === 'ogr' ? [] : ['stable'],
          members: ['release-bot', 'alice'],
          ciEnabled: false,
          pipelineMustSucceed: false,
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
        {
          project: `${ORG}/ogr`,
          createStable: true,
          ready: { checks: ['copr-build*'], timeout: '2h' },
        },
        { project: `${ORG}/packit`, dependsOn: ['ogr'] },
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
      play.say(
        'This week packit and packit-service got new commits on main (one through a merged MR with a release-notes block); sandcastle did not; ogr has no stable branch yet.',
      );
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
        project: `${ORG}/ogr`,
        files: { 'ogr.py': '1' },
        message: 'Support GitLab forks',
        username: 'alice',
      });
      await mergeWithNotes(play, 'packit-service', {
        title: 'Add Fedora 42 targets',
        notes: 'Packit Service now builds for Fedora 42.',
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

      play.say(
        "9:15, the next poll: approved, so ogr's stable is created; packit waits for ogr's new stable to be built in Copr.",
      );
      const second = await play.run({ trigger: 'schedule' });
      const ogr = sim.project('gitlab', `${ORG}/ogr`).repo;
      const ogrStable = await ogr.branchSha('stable');
      if (second.run.status !== 'ok' || !ogrStable || !/waiting: packit/.test(second.run.summary))
        throw new Error(
          `expected ogr created and packit waiting, got ${second.run.status}: ${second.run.summary}`,
        );

      play.say("Copr reports the build of ogr's new stable as a check on its head.");
      sim.setStatus('gitlab', `${ORG}/ogr`, ogrStable, { context: COPR, state: 'success' });

      play.say('9:30, the poll after: ogr is ready, so packit then packit-service move; sandcastle is even.');
      const third = await play.run({ trigger: 'schedule' });
      if (third.run.status !== 'ok')
        throw new Error(`expected the moves, got ${third.run.status}: ${third.run.summary}`);
      for (const name of ['packit', 'packit-service']) {
        const repo = sim.project('gitlab', `${ORG}/${name}`).repo;
        if ((await repo.branchSha('stable')) !== (await repo.branchSha('main')))
          throw new Error(`${name}: stable did not move to main`);
      }
      play.say('The issue now holds the report and the release notes (from the merged MRs), and is closed.');
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

/** An MR from a new branch, merged through the API by alice, its body carrying Packit's notes block. */
async function mergeWithNotes(
  play: DemoPlay,
  repo: string,
  mr: { title: string; notes: string },
): Promise<void> {
  const { sim } = play;
  const project = sim.project('gitlab', `${ORG}/${repo}`);
  const branch = `feature-${repo}`;
  await sim.push({
    forge: 'gitlab',
    project: project.path,
    branch,
    files: { [`${branch}.txt`]: mr.title },
    message: mr.title,
    username: 'alice',
  });
  const headers = { 'private-token': play.user('alice').token, 'content-type': 'application/json' };
  const api = `${sim.gitlab.url}/api/v4/projects/${project.id}/merge_requests`;
  const created = await fetch(api, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      source_branch: branch,
      target_branch: 'main',
      title: mr.title,
      description: `RELEASE NOTES BEGIN\n${mr.notes}\nRELEASE NOTES END`,
    }),
  });
  if (!created.ok) throw new Error(`could not open the MR in ${repo}: HTTP ${created.status}`);
  const { iid } = (await created.json()) as { iid: number };
  await play.advance(1000);
  const merged = await fetch(`${api}/${iid}/merge`, { method: 'PUT', headers, body: '{}' });
  if (!merged.ok) throw new Error(`could not merge !${iid} in ${repo}: HTTP ${merged.status}`);
}

export default story;
