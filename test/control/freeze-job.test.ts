import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';

/**
 * A freeze with a real job against the simulator, on both forges: during the window the job
 * plans and writes nothing (no forge write, no Slack message), the run is recorded
 * `skipped (frozen: …)` with its plan; a dry run works as usual; after the window it writes.
 */

const HOUR = 3_600_000;

describe.each(['gitlab', 'github'] as const)('a freeze on %s', (forge) => {
  let h: JobHarness;
  let today = '';

  beforeAll(async () => {
    h = await jobHarness({
      seed: async (sim) => {
        sim.createUser('alice');
        const gitaly = await sim.createProject({
          forge,
          path: 'org/gitaly',
          members: ['release-bot:20', 'alice:40'],
        });
        const root = (await gitaly.repo.branchSha(gitaly.defaultBranch))!;
        await sim.ci.createPipeline({
          project: gitaly,
          ref: gitaly.defaultBranch,
          sha: root,
          userId: 1,
          outcome: { result: 'success' },
        });
        await sim.advance(HOUR);
        await sim.createProject({
          forge,
          path: 'org/app',
          members: ['release-bot:30'],
          files: { VERSION: `${root}\n` },
        });
        await sim.push({
          forge,
          project: 'org/gitaly',
          files: { 'a.go': 'a' },
          message: 'Add a',
          username: 'alice',
        });
        await sim.advance(HOUR);
        today = sim.clock.now().toISOString().slice(0, 10);
      },
      extra: () => ({
        freezes: [
          {
            name: 'release-day',
            reason: 'Release day: no merges',
            from: today,
            to: today,
            jobs: ['update-component'],
          },
        ],
      }),
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'gitaly',
              source: { forge, project: 'org/gitaly' },
              target: { forge, project: 'org/app', versionFile: 'VERSION' },
            },
          ],
        },
      }),
    });
  });
  afterAll(() => h?.close());

  const writes = (since: number) =>
    h.sim
      .requests({ since, forge })
      .filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && r.route !== 'POST /graphql');
  const openMrs = () => h.sim.world.mergeRequests.filter((m) => m.state === 'opened');

  it('during the window: the plan, no write, recorded skipped (frozen: reason)', async () => {
    const since = h.sim.mark();
    h.slack.clear();
    const { run, result } = await h.run('update-component');
    expect(run.status).toBe('skipped');
    expect(run.dryRun).toBe(false);
    expect(run.summary).toMatch(
      /^skipped \(frozen: Release day: no merges; freeze release-day until .+\); would have: gitaly: .* — would update$/,
    );
    expect(result!.actions.map((a) => [a.kind, a.done])).toEqual(
      expect.arrayContaining([
        ['commit-version', false],
        ['open-mr', false],
      ]),
    );
    expect(writes(since)).toEqual([]);
    expect(openMrs()).toEqual([]);
    expect(h.slack.messages).toEqual([]);
  });

  it('a dry run works as usual during the window', async () => {
    const { run } = await h.run('update-component', { dryRun: true });
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('would update');
  });

  it('after the window the job writes again', async () => {
    await h.sim.advance(24 * HOUR);
    const { run } = await h.run('update-component');
    expect(run.status).toBe('ok');
    expect(openMrs()).toHaveLength(1);
  });
});
