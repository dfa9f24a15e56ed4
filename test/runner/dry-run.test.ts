import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/runner/job.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';

/**
 * Dry-run is enforced in the forge layer, not only by jobs: a job that forgets to check
 * `ctx.dryRun` and calls write methods anyway gets DryRunWriteError, and no non-GET request
 * reaches either forge.
 */
const careless = defineJob({
  name: 'careless',
  description: 'writes without looking at ctx.dryRun',
  schedule: 'manual',
  options: z.object({}),
  async run(ctx) {
    const refused: string[] = [];
    const attempts: [string, () => Promise<unknown>][] = [
      ['gitlab createBranch', () => ctx.forge('gitlab').repo.createBranch('org/app', 'x', 'main')],
      [
        'gitlab commitFiles',
        () =>
          ctx.forge('gitlab').repo.commitFiles('org/app', {
            branch: 'x',
            message: 'm',
            actions: [{ action: 'create', path: 'f', content: 'c' }],
            startFrom: 'main',
          }),
      ],
      [
        'gitlab createIssue',
        () => ctx.forge('gitlab').issues.create('org/app', { title: 't', description: 'd' }),
      ],
      ['github createBranch', () => ctx.forge('github').repo.createBranch('org/app', 'x', 'main')],
      ['github note', () => ctx.forge('github').notes.create('org/app', { kind: 'issue', iid: 1 }, 'hi')],
    ];
    for (const [what, attempt] of attempts) {
      try {
        await attempt();
      } catch (error) {
        if ((error as Error).name === 'DryRunWriteError') refused.push(what);
        else throw error;
      }
    }
    await ctx.forge('gitlab').repo.getProject('org/app'); // reads still work
    return {
      status: 'ok',
      summary: `refused: ${refused.join(', ')}`,
      actions: [],
      links: [],
      details: { refused },
    };
  },
});

describe('dry-run', () => {
  let h: JobHarness;
  beforeAll(async () => {
    h = await jobHarness({
      jobs: [careless],
      seed: async (sim) => {
        await sim.createProject({ forge: 'gitlab', path: 'org/app', members: ['release-bot'] });
        await sim.createProject({ forge: 'github', path: 'org/app', members: ['release-bot'] });
      },
      jobsConfig: () => ({ careless: {} }),
    });
  });
  afterAll(() => h.close());

  it('refuses every write in the forge layer and sends no non-GET request', async () => {
    const since = h.sim.mark();
    const { run, result } = await h.run('careless', { dryRun: true });
    expect(run.status).toBe('ok');
    expect((result?.details as { refused: string[] }).refused).toHaveLength(5);
    const requests = h.sim.requests({ since });
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('lets the same job write when it is not a dry run', async () => {
    const since = h.sim.mark();
    await h.run('careless');
    expect(h.sim.requests({ since }).some((r) => r.method === 'POST')).toBe(true);
  });
});
