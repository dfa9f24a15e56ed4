import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../../jobs/report-pipeline-failures/index.js';
import { createGithubForge } from '../../../src/forges/github/index.js';
import { createGitlabForge } from '../../../src/forges/gitlab/index.js';
import type { Forge } from '../../../src/forges/types.js';
import { SLACK_LIMITS } from '../../../src/notify/slack-limits.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import { startSimulator, type Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { HOUR, JOB, reports, textOf, writes } from './helpers.js';

/**
 * Limits, dry-run and convergence on GitLab: 200 failed jobs in one message, a dry run that
 * changes nothing, and runs that died or failed after a step, which the next run finishes
 * without a duplicate. Also the forge addition this job needs: repo.listBranches.
 */

const BIG = Array.from({ length: 200 }, (_, i) => `rspec ${i + 1}/200 <!here>`);

function newestPipeline(sim: Simulator, project: string, ref: string) {
  const p = sim.project('gitlab', project);
  return sim.world.pipelines
    .filter((x) => x.projectId === p.id && x.ref === ref)
    .sort((a, b) => b.id - a.id)[0]!;
}

function retries(sim: Simulator, since: number) {
  return sim.requests({ since, method: 'POST' }).filter((r) => /\/retry$/.test(r.path));
}

describe('report-pipeline-failures: limits, dry-run and convergence (GitLab)', () => {
  let h: JobHarness;

  async function push(ref: string, message: string, project = 'org/app'): Promise<string> {
    return h.sim.push({ forge: 'gitlab', project, branch: ref, files: { [`${ref}.txt`]: message }, message });
  }

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [job],
      retries: 0,
      seed: async (sim) => {
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/app',
          members: ['release-bot'],
          branches: ['stable', 'hotfix'],
          ciJobs: [
            { name: 'build', stage: 'build', durationMs: 60_000 },
            { name: 'test', stage: 'test', durationMs: 60_000 },
            { name: 'flaky-job', stage: 'test', durationMs: 60_000 },
          ],
        });
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/big',
          members: ['release-bot'],
          ciJobs: BIG.map((name) => ({ name, stage: 'test', durationMs: 60_000 })),
        });
        await sim.advance(HOUR);
      },
      jobsConfig: () => ({
        [JOB]: {
          slackChannel: 'releases',
          projects: [
            {
              forge: 'gitlab',
              project: 'org/app',
              refs: ['main', 'stable', 'hotfix'],
              knownFlaky: ['flaky-*'],
            },
            { forge: 'gitlab', project: 'org/big', slackChannel: 'oncall' },
          ],
          mergeRequests: [{ forge: 'gitlab', project: 'org/app', mergeRequestPipelines: true }],
        },
      }),
    });
    await h.run(JOB);
  });
  afterAll(() => h.close());

  it('turns a pipeline with 200 failed jobs into one valid message, the rest summarised', async () => {
    h.sim.setCi('gitlab', 'org/big', { branch: 'main' }, { result: 'failed', failJobs: BIG });
    await push('main', 'Break everything', 'org/big');
    await h.sim.advance(HOUR);
    await h.run(JOB);
    const [message, ...rest] = h.slack.messagesTo('oncall');
    expect(rest).toEqual([]);
    expect(validateBlockKit(message!.payload)).toEqual([]);
    const blocks = message!.payload.blocks!;
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    for (const block of blocks)
      if (block.type === 'section' && block.text)
        expect((block.text as { text: string }).text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    const text = textOf(message!);
    expect(text).toContain('Failed jobs (200)');
    expect(text).toContain('rspec 1/200');
    // Every job is listed, or the list ends with "…and N more".
    expect(text.includes('rspec 200/200') || /…and \d+ more/.test(text)).toBe(true);
    // Job names are escaped: `<!here>` from a job name never pings anyone.
    expect(text).not.toContain('<!here>');
  });

  it('dry-run sends nothing, retries nothing, writes nothing, and moves no cursor', async () => {
    await push('main', 'Break main [ci:fail=test]');
    await push('stable', 'Flaky stable [ci:flaky=flaky-job]');
    await h.sim.advance(HOUR);
    h.slack.clear();
    const state = await h.app.store.listState(JOB);
    const since = h.sim.mark();
    const { run, result } = await h.run(JOB, { dryRun: true });
    expect(run.dryRun).toBe(true);
    expect(writes(h.sim, since)).toEqual([]);
    expect(h.slack.requests).toEqual([]);
    expect(await h.app.store.listState(JOB)).toEqual(state);
    const kinds = result!.actions.map((a) => a.kind);
    expect(kinds).toEqual(expect.arrayContaining(['notify', 'retry']));
    expect(result!.actions.every((a) => !a.done)).toBe(true);
    expect(result!.actions.find((a) => a.kind === 'retry')!.description).toContain('flaky-job');

    // The real run then does exactly what the dry run planned.
    await h.run(JOB);
    expect(reports(h.slack.messages)).toHaveLength(1);
    expect(retries(h.sim, since)).toHaveLength(1);
  });

  it('never posts again for a pipeline whose post a killed run may have made', async () => {
    await push('hotfix', 'Break hotfix [ci:fail=test]');
    await h.sim.advance(HOUR);
    const pipeline = newestPipeline(h.sim, 'org/app', 'hotfix');
    const key = `pipeline:gitlab:org/app:${pipeline.id}`;
    // What a run killed between "sending" and "sent" leaves behind.
    await h.app.store.setState(JOB, key, {
      at: new Date().toISOString(),
      verdict: 'broken-ref',
      slack: 'sending',
    });
    h.slack.clear();
    const { run } = await h.run(JOB);
    expect(run.summary).toContain('not posting it again');
    await h.run(JOB);
    expect(reports(h.slack.messages)).toEqual([]);
    expect(await h.app.store.getState(JOB, key)).toMatchObject({ slack: 'unconfirmed', done: true });
  });

  it('posts on the next run, once, when Slack refused the message', async () => {
    await push('hotfix', 'Break hotfix again [ci:fail=test]');
    await h.sim.advance(HOUR);
    h.slack.clear();
    h.slack.failNext(1, { status: 410 });
    const first = await h.run(JOB);
    expect(first.run.status).toBe('failed');
    expect(reports(h.slack.messages)).toEqual([]);
    await h.run(JOB);
    await h.run(JOB);
    expect(reports(h.slack.messages)).toHaveLength(1);
  });

  it('finishes the MR label and note after a failed write without posting twice', async () => {
    const forge = createGitlabForge({
      name: 'gitlab',
      url: h.sim.gitlab.url,
      token: h.botToken,
      dryRun: false,
      http: { backoffMs: 1 },
    });
    h.sim.setCi(
      'gitlab',
      'org/app',
      { branch: 'release-bot/update-x' },
      { result: 'failed', failJobs: ['test'] },
    );
    await forge.repo.commitFiles('org/app', {
      branch: 'release-bot/update-x',
      startFrom: 'main',
      message: 'Update x',
      actions: [{ action: 'create', path: 'X_VERSION', content: '2\n' }],
    });
    const mr = await forge.changeRequests.create('org/app', {
      sourceBranch: 'release-bot/update-x',
      targetBranch: 'main',
      title: 'Update x',
      description: 'bump',
    });
    await h.sim.advance(HOUR);
    h.slack.clear();
    // The label write (the first forge write after the Slack post) fails.
    h.sim.addFault({
      forge: 'gitlab',
      method: 'PUT',
      route: /merge_requests\/:iid$/,
      errorRate: 1,
      statuses: [500],
    });
    const first = await h.run(JOB);
    expect(first.run.status).toBe('failed');
    expect(reports(h.slack.messages)).toHaveLength(1);
    h.sim.clearFaults();
    await h.run(JOB);
    await h.run(JOB);
    expect(reports(h.slack.messages)).toHaveLength(1);
    const sim = h.sim.world.mergeRequests.find(
      (m) => m.iid === mr.iid && m.sourceBranch === 'release-bot/update-x',
    )!;
    expect(sim.labels).toEqual(['workflow::pipeline-failed']);
    const notes = h.sim.world.notes.filter(
      (n) => n.noteableType === 'MergeRequest' && n.noteableIid === mr.iid && !n.system,
    );
    expect(notes).toHaveLength(1);
  });

  it('watches the merge request pipelines of a live bot MR (refs/merge-requests/<iid>/head)', async () => {
    const app = h.sim.project('gitlab', 'org/app');
    const mr = h.sim.world.mergeRequests.find(
      (m) => m.projectId === app.id && m.sourceBranch === 'release-bot/update-x',
    )!;
    const sha = (await app.repo.branchSha('release-bot/update-x'))!;
    const pipeline = await h.sim.ci.createPipeline({
      project: app,
      ref: `refs/merge-requests/${mr.iid}/head`,
      sha,
      source: 'merge_request_event',
      userId: 1,
      outcome: { result: 'failed', failJobs: ['test'] },
    });
    await h.sim.advance(HOUR);
    h.slack.clear();
    await h.run(JOB);
    await h.run(JOB);
    const messages = reports(h.slack.messages);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.payload.text).toContain(`pipeline #${pipeline.id} failed`);
    expect(textOf(messages[0]!)).toContain('test (stage test, script_failure)');
  });

  it('does not retry again a pipeline retried by a run that died before recording it', async () => {
    await push('stable', 'Really broken [ci:fail=flaky-job]');
    await h.sim.advance(HOUR);
    const pipeline = newestPipeline(h.sim, 'org/app', 'stable');
    await h.sim.ci.retryPipeline(pipeline, 1);
    await h.sim.advance(HOUR);
    h.slack.clear();
    const since = h.sim.mark();
    await h.run(JOB);
    await h.run(JOB);
    expect(retries(h.sim, since)).toEqual([]);
    expect(reports(h.slack.messages)).toHaveLength(1);
    expect(textOf(reports(h.slack.messages)[0]!)).toContain('retried once');
  });
});

describe('report-pipeline-failures: one unreachable project does not stop the others', () => {
  let h: JobHarness;

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [job],
      retries: 0,
      seed: async (sim) => {
        await sim.createProject({ forge: 'gitlab', path: 'org/ok', members: ['release-bot'] });
        await sim.advance(HOUR);
      },
      jobsConfig: () => ({
        [JOB]: {
          projects: [
            { forge: 'gitlab', project: 'org/gone' },
            { forge: 'gitlab', project: 'org/ok' },
          ],
        },
      }),
    });
  });
  afterAll(() => h.close());

  it('reports the reachable project and names the failing one', async () => {
    await h.run(JOB);
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/ok',
      files: { a: '1' },
      message: 'Break [ci:fail=test]',
    });
    await h.sim.advance(HOUR);
    const { run, result } = await h.run(JOB);
    expect(run.status).toBe('failed');
    expect(result!.items!.find((i) => i.name.startsWith('org/gone'))!.status).toBe('failed');
    expect(result!.items!.find((i) => i.name === 'org/ok main')!.status).toBe('ok');
    expect(reports(h.slack.messages)).toHaveLength(1);
  });
});

/** `repo.listBranches` (added for this job): the bot's branches by prefix, in one request, on both forges. */

describe('repo.listBranches', () => {
  let sim: Simulator;
  const forges: Record<'gitlab' | 'github', Forge> = {} as never;

  beforeAll(async () => {
    sim = await startSimulator();
    const { token } = sim.createUser('bot', { bot: true });
    for (const forge of ['gitlab', 'github'] as const) {
      await sim.createProject({
        forge,
        path: 'org/app',
        members: ['bot'],
        files: { 'README.md': '# app\n' },
        branches: [
          'release-bot/update-gitaly',
          'release-bot/update-shell',
          'feature/release-bot/update-x',
          'Release-Bot/Update-y',
        ],
      });
    }
    const options = { name: 'sim', token, dryRun: false, http: { backoffMs: 1 } };
    forges.gitlab = createGitlabForge({ ...options, url: sim.gitlab.url });
    forges.github = createGithubForge({ ...options, url: sim.github.url, apiUrl: sim.github.apiUrl });
  });
  afterAll(() => sim.close());

  for (const kind of ['gitlab', 'github'] as const) {
    it(`${kind}: lists exactly the branches starting with the prefix, in one request`, async () => {
      const since = sim.mark();
      const branches = await forges[kind].repo.listBranches('org/app', { prefix: 'release-bot/update-' });
      expect(branches.map((b) => b.name).sort()).toEqual([
        'release-bot/update-gitaly',
        'release-bot/update-shell',
      ]);
      expect(branches[0]!.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(sim.requests({ since })).toHaveLength(1);
      expect(await forges[kind].repo.listBranches('org/app', { prefix: 'nothing-like-this/' })).toEqual([]);
    });
  }
});
