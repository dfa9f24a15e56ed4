import { afterEach, describe, expect, it } from 'vitest';
import { clearProcessRateBudgets } from '../../src/forges/budget.js';
import { clearProcessEtagMemory } from '../../src/forges/etag-cache.js';
import { githubState } from '../../packages/forge-sandbox/src/github/index.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';

/**
 * A real run that meets a short rate-limit budget: update-component's stale-MR warning leaves out
 * its pipeline line (a low-priority read) instead of spending what the run still needs, and the
 * run's summary says so. The budget is the simulator's own accounting (the bot's core points in
 * this hour), read by the bot from the answers' x-ratelimit-* headers.
 */

const HOUR = 3_600_000;

let h: JobHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  clearProcessEtagMemory();
  clearProcessRateBudgets();
});

describe('a run on a short budget', () => {
  it('defers the stale warning’s pipeline read and says so in the run’s result', async () => {
    h = await jobHarness({
      seed: async (sim) => {
        const userId = sim.world.userByName('release-bot')!.id;
        const source = await sim.createProject({
          forge: 'github',
          path: 'org/src',
          members: ['release-bot'],
        });
        const old = (await source.repo.branchSha('main'))!;
        await sim.createProject({
          forge: 'github',
          path: 'org/dst',
          members: ['release-bot'],
          files: { VERSION: `${old}\n` },
        });
        const sha = await sim.push({
          forge: 'github',
          project: 'org/src',
          files: { a: '1' },
          message: 'change',
        });
        await sim.ci.createPipeline({
          project: source,
          ref: 'main',
          sha,
          userId,
          outcome: { result: 'success' },
        });
        sim.setCi('github', 'org/dst', { branch: 'release-bot/update-app' }, { result: 'stuck' });
        await sim.advance(HOUR);
      },
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'app',
              source: { forge: 'github', project: 'org/src' },
              target: { forge: 'github', project: 'org/dst', versionFile: 'VERSION' },
            },
          ],
        },
      }),
    });
    const first = await h.run('update-component');
    expect(first.run.status).toBe('ok');
    const firstCost = h.sim.requests().filter((r) => r.forge === 'github').length;
    expect(firstCost).toBeGreaterThan(5);

    await h.sim.advance(25 * HOUR);
    // The bot's hour is nearly spent: a few points left, fewer than the run is expected to need.
    const user = h.sim.world.userByName('release-bot')!;
    const counter = githubState(h.sim.world).rate.get(`user:${user.id}:core`)!;
    // (in the current simulated hour: the simulator's window rolls with its clock)
    Object.assign(counter, { window: Math.floor(h.sim.clock.nowMs() / HOUR), used: 5000 - 12 });

    const second = await h.run('update-component');
    expect(second.run.summary).toMatch(
      /deferred 1 low-priority read\(s\) on github \(\d+ of 5000 requests left/,
    );
    expect(second.result?.details).toMatchObject({
      deferredReads: [{ forge: 'github', reads: ['the pipeline of org/dst!1'] }],
    });
    const warning = h.slack.messages.find((m) => JSON.stringify(m.payload).includes('has been open for'));
    expect(JSON.stringify(warning?.payload)).toContain('not read this time');
  });
});
