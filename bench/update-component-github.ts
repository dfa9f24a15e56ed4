import type { SimulatorOptions } from '../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../test/helpers/job-harness.js';
import { writeResult, type Figure } from './lib/report.js';

/**
 * update-component on GitHub, requests per decision, with the simulator's GitHub realism on
 * (check runs 30 s after a push, `mergeable: null` on the first read after a move, required
 * checks on the protected base) and, for comparison, off. The bump PR's checks never finish
 * (`stuck`) so it stays open across the decisions, as a slow pipeline would keep it.
 */

const HOUR = 3_600_000;
const CHECKS_DELAY = 30_000;

async function harness(simulator: Omit<SimulatorOptions, 'dir'>): Promise<JobHarness> {
  return jobHarness({
    simulator,
    seed: async (sim) => {
      const source = await sim.createProject({ forge: 'github', path: 'gh/src', members: ['release-bot'] });
      const sha = (await source.repo.branchSha('main'))!;
      await sim.ci.createPipeline({
        project: source,
        ref: 'main',
        sha,
        userId: 1,
        outcome: { result: 'success' },
      });
      await sim.createProject({
        forge: 'github',
        path: 'gh/dst',
        members: ['release-bot'],
        files: { VERSION: `${sha}\n` },
        protectedBranches: ['main'],
      });
      sim.setCi('github', 'gh/dst', { branch: 'release-bot/update-gh' }, { result: 'stuck' });
      await sim.advance(HOUR);
    },
    jobsConfig: () => ({
      'update-component': {
        components: [
          {
            name: 'gh',
            source: { forge: 'github', project: 'gh/src' },
            target: { forge: 'github', project: 'gh/dst', versionFile: 'VERSION' },
          },
        ],
      },
    }),
  });
}

async function requestsOf(h: JobHarness): Promise<{ count: number; status: string }> {
  const since = h.sim.mark();
  const { run } = await h.run('update-component', { args: { component: 'gh' } });
  return { count: h.sim.requests({ since }).length, status: run.status };
}

async function decisions(realism: boolean): Promise<Figure[]> {
  const h = await harness(realism ? {} : { realism: false });
  const label = realism ? 'GitHub, realism on' : 'GitHub, realism off';
  try {
    await h.run('update-component');
    const push = async (n: number) => {
      await h.sim.push({
        forge: 'github',
        project: 'gh/src',
        files: { a: String(n) },
        message: `change ${n}`,
      });
      await h.sim.advance(HOUR);
    };
    await push(1);
    const open = await requestsOf(h);
    await h.sim.advance(CHECKS_DELAY);
    const afterChecks = await requestsOf(h);
    await push(2);
    const move = await requestsOf(h);
    await h.sim.advance(CHECKS_DELAY);
    const current = await requestsOf(h);
    // the base moves under the PR: GitHub answers mergeable null on the next read
    await h.sim.push({ forge: 'github', project: 'gh/dst', files: { other: '1' }, message: 'base moves' });
    const baseMoved = await requestsOf(h);
    const again = await requestsOf(h);
    const figure = (name: string, r: { count: number; status: string }): Figure => ({
      group: 'Requests per decision',
      name: `update-component ${name}, ${label}`,
      value: r.count,
      unit: 'requests',
      note: r.status,
    });
    return [
      figure('new PR (auto-merge armed, held by the required checks)', open),
      figure('next run, PR checks created', afterChecks),
      figure('PR moved to a newer green', move),
      figure('with its PR already current', current),
      figure('PR current, base moved (first read: mergeable null)', baseMoved),
      figure('PR current, base moved, mergeability computed', again),
    ];
  } finally {
    await h.close();
  }
}

export async function main(): Promise<void> {
  writeResult('update-component-github', [...(await decisions(true)), ...(await decisions(false))]);
}

await main();
