import { clearProcessEtagMemory } from '../src/forges/etag-cache.js';
import type { Simulator } from '../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../test/helpers/job-harness.js';
import { writeResult, type Figure } from './lib/report.js';

/**
 * Rate-limit points of a no-op poll, from the simulator's rate-limit accounting (GitHub charges
 * nothing for a 304; GitLab counts every request): update-component and report-pipeline-failures,
 * per component / watched ref, in the daemon (ETags in memory) and in one-shot runs (ETags read
 * back from the store by a fresh process).
 */

const N = 10;
const HOUR = 3_600_000;

async function seed(sim: Simulator, forge: 'gitlab' | 'github'): Promise<void> {
  const userId = sim.world.userByName('release-bot')!.id;
  for (let i = 0; i < N; i++) {
    const project = await sim.createProject({ forge, path: `${forge}/src${i}`, members: ['release-bot'] });
    const sha = (await project.repo.branchSha('main'))!;
    await sim.ci.createPipeline({ project, ref: 'main', sha, userId, outcome: { result: 'success' } });
    await sim.createProject({
      forge,
      path: `${forge}/dst${i}`,
      members: ['release-bot'],
      files: { VERSION: `${sha}\n` },
    });
    await sim.createProject({ forge, path: `${forge}/watch${i}`, members: ['release-bot'] });
  }
}

function config(forge: 'gitlab' | 'github') {
  return {
    'update-component': {
      components: Array.from({ length: N }, (_, i) => ({
        name: `${forge}${i}`,
        source: { forge, project: `${forge}/src${i}` },
        target: { forge, project: `${forge}/dst${i}`, versionFile: 'VERSION' },
      })),
    },
    'report-pipeline-failures': {
      projects: Array.from({ length: N }, (_, i) => ({
        forge,
        project: `${forge}/watch${i}`,
        refs: ['main'],
      })),
    },
  };
}

async function cost(h: JobHarness, job: string) {
  const since = h.sim.mark();
  const { run } = await h.run(job);
  const points = Object.values(h.sim.ratePoints({ since })).reduce((a, b) => a + b, 0);
  return { requests: h.sim.requests({ since }).length / N, points: points / N, status: run.status };
}

async function measure(forge: 'gitlab' | 'github'): Promise<Figure[]> {
  clearProcessEtagMemory();
  const h = await jobHarness({
    seed: async (sim) => {
      await seed(sim, forge);
      await sim.advance(HOUR);
    },
    jobsConfig: () => config(forge),
  });
  const label = forge === 'github' ? 'GitHub' : 'GitLab';
  const group = 'Conditional requests: rate-limit points of a no-op poll';
  const figures: Figure[] = [];
  try {
    for (const [job, per] of [
      ['update-component', 'component'],
      ['report-pipeline-failures', 'watched ref'],
    ] as const) {
      const first = await cost(h, job);
      await cost(h, job); // report-pipeline-failures: the first run only set the cursors
      const daemon = await cost(h, job);
      clearProcessEtagMemory();
      await h.restart();
      const oneShot = await cost(h, job);
      const target = forge === 'github' ? { max: 0 } : undefined;
      const why =
        forge === 'github'
          ? 'every read answered 304, which GitHub does not charge'
          : 'GitLab answers 304 too but counts every request (Rack::Attack before Rack::ConditionalGet)';
      figures.push(
        {
          group,
          name: `${job}, nothing changed, ${label}, daemon (per ${per})`,
          value: daemon.points,
          unit: 'points',
          target,
          note: `${daemon.requests} requests; the first poll cost ${first.points} points; ${why}`,
        },
        {
          group,
          name: `${job}, nothing changed, ${label}, one-shot run, ETags from the store (per ${per})`,
          value: oneShot.points,
          unit: 'points',
          target,
          note: `${oneShot.requests} requests; ${oneShot.status}`,
        },
      );
    }
  } finally {
    await h.close();
  }
  return figures;
}

writeResult('conditional-requests', [...(await measure('github')), ...(await measure('gitlab'))]);
