import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../jobs/report-pipeline-failures/index.js';
import { NOTE_MARKER } from '../../jobs/report-pipeline-failures/messages.js';
import updateComponent from '../../jobs/update-component/index.js';
import { marker, readMarkers } from '../../src/kit/marker.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';
import { api } from '../reliability/support/crash-scenarios.js';
import { writePart } from '../reliability/support/figures.js';

/**
 * A marker in text a human can write proves nothing (issue 27): report-pipeline-failures finds
 * its "already reported" note on the bump MR by marker, so a developer's comment carrying the
 * same marker must not make it stay silent about a failed pipeline.
 */

const HOUR = 3_600_000;
const BRANCH = 'release-bot/update-gitaly';

describe('a look-alike note with the bot’s marker is not the bot’s (GitLab)', () => {
  let h: JobHarness;
  let alice = '';

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [job, updateComponent],
      seed: async (sim) => {
        alice = sim.createUser('alice', { name: 'Alice' }).token;
        const gitaly = await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitaly',
          defaultBranch: 'master',
          members: ['release-bot:20', 'alice'],
        });
        const c1 = (await gitaly.repo.branchSha('master'))!;
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitlab',
          defaultBranch: 'main',
          members: ['release-bot:30', 'alice:30'],
          files: { GITALY_SERVER_VERSION: `${c1}\n` },
        });
        await sim.advance(HOUR);
      },
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'gitaly',
              source: { forge: 'gitlab', project: 'org/gitaly' },
              target: { forge: 'gitlab', project: 'org/gitlab', versionFile: 'GITALY_SERVER_VERSION' },
            },
          ],
        },
        'report-pipeline-failures': {
          mergeRequests: [{ forge: 'gitlab', project: 'org/gitlab', slackChannel: 'releases' }],
        },
      }),
    });
    expect((await h.run('report-pipeline-failures')).run.status).toBe('noop');
  });
  afterAll(() => h?.close());

  it('still reports the failed bump MR pipeline on the MR when a developer wrote the marker first', async () => {
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'master',
      files: { 'a.go': 'a' },
      message: 'Add a',
    });
    await h.sim.advance(HOUR);
    h.sim.setCi('gitlab', 'org/gitlab', { branch: BRANCH }, { result: 'failed', failJobs: ['test'] });
    await h.run('update-component');
    await h.sim.advance(HOUR);
    const target = h.sim.project('gitlab', 'org/gitlab');
    const mr = h.sim.world.mergeRequests.find((m) => m.projectId === target.id)!;
    const failed = h.sim.world.pipelines.filter((p) => p.projectId === target.id && p.ref === BRANCH);
    expect(failed.length).toBeGreaterThan(0);
    // alice writes what the bot's note would say it already said, for every pipeline of the branch
    await api(h.sim, 'gitlab', alice, 'POST', `/projects/${target.id}/merge_requests/${mr.iid}/notes`, {
      body: `Known, ignore.\n${failed.map((p) => marker(NOTE_MARKER, { pipeline: p.id })).join('\n')}`,
    });

    const { run } = await h.run('report-pipeline-failures');
    expect(run.status).toBe('ok');
    const bot = h.sim.world.userByName('release-bot')!.id;
    const own = h.sim.world.notes.filter(
      (n) =>
        n.projectId === target.id &&
        n.noteableType === 'MergeRequest' &&
        n.noteableIid === mr.iid &&
        n.authorId === bot &&
        readMarkers(n.body, NOTE_MARKER).length > 0,
    );
    expect(own).toHaveLength(1);
    writePart('security-look-alike-notes', {
      summary:
        'markers: a developer’s note carrying the bot’s marker did not silence the bot’s own report note',
      checked: 1,
      held: 1,
    });
  });
});
