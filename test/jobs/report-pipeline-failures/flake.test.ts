import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../../jobs/report-pipeline-failures/index.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { HOUR, JOB, textOf } from './helpers.js';

/** Flakes on GitLab: a job known to flake, or one that passed before on the same commit, is retried once. */

function retries(sim: Simulator, since: number) {
  return sim.requests({ since, method: 'POST' }).filter((r) => /\/retry$/.test(r.path));
}

describe('report-pipeline-failures with flaky jobs (GitLab)', () => {
  let h: JobHarness;

  async function push(file: string, message: string): Promise<string> {
    return h.sim.push({
      forge: 'gitlab',
      project: 'org/svc',
      files: { [file]: message },
      message,
      username: 'alice',
    });
  }

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [job],
      seed: async (sim) => {
        sim.createUser('alice');
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/svc',
          members: ['release-bot', 'alice'],
          ciJobs: [
            { name: 'build', stage: 'build', durationMs: 60_000 },
            { name: 'test', stage: 'test', durationMs: 60_000 },
            { name: 'rspec-flaky 1/2', stage: 'test', durationMs: 60_000 },
          ],
        });
        await sim.advance(HOUR);
      },
      jobsConfig: () => ({
        [JOB]: { projects: [{ forge: 'gitlab', project: 'org/svc', knownFlaky: ['rspec-flaky*'] }] },
      }),
    });
    await h.run(JOB);
  });
  afterAll(() => h.close());

  it('retries a known-flaky job once and says nothing when the retry passes', async () => {
    await push('a', 'Change a [ci:flaky=rspec-flaky 1/2]');
    await h.sim.advance(HOUR);
    const since = h.sim.mark();
    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('retrying once');
    expect(retries(h.sim, since)).toHaveLength(1);
    await h.run(JOB);
    await h.sim.advance(HOUR);
    await h.run(JOB);
    await h.run(JOB);
    expect(retries(h.sim, since)).toHaveLength(1);
    expect(h.slack.messages).toEqual([]);
  });

  it('reports it once, with "retried once", when the retry fails too', async () => {
    await push('b', 'Change b [ci:fail=rspec-flaky 1/2]');
    await h.sim.advance(HOUR);
    const since = h.sim.mark();
    await h.run(JOB);
    expect(h.slack.messages).toEqual([]);
    await h.sim.advance(HOUR);
    await h.run(JOB);
    await h.run(JOB);
    await h.restart();
    await h.run(JOB);
    expect(retries(h.sim, since)).toHaveLength(1);
    expect(h.slack.messages).toHaveLength(1);
    const text = textOf(h.slack.messages[0]!);
    expect(h.slack.messages[0]!.payload.text).toContain('flaky job');
    expect(text).toContain('retried once, failed again');
    expect(text).toContain('rspec-flaky 1/2 (stage test, script_failure, retried once, known flaky)');
    expect(validateBlockKit(h.slack.messages[0]!.payload)).toEqual([]);
  });

  it('treats a job that passed before on the same commit as a flake', async () => {
    await push('c', 'Fix b');
    await h.sim.advance(HOUR);
    await h.run(JOB);
    h.slack.clear();
    const project = h.sim.project('gitlab', 'org/svc');
    const sha = (await project.repo.branchSha('main'))!;
    // The same commit runs again (a scheduled pipeline) and its `test` job fails this time, for good.
    await h.sim.ci.createPipeline({
      project,
      ref: 'main',
      sha,
      source: 'schedule',
      userId: 1,
      outcome: { result: 'failed', failJobs: ['test'] },
    });
    await h.sim.advance(HOUR);
    const since = h.sim.mark();
    const { run } = await h.run(JOB);
    expect(run.summary).toContain('retrying once');
    expect(retries(h.sim, since)).toHaveLength(1);
    expect(h.slack.messages).toEqual([]);
    await h.sim.advance(HOUR);
    await h.run(JOB);
    expect(h.slack.messages).toHaveLength(1);
    expect(textOf(h.slack.messages[0]!)).toContain('passed before on this commit');
    expect(textOf(h.slack.messages[0]!)).toContain('retried once');
  });
});
