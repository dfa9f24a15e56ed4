import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import promotePackages from '../../../jobs/promote-packages/index.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { writes } from './fixtures.js';

/**
 * Pipeline mode as GitLab's release tooling does it: a version has two release tags (CE and EE),
 * each with its own pipeline of manual release jobs. The bot plays each package's job, then waits
 * for it to finish and reports its result. The simulator's clock follows the wall clock here (600×:
 * a 5-minute job takes half a second), so the jobs run on their own while the bot waits, as on
 * GitLab — nothing in the test moves them.
 */

const PROJECT = 'omnibus/omnibus-gitlab';
const HOUR = 3_600_000;
const TAGS = ['{version}+ce.0', '{version}+ee.0'];

interface Finished {
  name: string;
  jobs: { id: number; name: string; status: string; finished: { status: string } | null }[];
}

function results(result: { details?: Record<string, unknown> } | null): Finished[] {
  return (result?.details?.results ?? []) as Finished[];
}

describe('promote-packages, pipeline mode with CE and EE tags, waiting for the played jobs', () => {
  let h: JobHarness;

  async function tagVersion(version: string) {
    const project = h.sim.project('gitlab', PROJECT);
    const alice = h.sim.world.userByName('alice')!.id;
    for (const t of TAGS)
      await h.sim.world.createTag(project, t.replace('{version}', version), 'master', alice);
    // Past the forge's pipeline-creation delay; the build jobs finish on their own.
    await h.sim.advance(HOUR);
  }

  function releaseJob(tag: string, name: string) {
    const project = h.sim.project('gitlab', PROJECT);
    const pipelines = h.sim.world.pipelines.filter((p) => p.projectId === project.id && p.ref === tag);
    const ids = new Set(pipelines.map((p) => p.id));
    return h.sim.world.jobs.filter((j) => ids.has(j.pipelineId) && j.name === name && !j.retried);
  }

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [promotePackages],
      simulator: { clock: 'wall', speed: 600 },
      seed: async (sim) => {
        sim.createUser('alice');
        await sim.createProject({
          forge: 'gitlab',
          path: PROJECT,
          defaultBranch: 'master',
          members: ['release-bot:30', 'alice'],
          ciJobs: [
            { name: 'Ubuntu-22.04', stage: 'package' },
            { name: 'Ubuntu-22.04-release', stage: 'release', when: 'manual' },
            { name: 'Docker-release', stage: 'release', when: 'manual' },
          ],
        });
      },
      jobsConfig: () => ({
        'promote-packages': {
          mode: 'pipeline',
          pipeline: {
            forge: 'gitlab',
            project: PROJECT,
            tags: TAGS,
            stages: ['release'],
            // 30 simulated minutes are 3 s here; the bot looks every 50 ms (real time).
            wait: { timeout: '30m', interval: '50ms' },
          },
          packages: [
            { name: 'ubuntu-22.04', job: 'Ubuntu-22.04-release' },
            { name: 'docker', job: 'Docker-release', tags: ['{version}+ee.0'] },
          ],
          retry: { attempts: 2, delay: '1ms' },
        },
      }),
    });
  });
  afterAll(() => h.close());

  it('dry-run lists one play per package and tag, and neither plays nor waits', async () => {
    await tagVersion('16.1.0');
    const since = h.sim.mark();
    const { run, result } = await h.run('promote-packages', { dryRun: true, args: { version: '16.1.0' } });
    expect(run.status).toBe('ok');
    expect(writes(h.sim, since)).toEqual([]);
    expect(result!.actions.map((a) => [a.kind, a.subject, a.done])).toEqual([
      ['play-job', 'ubuntu-22.04 (16.1.0+ce.0)', false],
      ['play-job', 'ubuntu-22.04 (16.1.0+ee.0)', false],
      ['play-job', 'docker (16.1.0+ee.0)', false],
    ]);
    expect(result!.details!.tags).toEqual([
      { tag: '16.1.0+ce.0', pipeline: expect.any(Number) },
      { tag: '16.1.0+ee.0', pipeline: expect.any(Number) },
    ]);
  });

  it('plays each job once and reports each job’s result once it has finished', async () => {
    const since = h.sim.mark();
    const { run, result } = await h.run('promote-packages', { args: { version: '16.1.0' } });
    expect(run.status).toBe('ok');
    expect(result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['ubuntu-22.04 (16.1.0+ce.0)', 'ok'],
      ['ubuntu-22.04 (16.1.0+ee.0)', 'ok'],
      ['docker (16.1.0+ee.0)', 'ok'],
    ]);
    for (const item of result!.items!) expect(item.summary).toMatch(/^played \S+-release \(#\d+\): success$/);
    // The run returned only once the jobs had finished: the forge says so too.
    for (const tag of ['16.1.0+ce.0', '16.1.0+ee.0'])
      expect(releaseJob(tag, 'Ubuntu-22.04-release').map((j) => j.status)).toEqual(['success']);
    expect(releaseJob('16.1.0+ee.0', 'Docker-release').map((j) => j.status)).toEqual(['success']);
    // CE has no docker package: its Docker-release job is not the bot's to play.
    expect(releaseJob('16.1.0+ce.0', 'Docker-release').map((j) => j.status)).toEqual(['manual']);
    const plays = writes(h.sim, since).filter((r) => r.path.endsWith('/play'));
    expect(plays).toHaveLength(3);
    // One jobs listing per pipeline per look, not one request per job.
    const looks = h.sim
      .requests({ since })
      .filter((r) => r.method === 'GET' && /\/pipelines\/\d+\/jobs/.test(r.path));
    expect(looks.length).toBeGreaterThanOrEqual(2);
    expect(results(result).flatMap((r) => r.jobs.map((j) => j.finished?.status))).toEqual([
      'success',
      'success',
      'success',
    ]);
  });

  it('a played job that then fails is a failed package; the others are published', async () => {
    h.sim.setCi(
      'gitlab',
      PROJECT,
      { branch: '16.2.0+ee.0' },
      { result: 'failed', failJobs: ['Docker-release'] },
    );
    await tagVersion('16.2.0');
    h.slack.clear();
    const { run, result } = await h.run('promote-packages', { args: { version: '16.2.0' } });
    expect(run.status).toBe('failed');
    expect(result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['ubuntu-22.04 (16.2.0+ce.0)', 'ok'],
      ['ubuntu-22.04 (16.2.0+ee.0)', 'ok'],
      ['docker (16.2.0+ee.0)', 'failed'],
    ]);
    expect(result!.items![2]!.summary).toMatch(
      /^failed: Docker-release \(#\d+\) failed \(script_failure\) after it was played$/,
    );
    expect(result!.items![2]!.links![0]!.url).toMatch(/\/-\/jobs\/\d+$/);
    const message = h.slack.messages.find((m) => m.payload.text?.includes('Package promotion'))!;
    expect(message.payload.text).toContain('16.2.0: 2 promoted, 1 failed');
  });

  it('a job still running at the time limit fails its package; the next run does not play it again', async () => {
    // Release jobs of 16.3.0 take 3 hours; the bot waits 30 minutes.
    for (const t of TAGS)
      h.sim.setCi(
        'gitlab',
        PROJECT,
        { branch: t.replace('{version}', '16.3.0') },
        {
          result: 'success',
          durationMs: 3 * HOUR,
        },
      );
    await tagVersion('16.3.0');
    const since = h.sim.mark();
    const started = h.sim.clock.now().getTime();
    const { run, result } = await h.run('promote-packages', {
      args: { version: '16.3.0', package: ['docker'] },
    });
    expect(run.status).toBe('failed');
    expect(result!.items!.map((i) => [i.name, i.status])).toEqual([['docker (16.3.0+ee.0)', 'failed']]);
    expect(result!.items![0]!.summary).toMatch(
      /^failed: Docker-release \(#\d+\) still running after 30m; the next run waits for it again$/,
    );
    // It gave up at the limit, not before (simulated time; the job itself keeps running).
    expect(h.sim.clock.now().getTime() - started).toBeGreaterThanOrEqual(30 * 60_000);
    expect(releaseJob('16.3.0+ee.0', 'Docker-release').map((j) => j.status)).toEqual(['running']);
    expect(writes(h.sim, since).filter((r) => r.path.endsWith('/play'))).toHaveLength(1);

    // Later the job has finished: the next run reports it done, without playing anything.
    await h.sim.advance(3 * HOUR);
    const again = h.sim.mark();
    const next = await h.run('promote-packages', { args: { version: '16.3.0', package: ['docker'] } });
    expect(next.run.status).toBe('noop');
    expect(next.result!.items![0]!.summary).toBe('already played, skipped (Docker-release: succeeded)');
    expect(writes(h.sim, again)).toEqual([]);
  });
});
