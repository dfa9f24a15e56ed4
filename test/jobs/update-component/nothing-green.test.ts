import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/** update-component when no commit of the source passed CI within maxCommitsToCheck. */
describe('update-component with nothing green', () => {
  let h: JobHarness;

  beforeAll(async () => {
    h = await jobHarness({
      seed: async (sim) => {
        const source = await sim.createProject({
          forge: 'gitlab',
          path: 'org/red',
          members: ['release-bot'],
        });
        const root = (await source.repo.branchSha('main'))!;
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/app',
          members: ['release-bot'],
          files: { VERSION: `${root}\n` },
        });
        for (let i = 0; i < 3; i++)
          await sim.push({
            forge: 'gitlab',
            project: 'org/red',
            files: { f: String(i) },
            message: `red ${i} [ci:fail]`,
          });
        await sim.push({
          forge: 'gitlab',
          project: 'org/red',
          files: { f: 'x' },
          message: 'still running [ci:stuck]',
        });
        await sim.push({
          forge: 'gitlab',
          project: 'org/red',
          files: { f: 'y' },
          message: 'canceled [ci:cancel]',
        });
        await sim.advance(3_600_000);
      },
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'red',
              source: { forge: 'gitlab', project: 'org/red', maxCommitsToCheck: 10 },
              target: { forge: 'gitlab', project: 'org/app', versionFile: 'VERSION' },
            },
          ],
        },
      }),
    });
  });
  afterAll(() => h.close());

  it('is a no-op that says why, and writes nothing', async () => {
    const since = h.sim.mark();
    const { run, result } = await h.run('update-component');
    expect(run.status).toBe('noop');
    expect(result?.items?.[0]?.summary).toBe('no successful pipeline on main within the newest 10');
    expect(h.sim.requests({ since }).filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
