import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import promotePackages from '../../../jobs/promote-packages/index.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { writes } from './fixtures.js';

/**
 * promote-packages in pipeline mode (release-tools' way): the tag pipeline of a version has one
 * manual release job per package; the bot plays each once.
 */

const PROJECT = 'omnibus/omnibus-gitlab';
const HOUR = 3_600_000;

function releaseJobs(sim: Simulator, tag: string) {
  const project = sim.project('gitlab', PROJECT);
  const pipeline = sim.world.pipelines.find((p) => p.projectId === project.id && p.ref === tag)!;
  return sim.world.jobs.filter((j) => j.pipelineId === pipeline.id && j.stage === 'release');
}

function plays(sim: Simulator, since: number) {
  return writes(sim, since).filter((r) => r.path.endsWith('/play'));
}

describe('promote-packages, pipeline mode', () => {
  let h: JobHarness;

  async function tag(name: string) {
    const project = h.sim.project('gitlab', PROJECT);
    await h.sim.world.createTag(project, name, 'master', h.sim.world.userByName('alice')!.id);
    await h.sim.advance(HOUR);
  }

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [promotePackages],
      seed: async (sim) => {
        sim.createUser('alice');
        await sim.createProject({
          forge: 'gitlab',
          path: PROJECT,
          defaultBranch: 'master',
          members: ['release-bot:30', 'alice'],
          ciJobs: [
            { name: 'Ubuntu-22.04', stage: 'package' },
            { name: 'Docker', stage: 'package' },
            { name: 'Ubuntu-22.04-release', stage: 'release', when: 'manual' },
            { name: 'Docker-release', stage: 'release', when: 'manual' },
            { name: 'Docker-qa', stage: 'qa', when: 'manual' },
          ],
        });
      },
      jobsConfig: () => ({
        'promote-packages': {
          mode: 'pipeline',
          pipeline: {
            forge: 'gitlab',
            project: PROJECT,
            tag: '{version}+ee.0',
            stages: ['release'],
            // The clock here moves only by hand: report the plays without waiting (wait.test.ts waits).
            wait: { timeout: '0s' },
          },
          packages: [
            { name: 'gitlab-ee', job: 'Ubuntu-*-release' },
            { name: 'docker', job: 'Docker-release' },
          ],
          retry: { attempts: 2, delay: '1ms' },
        },
      }),
    });
    await tag('16.1.0+ee.0');
  });
  afterAll(() => h.close());

  it('dry-run lists the jobs it would play and plays nothing', async () => {
    const since = h.sim.mark();
    const { run, result } = await h.run('promote-packages', { dryRun: true, args: { version: '16.1.0' } });
    expect(run.status).toBe('ok');
    expect(writes(h.sim, since)).toEqual([]);
    expect(result!.actions.map((a) => [a.kind, a.subject, a.done])).toEqual([
      ['play-job', 'gitlab-ee', false],
      ['play-job', 'docker', false],
    ]);
    expect(releaseJobs(h.sim, '16.1.0+ee.0').map((j) => j.status)).toEqual(['manual', 'manual']);
  });

  it('plays each package’s manual release job once', async () => {
    const since = h.sim.mark();
    const { run, result } = await h.run('promote-packages', { args: { version: '16.1.0' } });
    expect(run.status).toBe('ok');
    expect(result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['gitlab-ee', 'ok'],
      ['docker', 'ok'],
    ]);
    expect(result!.items![0]!.summary).toMatch(/^played Ubuntu-22\.04-release \(#\d+\)$/);
    expect(plays(h.sim, since)).toHaveLength(2);
    expect(releaseJobs(h.sim, '16.1.0+ee.0').every((j) => j.status !== 'manual')).toBe(true);
    // the QA job in another stage is not a release job
    const project = h.sim.project('gitlab', PROJECT);
    expect(h.sim.world.jobs.find((j) => j.projectId === project.id && j.name === 'Docker-qa')!.status).toBe(
      'manual',
    );
  });

  it('a second run finds no manual job left and succeeds without playing anything', async () => {
    await h.sim.advance(HOUR);
    const since = h.sim.mark();
    const { run, result } = await h.run('promote-packages', { args: { version: '16.1.0' } });
    expect(run.status).toBe('noop');
    expect(result!.items!.map((i) => i.status)).toEqual(['skipped', 'skipped']);
    expect(result!.items![1]!.summary).toBe('already played, skipped (Docker-release: succeeded)');
    expect(writes(h.sim, since)).toEqual([]);
  });

  it('retries a release job that failed, and fails a package without a release job', async () => {
    h.sim.setCi(
      'gitlab',
      PROJECT,
      { branch: '16.2.0+ee.0' },
      { result: 'failed', failJobs: ['Docker-release'] },
    );
    await tag('16.2.0+ee.0');
    await h.run('promote-packages', { args: { version: '16.2.0' } });
    await h.sim.advance(HOUR);
    expect(releaseJobs(h.sim, '16.2.0+ee.0').find((j) => j.name === 'Docker-release')!.status).toBe('failed');
    const { run, result } = await h.run('promote-packages', { args: { version: '16.2.0' } });
    expect(run.status).toBe('ok');
    expect(result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['gitlab-ee', 'skipped'],
      ['docker', 'ok'],
    ]);
    expect(result!.items![1]!.summary).toMatch(/^retried Docker-release/);
  });

  it('fails the run when the version has no tag pipeline', async () => {
    const { run } = await h.run('promote-packages', { args: { version: '9.9.9' } });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/no pipeline for the tag 9\.9\.9\+ee\.0 in omnibus\/omnibus-gitlab/);
  });
});
