import { jobHarness } from '../test/helpers/job-harness.js';
import { writeResult, type Figure } from './lib/report.js';
import { wallTimeFigures } from './lib/wall-time.js';

/**
 * Requests per decision of the watching jobs, from the simulator's request log:
 * report-pipeline-failures when nothing changed (per watched ref, per bot MR), and
 * move-stable-branches per repo.
 */

const REFS = 10;

async function reportPipelineFailures(): Promise<Figure[]> {
  const h = await jobHarness({
    seed: async (sim) => {
      for (let i = 0; i < REFS; i++) {
        await sim.createProject({ forge: 'gitlab', path: `watch/p${i}`, members: ['release-bot'] });
        await sim.createProject({ forge: 'github', path: `watch/g${i}`, members: ['release-bot'] });
      }
    },
    jobsConfig: () => ({
      'report-pipeline-failures': {
        projects: [
          ...Array.from({ length: REFS }, (_, i) => ({
            forge: 'gitlab',
            project: `watch/p${i}`,
            refs: ['main'],
          })),
          ...Array.from({ length: REFS }, (_, i) => ({
            forge: 'github',
            project: `watch/g${i}`,
            refs: ['main'],
          })),
        ],
      },
    }),
  });
  try {
    await h.run('report-pipeline-failures'); // the first run only sets the cursors
    const count = async (forge: 'gitlab' | 'github') => {
      const since = h.sim.mark();
      await h.run('report-pipeline-failures');
      return h.sim.requests({ since, forge }).length / REFS;
    };
    const gitlab = await count('gitlab');
    const github = await count('github');
    const group = 'Requests per decision';
    return [
      {
        group,
        name: 'report-pipeline-failures, nothing changed, GitLab (per watched ref)',
        value: gitlab,
        unit: 'requests',
        target: { max: 2 },
      },
      {
        group,
        name: 'report-pipeline-failures, nothing changed, GitHub (per watched ref)',
        value: github,
        unit: 'requests',
        target: { max: 2 },
      },
    ];
  } finally {
    await h.close();
  }
}

const LATENCY_MS = 50;
const FORGE_CONCURRENCY = 8;

/** move-stable-branches with `count` GitHub repos whose main is one commit ahead of stable. */
async function stableWorld(count: number) {
  const names = Array.from({ length: count }, (_, i) => `r${i}`);
  const h = await jobHarness({
    seed: async (sim) => {
      for (const name of names) {
        await sim.createProject({
          forge: 'github',
          path: `stable/${name}`,
          members: ['release-bot'],
          branches: ['stable'],
        });
        await sim.push({
          forge: 'github',
          project: `stable/${name}`,
          files: { f: name },
          message: `change ${name}`,
        });
      }
    },
    jobsConfig: () => ({
      'move-stable-branches': {
        forge: 'github',
        repos: names.map((name) => ({ project: `stable/${name}` })),
        approval: { required: false },
      },
    }),
  });
  return h;
}

async function moveStableBranches(): Promise<Figure[]> {
  const group = 'Requests per decision';
  const figures: Figure[] = [];
  const h = await stableWorld(10);
  try {
    let since = h.sim.mark();
    const moved = await h.run('move-stable-branches', { trigger: 'manual', args: { yes: true } });
    const moveCount = h.sim.requests({ since }).length / 10;
    since = h.sim.mark();
    await h.run('move-stable-branches', { trigger: 'schedule' });
    const evenCount = h.sim.requests({ since }).length / 10;
    figures.push(
      {
        group,
        name: 'move-stable-branches, moving (per repo, GitHub)',
        value: moveCount,
        unit: 'requests',
        note: moved.run.status,
      },
      {
        group,
        name: 'move-stable-branches, all even (per repo, GitHub)',
        value: evenCount,
        unit: 'requests',
      },
    );
  } finally {
    await h.close();
  }

  const n = 100;
  // The same run without injected latency: what the simulator itself costs (git work, one thread).
  const base = await stableWorld(n);
  let baseline = 0;
  try {
    const t = performance.now();
    await base.run('move-stable-branches', { trigger: 'manual', args: { yes: true } });
    baseline = performance.now() - t;
  } finally {
    await base.close();
  }
  const many = await stableWorld(n);
  try {
    many.sim.addFault({ forge: 'github', latencyMs: LATENCY_MS });
    const since = many.sim.mark();
    const started = performance.now();
    const { run } = await many.run('move-stable-branches', { trigger: 'manual', args: { yes: true } });
    const wallMs = performance.now() - started;
    figures.push(
      ...wallTimeFigures({
        label: 'move-stable-branches',
        group: `Wall time, ${n} repos, ${LATENCY_MS} ms per request, ${FORGE_CONCURRENCY} requests in flight per forge`,
        wallMs,
        durations: many.sim.requests({ since }).map((r) => r.durationMs),
        // Dependent requests per repo: plan (stable + source heads together, compare), then move and verify.
        chain: 4,
        concurrency: FORGE_CONCURRENCY,
        latencyMs: LATENCY_MS,
        baselineMs: baseline,
        status: run.status,
      }),
    );
  } finally {
    await many.close();
  }
  return figures;
}

writeResult('jobs-requests', [...(await reportPipelineFailures()), ...(await moveStableBranches())]);
