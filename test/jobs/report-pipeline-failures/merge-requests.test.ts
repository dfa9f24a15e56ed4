import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../../jobs/report-pipeline-failures/index.js';
import updateComponent from '../../../jobs/update-component/index.js';
import { readMarker, readMarkers } from '../../../src/kit/marker.js';
import { activeMentions, validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { HOUR, JOB, textOf, titled, writes } from './helpers.js';

/**
 * The bot's own version-bump MRs on GitLab, with update-component opening them (seed 001):
 * a regression in the component, recovery, and a broken default branch that ends with the stale
 * MR closed and a fresh one opened.
 */

const BRANCH = 'release-bot/update-gitaly';

function mrs(sim: Simulator) {
  const target = sim.project('gitlab', 'org/gitlab');
  return sim.world.mergeRequests.filter((m) => m.projectId === target.id);
}

function reportNotes(sim: Simulator, iid: number) {
  const target = sim.project('gitlab', 'org/gitlab');
  return sim.world.notes.filter(
    (n) =>
      n.projectId === target.id &&
      n.noteableType === 'MergeRequest' &&
      n.noteableIid === iid &&
      readMarkers(n.body, JOB).length > 0,
  );
}

describe('report-pipeline-failures on the bot MRs (GitLab, with update-component)', () => {
  let h: JobHarness;
  let c1: string;
  let c2: string;

  async function pushGitaly(file: string, message: string): Promise<string> {
    return h.sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'master',
      files: { [file]: message },
      message,
      username: 'alice',
    });
  }

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [job, updateComponent],
      seed: async (sim) => {
        sim.createUser('alice', { name: 'Alice' });
        const gitaly = await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitaly',
          defaultBranch: 'master',
          members: ['release-bot:20', 'alice'],
        });
        c1 = (await gitaly.repo.branchSha('master'))!;
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitlab',
          defaultBranch: 'main',
          members: ['release-bot:30', 'alice'],
          files: { GITALY_SERVER_VERSION: `${c1}\n` },
        });
        await sim.push({
          forge: 'gitlab',
          project: 'org/gitlab',
          files: { 'app.rb': '1' },
          message: 'Green main',
          username: 'alice',
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
        [JOB]: {
          mergeRequests: [
            { forge: 'gitlab', project: 'org/gitlab', slackChannel: 'releases', mention: '@gitaly-team' },
          ],
        },
      }),
    });
    expect((await h.run(JOB)).run.status).toBe('noop');
  });
  afterAll(() => h.close());

  it('names the component range and suggests a revert when the bump MR fails on a green main', async () => {
    c2 = await pushGitaly('a.go', 'Add a feature that breaks gitlab');
    await h.sim.advance(HOUR);
    // The bump to c2 breaks the consuming repo's tests; main itself stays green.
    h.sim.setCi('gitlab', 'org/gitlab', { branch: BRANCH }, { result: 'failed', failJobs: ['test'] });
    await h.run('update-component');
    await h.sim.advance(HOUR);

    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    const [message, ...rest] = h.slack.messagesTo('releases');
    expect(rest).toEqual([]);
    const text = textOf(message!);
    expect(message!.payload.text).toMatch(/org\/gitlab !\d+: pipeline #\d+ failed — regression/);
    expect(text).toContain(`gitaly ${c1.slice(0, 11)}..${c2.slice(0, 11)} (1 commits)`);
    expect(text).toContain('/org/gitaly/-/compare/');
    expect(text).toContain('Add a feature that breaks gitlab');
    expect(text).toContain('Revert the culprit in org/gitaly');
    // The team's bare @group mention is the only one, and link_names makes it live.
    expect(message!.payload.link_names).toBe(true);
    expect(message!.payload.text).toContain('@gitaly-team');
    expect(activeMentions(message!.payload)).toEqual([]);
    expect(validateBlockKit(message!.payload)).toEqual([]);

    const [mr] = mrs(h.sim);
    expect(mr!.labels).toContain('workflow::pipeline-failed');
    const notes = reportNotes(h.sim, mr!.iid);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain('regression in gitaly');
    expect(notes[0]!.body).toContain('cc @gitaly-team');
  });

  it('adds the label and the note once, however often it runs', async () => {
    const since = h.sim.mark();
    await h.run(JOB);
    await h.restart();
    await h.run(JOB);
    expect(writes(h.sim, since)).toEqual([]);
    expect(h.slack.messages).toHaveLength(1);
    const [mr] = mrs(h.sim);
    expect(mr!.labels.filter((l) => l === 'workflow::pipeline-failed')).toHaveLength(1);
    expect(reportNotes(h.sim, mr!.iid)).toHaveLength(1);
    // Watching one bot branch costs a branch listing and its pipelines.
    const quiet = h.sim.mark();
    await h.run(JOB);
    expect(h.sim.requests({ since: quiet }).length).toBeLessThanOrEqual(2);
  });

  it('says once that the MR recovered when the fixed component passes, and labels it merged', async () => {
    const c3 = await pushGitaly('a.go', 'Fix the feature');
    await h.sim.advance(HOUR);
    h.sim.setCi('gitlab', 'org/gitlab', { branch: BRANCH }, { result: 'success' });
    await h.run('update-component');
    await h.sim.advance(HOUR);
    // the MR pipeline is created after the bot's push: the next hourly run finds it green and merges
    await h.run('update-component');
    const [mr] = mrs(h.sim);
    expect(mr!.state).toBe('merged');
    expect(readMarker<{ sha: string }>(mr!.description, 'update-component')!.sha).toBe(c3);

    await h.run(JOB);
    await h.run(JOB);
    const recovered = titled(h.slack.messages, 'recovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.payload.text).toContain('and the MR merged');
    expect(h.slack.messages).toHaveLength(2);
    const merged = mrs(h.sim)[0]!;
    expect(merged.labels).toContain('workflow::merged');
    expect(merged.labels).not.toContain('workflow::pipeline-failed');
  });

  it('on a broken main: says to wait, then closes the stale MR once main is green; update-component opens a fresh one', async () => {
    const gitlab = h.sim.project('gitlab', 'org/gitlab');
    // main breaks: everything built on it fails the same test.
    gitlab.ciByBranch.delete(BRANCH);
    h.sim.setCi('gitlab', 'org/gitlab', {}, { result: 'failed', failJobs: ['test'] });
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitlab',
      files: { 'app.rb': 'broken' },
      message: 'Break main',
      username: 'alice',
    });
    await pushGitaly('b.go', 'Another gitaly change');
    await h.sim.advance(HOUR);
    await h.run('update-component');
    await h.sim.advance(HOUR);
    const stale = mrs(h.sim).find((m) => m.state === 'opened')!;

    h.slack.clear();
    await h.run(JOB);
    await h.run(JOB);
    expect(h.slack.messages).toHaveLength(1);
    const text = textOf(h.slack.messages[0]!);
    expect(h.slack.messages[0]!.payload.text).toContain('broken default branch');
    expect(text).toContain('Wait for the fix; the bot will refresh its MR');
    // main's own failing pipeline is named as the evidence.
    expect(text).toMatch(/pipeline #\d+ failed/);
    expect(stale.labels).toContain('workflow::pipeline-failed');
    expect(stale.state).toBe('opened');

    // The fix lands on main.
    h.sim.setCi('gitlab', 'org/gitlab', {}, { result: 'success' });
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/gitlab',
      files: { 'app.rb': 'fixed' },
      message: 'Fix main',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    await h.run(JOB);
    await h.run(JOB);
    expect(stale.state).toBe('closed');
    expect(await gitlab.repo.branchSha(BRANCH)).toBeNull();
    const closeNotes = reportNotes(h.sim, stale.iid).filter(
      (n) => readMarker<{ closed?: string }>(n.body, JOB)?.closed,
    );
    expect(closeNotes).toHaveLength(1);
    const closed = titled(h.slack.messages, 'closed the stale MR');
    expect(closed).toHaveLength(1);
    expect(validateBlockKit(closed[0]!.payload)).toEqual([]);

    // update-component's next run opens a fresh MR against the fixed main, which merges.
    await h.run('update-component');
    const fresh = mrs(h.sim).find((m) => m.state === 'opened')!;
    expect(fresh.iid).not.toBe(stale.iid);
    await h.sim.advance(HOUR);
    await h.run('update-component'); // its pipeline exists (and passed) only now
    expect(fresh.state).toBe('merged');
    await h.run(JOB);
    expect(fresh.labels).toContain('workflow::merged');
    expect(h.slack.messages).toHaveLength(2);
  });
});
