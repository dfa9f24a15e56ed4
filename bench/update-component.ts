import { Gitlab } from '@gitbeaker/rest';
import type { Simulator } from '../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../test/helpers/job-harness.js';
import { writeResult, type Figure } from './lib/report.js';
import { wallTimeFigures } from './lib/wall-time.js';

/**
 * update-component, measured on the simulator's request log:
 * - requests per decision (no-op, update) on GitLab and GitHub;
 * - against the release-tools scan (one commit lookup per commit) when the latest green commit
 *   is 1, 10, 30 and 100 commits deep;
 * - wall time for 100 components with 50 ms per request, against the critical-path bound.
 */

const HOUR = 3_600_000;
/** The simulator's default GitLab delay between a push and its pipeline (realism on). */
const PIPELINE_DELAY = 30_000;
const LATENCY_MS = 50;
const FORGE_CONCURRENCY = 8;

function component(name: string, forge: 'gitlab' | 'github', source: string, target: string) {
  return {
    name,
    source: { forge, project: source },
    target: { forge, project: target, versionFile: 'VERSION' },
  };
}

async function seedPair(
  sim: Simulator,
  forge: 'gitlab' | 'github',
  source: string,
  target: string,
): Promise<string> {
  const project = await sim.createProject({ forge, path: source, members: ['release-bot'] });
  const sha = (await project.repo.branchSha('main'))!;
  await sim.ci.createPipeline({ project, ref: 'main', sha, userId: 1, outcome: { result: 'success' } });
  await sim.createProject({ forge, path: target, members: ['release-bot'], files: { VERSION: `${sha}\n` } });
  return sha;
}

async function requestsOf(
  h: JobHarness,
  args: Record<string, unknown> = {},
): Promise<{ count: number; status: string }> {
  const since = h.sim.mark();
  const { run } = await h.run('update-component', { args });
  return { count: h.sim.requests({ since }).length, status: run.status };
}

/**
 * GitLab decisions with the simulator's realism off: pipelines inside the push, fresh mergeability
 * in lists — the world the figures above were measured in before realism, for comparison.
 */
async function perDecisionWithoutRealism(): Promise<Figure[]> {
  const h = await jobHarness({
    simulator: { realism: false },
    seed: async (sim) => {
      await seedPair(sim, 'gitlab', 'org/src', 'org/dst');
      sim.setCi('gitlab', 'org/dst', { branch: 'release-bot/update-gl' }, { result: 'stuck' });
      await sim.advance(HOUR);
    },
    jobsConfig: () => ({
      'update-component': { components: [component('gl', 'gitlab', 'org/src', 'org/dst')] },
    }),
  });
  try {
    await h.run('update-component');
    await h.sim.push({ forge: 'gitlab', project: 'org/src', files: { a: '1' }, message: 'change' });
    await h.sim.advance(HOUR);
    const update = await requestsOf(h, { component: 'gl' });
    await h.sim.push({ forge: 'gitlab', project: 'org/src', files: { a: '2' }, message: 'change again' });
    await h.sim.advance(HOUR);
    const move = await requestsOf(h, { component: 'gl' });
    const current = await requestsOf(h, { component: 'gl' });
    const group = 'Requests per decision';
    const figure = (name: string, r: { count: number; status: string }): Figure => ({
      group,
      name: `${name}, GitLab, realism off (pipeline within the push, fresh list mergeability)`,
      value: r.count,
      unit: 'requests',
      note: r.status,
    });
    return [
      figure('update-component new MR (auto-merge in the same run)', update),
      figure('update-component MR moved to a newer green (auto-merge in the same run)', move),
      figure('update-component with its MR already current', current),
    ];
  } finally {
    await h.close();
  }
}

async function perDecision(): Promise<Figure[]> {
  const h = await jobHarness({
    seed: async (sim) => {
      await seedPair(sim, 'gitlab', 'org/src', 'org/dst');
      await seedPair(sim, 'github', 'gh/src', 'gh/dst');
      sim.setCi('gitlab', 'org/dst', { branch: 'release-bot/update-gl' }, { result: 'stuck' });
      await sim.advance(HOUR);
    },
    jobsConfig: () => ({
      'update-component': {
        components: [
          component('gl', 'gitlab', 'org/src', 'org/dst'),
          component('gh', 'github', 'gh/src', 'gh/dst'),
        ],
      },
    }),
  });
  try {
    await h.run('update-component'); // warms the default-branch cache, as an hourly daemon would be
    const glNoop = await requestsOf(h, { component: 'gl' });
    const ghNoop = await requestsOf(h, { component: 'gh' });
    await h.sim.push({ forge: 'gitlab', project: 'org/src', files: { a: '1' }, message: 'change' });
    await h.sim.advance(HOUR);
    const glUpdate = await requestsOf(h, { component: 'gl' });
    // realism: the MR pipeline is created after the push; auto-merge is set by the next run
    await h.sim.advance(PIPELINE_DELAY);
    const glArm = await requestsOf(h, { component: 'gl' });
    await h.sim.push({ forge: 'gitlab', project: 'org/src', files: { a: '2' }, message: 'change again' });
    await h.sim.advance(HOUR);
    const glMove = await requestsOf(h, { component: 'gl' });
    await h.sim.advance(PIPELINE_DELAY);
    const glMoveArm = await requestsOf(h, { component: 'gl' });
    const glOpenNoop = await requestsOf(h, { component: 'gl' });
    // the target moves under the MR: the list answers `unchecked`, one single read starts the check
    await h.sim.push({ forge: 'gitlab', project: 'org/dst', files: { other: '1' }, message: 'target moves' });
    const glTargetMoved = await requestsOf(h, { component: 'gl' });
    const group = 'Requests per decision';
    return [
      {
        group,
        name: 'update-component no-op, GitLab (per component)',
        value: glNoop.count,
        unit: 'requests',
        target: { max: 3 },
      },
      {
        group,
        name: 'update-component no-op, GitHub (per component)',
        value: ghNoop.count,
        unit: 'requests',
        target: { max: 3 },
        note: "the source head's check runs, the target's VERSION and its open PRs, each a conditional request answered 304 (0 rate-limit points); the GraphQL history query only when the head changed and is not green yet",
      },
      {
        group,
        name: 'update-component new MR, GitLab',
        value: glUpdate.count,
        unit: 'requests',
        note: glUpdate.status,
      },
      {
        group,
        name: 'update-component MR moved to a newer green, GitLab',
        value: glMove.count,
        unit: 'requests',
        note: glMove.status,
      },
      {
        group,
        name: 'update-component next run arms auto-merge once the MR pipeline exists, GitLab',
        value: glArm.count,
        unit: 'requests',
        note: `${glArm.status}; after a new MR (async pipeline)`,
      },
      {
        group,
        name: 'update-component next run arms auto-merge after a move, GitLab',
        value: glMoveArm.count,
        unit: 'requests',
        note: glMoveArm.status,
      },
      {
        group,
        name: 'update-component with its MR already current, GitLab',
        value: glOpenNoop.count,
        unit: 'requests',
      },
      {
        group,
        name: 'update-component MR current, target branch moved (mergeability unchecked), GitLab',
        value: glTargetMoved.count,
        unit: 'requests',
        note: glTargetMoved.status,
      },
    ];
  } finally {
    await h.close();
  }
}

/**
 * release-tools' way: walk the branch's commits newest first and look each one up until one has
 * a successful pipeline — one request per commit.
 */
async function releaseToolsScan(
  sim: Simulator,
  token: string,
  project: string,
  max: number,
): Promise<number> {
  const api = new Gitlab({ host: sim.gitlab.url, token });
  const since = sim.mark();
  const commits = (await api.Commits.all(project, {
    refName: 'main',
    perPage: 100,
    maxPages: Math.ceil(max / 100),
  })) as { id: string }[];
  for (const c of commits.slice(0, max)) {
    const detail = (await api.Commits.show(project, c.id)) as { last_pipeline?: { status: string } | null };
    if (detail.last_pipeline?.status === 'success') break;
  }
  return sim.requests({ since }).length;
}

async function depthComparison(): Promise<Figure[]> {
  const depths = [1, 10, 30, 100];
  const figures: Figure[] = [];
  let token = '';
  const h = await jobHarness({
    seed: async (sim, botToken) => {
      token = botToken;
      for (const depth of depths) {
        const source = await sim.createProject({
          forge: 'gitlab',
          path: `deep/src-${depth}`,
          members: ['release-bot'],
        });
        let green = '';
        // newest first: commits 1..depth-1 above the green one are red
        for (let i = depth; i >= 1; i--) {
          const sha = await sim.push({
            forge: 'gitlab',
            project: source.path,
            files: { f: String(i) },
            message: i === depth ? `green ${i}` : `red ${i} [ci:fail]`,
          });
          if (i === depth) green = sha;
        }
        await sim.advance(HOUR);
        await sim.createProject({
          forge: 'gitlab',
          path: `deep/dst-${depth}`,
          members: ['release-bot'],
          files: { VERSION: `${green}\n` },
        });
      }
    },
    jobsConfig: () => ({
      'update-component': {
        components: depths.map((d) => ({
          ...component(`d${d}`, 'gitlab', `deep/src-${d}`, `deep/dst-${d}`),
          source: { forge: 'gitlab', project: `deep/src-${d}`, maxCommitsToCheck: 100 },
        })),
      },
    }),
  });
  try {
    await h.run('update-component');
    for (const depth of depths) {
      const ours = await requestsOf(h, { component: `d${depth}` });
      const baseline = await releaseToolsScan(h.sim, token, `deep/src-${depth}`, 100);
      figures.push({
        group: 'Latest green: update-component vs the release-tools scan',
        name: `green ${depth} commit${depth === 1 ? '' : 's'} deep: update-component (whole no-op decision) / scan (finding the commit only)`,
        value: ours.count,
        unit: 'requests',
        target: { max: 3 },
        note: `release-tools scan: ${baseline} requests`,
      });
    }
    return figures;
  } finally {
    await h.close();
  }
}

/** `n` GitLab components, each a source whose head is green and a target already bumped to it. */
async function manyComponents(n: number): Promise<JobHarness> {
  return jobHarness({
    seed: async (sim) => {
      for (let i = 0; i < n; i++) await seedPair(sim, 'gitlab', `many/src-${i}`, `many/dst-${i}`);
      await sim.advance(HOUR);
    },
    jobsConfig: () => ({
      'update-component': {
        components: Array.from({ length: n }, (_, i) =>
          component(`c${i}`, 'gitlab', `many/src-${i}`, `many/dst-${i}`),
        ),
      },
    }),
  });
}

/** A new green commit on every source, so the next run opens `n` MRs. */
async function newGreenEverywhere(h: JobHarness, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await h.sim.push({ forge: 'gitlab', project: `many/src-${i}`, files: { a: '1' }, message: 'change' });
  await h.sim.advance(HOUR);
}

/** The update run with no injected latency, on a twin world: what the simulator itself costs. */
async function updateBaseline(n: number): Promise<number> {
  const h = await manyComponents(n);
  try {
    await h.run('update-component');
    await newGreenEverywhere(h, n);
    const t = performance.now();
    await h.run('update-component');
    return performance.now() - t;
  } finally {
    await h.close();
  }
}

async function wallTime(kind: 'no-op' | 'update'): Promise<Figure[]> {
  const n = 100;
  const baselineMs = kind === 'update' ? await updateBaseline(n) : undefined;
  const h = await manyComponents(n);
  try {
    await h.run('update-component'); // default branches cached
    if (kind === 'update') await newGreenEverywhere(h, n);
    let noopBaselineMs: number | undefined;
    if (kind === 'no-op') {
      const t = performance.now();
      await h.run('update-component');
      noopBaselineMs = performance.now() - t;
    }
    h.sim.addFault({ forge: 'gitlab', latencyMs: LATENCY_MS });
    const since = h.sim.mark();
    const started = performance.now();
    const { run } = await h.run('update-component');
    const wallMs = performance.now() - started;
    const requests = h.sim.requests({ since });
    return wallTimeFigures({
      label: kind,
      group: `Wall time, ${n} components, ${LATENCY_MS} ms per request, ${FORGE_CONCURRENCY} requests in flight per forge`,
      wallMs,
      durations: requests.map((r) => r.durationMs),
      // The longest chain of dependent requests for one component (they are issued one after another).
      chain: Math.ceil(requests.length / n),
      concurrency: FORGE_CONCURRENCY,
      latencyMs: LATENCY_MS,
      baselineMs: baselineMs ?? noopBaselineMs,
      status: run.status,
    });
  } finally {
    await h.close();
  }
}

export async function main(): Promise<void> {
  const figures = [
    ...(await perDecision()),
    ...(await perDecisionWithoutRealism()),
    ...(await depthComparison()),
    ...(await wallTime('no-op')),
    ...(await wallTime('update')),
  ];
  writeResult('update-component', figures);
}

await main();
