import { jobs as allJobs } from '../app/jobs.js';
import { clearProcessRateBudgets } from '../src/forges/budget.js';
import { clearProcessEtagMemory } from '../src/forges/etag-cache.js';
import { createVerifyDeploymentJob } from '../jobs/verify-deployment/index.js';
import { startFakeService, type FakeService } from '../packages/forge-sandbox/src/services/health.js';
import type { SimForge } from '../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../test/helpers/job-harness.js';
import { median, percentile, writeResult, type Figure } from './lib/report.js';

/**
 * A fleet's day: 500 components (update-component, hourly), 200 watched refs
 * (report-pipeline-failures, every 10 minutes), 100 stable repos (move-stable-branches, weekly:
 * one run in the day) and 50 deploy targets (verify-deployment, every minute), for one simulated
 * day on the simulator's clock, once on GitLab and once on GitHub (each forge its own world and
 * budget). The jobs run in the app's runner (SQLite store, real SDK clients over HTTP), as the
 * daemon would run them; the day has events: new green commits on some components, failing
 * pipelines on a few watched refs, a few deployments per target.
 *
 * Worlds are shared as in real fleets: components live in their own repos but update one of a few
 * consuming projects (a monorepo consumes many components); the watched refs and the stable repos
 * are main branches of component repos; the 50 targets are environments of 5 deployer projects.
 *
 * Figures: requests and rate-limit points per hour per forge against the forge's budget (GitHub:
 * 5,000 points per hour per installation, the target is 25 % of it; GitLab.com: 2,000 API requests
 * per minute per user), the routes that cost most, peak RSS and wall time per poll.
 *
 * `--hours N` shortens the day; `--forge gitlab|github` runs one forge; `--scale F` shrinks the
 * fleet (for a quick look; the recorded figures come from scale 1); `--routes` prints what each
 * poll asked (route, status, points), to find which reads cost what; `--slow` prints every poll
 * that took over ten seconds.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const GITHUB_HOURLY = 5_000;
const GITHUB_SHARE = 0.25;
const GITLAB_PER_MINUTE = 2_000;
const UPDATE_MINUTE = 7;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const HOURS = Number(flag('hours') ?? 24);
const SCALE = Number(flag('scale') ?? 1);
const FORGES: SimForge[] = flag('forge') ? [flag('forge') as SimForge] : ['gitlab', 'github'];

const COMPONENTS = Math.round(500 * SCALE);
const WATCHED = Math.round(200 * SCALE);
const STABLE = Math.round(100 * SCALE);
const CONSUMERS = Math.max(1, Math.round(10 * SCALE));
const DEPLOYERS = Math.max(1, Math.round(5 * SCALE));
const ENVS_PER_DEPLOYER = 10;
const TARGETS = DEPLOYERS * ENVS_PER_DEPLOYER;
/** Share of components that get a new green commit in an hour. */
const COMMITS_PER_HOUR = 0.04;
/** Failing pipelines on watched refs over the day, and deployments per target. */
const FAILURES_PER_DAY = 12;
const DEPLOYS_PER_TARGET = 3;

/** Deterministic pseudo-random numbers (mulberry32), so both forges live the same day. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const component = (i: number) => `fleet/c${i}`;
const consumer = (i: number) => `consumers/t${i % CONSUMERS}`;
const deployer = (k: number) => `deploy/d${k}`;

function version(n: number): string {
  const stamp = new Date(Date.UTC(2024, 0, 1) + n * MINUTE).toISOString().replace(/\D/g, '').slice(0, 12);
  return `17.${n % 10}.${stamp}-${(n % 16).toString(16).repeat(11)}.4ce763dbce1`;
}

async function seed(sim: Simulator, forge: SimForge): Promise<void> {
  for (let i = 0; i < CONSUMERS; i++) {
    const files: Record<string, string> = {};
    for (let c = i; c < COMPONENTS; c += CONSUMERS) files[`versions/c${c}`] = 'placeholder\n';
    await sim.createProject({ forge, path: `consumers/t${i}`, members: ['release-bot'], files });
  }
  for (let i = 0; i < COMPONENTS; i++) {
    const project = await sim.createProject({
      forge,
      path: component(i),
      members: ['release-bot'],
      branches: i < STABLE ? ['stable'] : [],
    });
    const sha = (await project.repo.branchSha('main'))!;
    await sim.ci.createPipeline({ project, ref: 'main', sha, userId: 1, outcome: { result: 'success' } });
    // The consumer already runs this version: the day starts even.
    await sim.push({
      forge,
      project: consumer(i),
      files: { [`versions/c${i}`]: `${sha}\n` },
      message: `c${i} at ${sha.slice(0, 8)}`,
    });
  }
  for (let k = 0; k < DEPLOYERS; k++) {
    await sim.createProject({ forge, path: deployer(k), members: ['release-bot'] });
    for (let e = 0; e < ENVS_PER_DEPLOYER; e++) {
      const project = sim.project(forge, deployer(k));
      const sha = (await project.repo.branchSha('main'))!;
      await sim.deploy({
        forge,
        project: deployer(k),
        environment: `env${e}`,
        ref: version(k * 100 + e),
        sha,
        variables: { version: version(k * 100 + e) },
      });
    }
  }
}

function config(forge: SimForge, service: FakeService) {
  return {
    'update-component': {
      components: Array.from({ length: COMPONENTS }, (_, i) => ({
        name: `c${i}`,
        source: { forge, project: component(i) },
        target: { forge, project: consumer(i), versionFile: `versions/c${i}` },
      })),
    },
    'report-pipeline-failures': {
      projects: Array.from({ length: WATCHED }, (_, i) => ({ forge, project: component(i), refs: ['main'] })),
    },
    'move-stable-branches': {
      forge,
      repos: Array.from({ length: STABLE }, (_, i) => ({ name: `c${i}`, project: component(i) })),
      approval: { required: false },
    },
    'verify-deployment': {
      // Short windows: the samples are taken without waiting, so the day runs in minutes.
      window: '1m',
      interval: '30s',
      targets: Array.from({ length: TARGETS }, (_, t) => ({
        name: `d${Math.floor(t / ENVS_PER_DEPLOYER)}-env${t % ENVS_PER_DEPLOYER}`,
        forge,
        project: deployer(Math.floor(t / ENVS_PER_DEPLOYER)),
        environment: `env${t % ENVS_PER_DEPLOYER}`,
        health: { checks: [{ url: `${service.url}/health` }] },
        checkPostDeployMigrations: false,
      })),
    },
  };
}

interface Event {
  minute: number;
  kind: 'commit' | 'failure' | 'deploy';
  index: number;
}

/** The day's events, the same for both forges. */
function events(): Event[] {
  const rnd = random(26);
  const out: Event[] = [];
  const minutes = HOURS * 60;
  for (let h = 0; h < HOURS; h++)
    for (let n = 0; n < Math.round(COMPONENTS * COMMITS_PER_HOUR); n++)
      out.push({
        minute: h * 60 + Math.floor(rnd() * 50),
        kind: 'commit',
        index: Math.floor(rnd() * COMPONENTS),
      });
  const failures = Math.max(1, Math.round((FAILURES_PER_DAY * HOURS) / 24));
  for (let n = 0; n < failures; n++)
    out.push({ minute: Math.floor(rnd() * minutes), kind: 'failure', index: Math.floor(rnd() * WATCHED) });
  const deploys = Math.max(1, Math.round((DEPLOYS_PER_TARGET * HOURS) / 24));
  for (let t = 0; t < TARGETS; t++)
    for (let n = 0; n < deploys; n++)
      out.push({ minute: Math.floor(rnd() * minutes), kind: 'deploy', index: t });
  return out.sort((a, b) => a.minute - b.minute);
}

async function happen(sim: Simulator, forge: SimForge, event: Event, n: number): Promise<void> {
  if (event.kind === 'deploy') {
    const k = Math.floor(event.index / ENVS_PER_DEPLOYER);
    const sha = (await sim.project(forge, deployer(k)).repo.branchSha('main'))!;
    const v = version(10_000 + n);
    await sim.deploy({
      forge,
      project: deployer(k),
      environment: `env${event.index % ENVS_PER_DEPLOYER}`,
      ref: v,
      sha,
      variables: { version: v },
    });
    return;
  }
  const path = component(event.index);
  const sha = await sim.push({
    forge,
    project: path,
    files: { [`f${n}`]: `${n}\n` },
    message: `change ${n}`,
  });
  // The push's pipeline comes after the simulator's pipeline delay; failures are scripted per sha.
  if (event.kind === 'failure') sim.setCi(forge, path, { sha }, { result: 'failed' });
}

interface ForgeDay {
  forge: SimForge;
  hours: { requests: number; points: Record<string, number> }[];
  peakMinute: number;
  peakMinuteUpdateMs: number;
  warmup: { requests: number; points: number };
  polls: Map<string, { ms: number[]; statuses: Map<string, number> }>;
  routes: Map<string, { requests: number; points: number }>;
  seedMs: number;
  dayMs: number;
}

async function day(forge: SimForge): Promise<ForgeDay> {
  clearProcessEtagMemory(); // each forge's world starts as a fresh process would
  const service = await startFakeService();
  service.set('/health', { status: 200, body: { status: 'ok' } });
  const started = performance.now();
  const h: JobHarness = await jobHarness({
    jobs: allJobs.map((j) =>
      j.name === 'verify-deployment' ? createVerifyDeploymentJob({ sleep: async () => {} }) : j,
    ),
    seed: (sim) => seed(sim, forge),
    jobsConfig: () => config(forge, service),
  });
  const seedMs = performance.now() - started;
  console.log(`${forge}: world seeded in ${Math.round(seedMs / 1000)} s`);
  const polls: ForgeDay['polls'] = new Map();
  const failures = new Set<string>();
  const run = async (job: string) => {
    const t = performance.now();
    const mark = h.sim.mark();
    const { run } = await h.run(job, { trigger: 'schedule' });
    // `--routes`: what each poll (but the every-minute one) asked, with its status and points.
    if (process.argv.includes('--routes') && job !== 'verify-deployment') {
      const seen = new Map<string, number>();
      for (const r of h.sim.requests({ since: mark })) {
        const k = `${r.status} ${r.route} ${r.rate?.points ?? 0}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      console.log(job, run.status, Object.fromEntries(seen));
    }
    // A failed poll says why, once per job and error: a failing fleet's figures mean little.
    if (run.status === 'failed' && !failures.has(`${job}:${run.error}`)) {
      failures.add(`${job}:${run.error}`);
      console.log(`${forge}: ${job} failed: ${run.error}`);
    }
    const entry = polls.get(job) ?? { ms: [] as number[], statuses: new Map<string, number>() };
    const ms = performance.now() - t;
    // A poll over ten seconds is worth a look: say which and what it did.
    if (ms > 10_000 && process.argv.includes('--slow'))
      console.log(`${forge}: slow ${job} (${Math.round(ms)} ms, ${run.status}): ${run.summary ?? ''}`);
    entry.ms.push(ms);
    entry.statuses.set(run.status, (entry.statuses.get(run.status) ?? 0) + 1);
    polls.set(job, entry);
  };
  const sum = (p: Record<string, number>) => Object.values(p).reduce((a, b) => a + b, 0);
  // Simulated time passes in milliseconds: what the bot learned of the forge's rate window
  // (remaining, reset on the wall clock) belongs to the time that just ended, as it would after
  // that much real time. Without this, GitLab's per-minute window, spent by the hourly
  // update-component burst, looks spent until the wall clock catches up.
  const advance = async (ms: number) => {
    await h.sim.advance(ms);
    clearProcessRateBudgets();
  };
  try {
    // The world existed before the day: its pipelines have finished.
    await advance(HOUR);
    // The bot has been running before the day: two polls of every job (the first sets the
    // cursors, the second remembers the answers), counted apart as the cold start.
    let since = h.sim.mark();
    for (const pass of [1, 2]) {
      for (const job of ['update-component', 'report-pipeline-failures', 'verify-deployment'])
        await h.run(job, { trigger: 'schedule' });
      if (pass === 1) await advance(10 * MINUTE);
    }
    const warmup = {
      requests: h.sim.requests({ since, forge }).length,
      points: sum(h.sim.ratePoints({ since, forge })),
    };
    await advance(MINUTE);
    const dayStart = h.sim.mark();
    const all = events();
    const moveMinute = Math.floor((HOURS * 60) / 2) + 5;
    const hours: ForgeDay['hours'] = [];
    let peakMinute = 0;
    let peakMinuteUpdateMs = 0;
    let e = 0;
    const dayStarted = performance.now();
    for (let minute = 0; minute < HOURS * 60; minute++) {
      if (minute % 60 === 0) since = h.sim.mark();
      const minuteSince = h.sim.mark();
      for (; e < all.length && all[e]!.minute === minute; e++) await happen(h.sim, forge, all[e]!, e);
      // update-component's default schedule, `7 * * * *`: away from :00 where the others meet.
      if (minute % 60 === UPDATE_MINUTE) await run('update-component');
      if (minute % 10 === 0) await run('report-pipeline-failures');
      if (minute === moveMinute) await run('move-stable-branches');
      await run('verify-deployment');
      const inMinute = h.sim.requests({ since: minuteSince, forge }).length;
      if (inMinute > peakMinute) {
        peakMinute = inMinute;
        peakMinuteUpdateMs =
          minute % 60 === UPDATE_MINUTE ? (polls.get('update-component')?.ms.at(-1) ?? 0) : 0;
      }
      if (minute % 60 === 59) {
        hours.push({
          requests: h.sim.requests({ since, forge }).length,
          points: h.sim.ratePoints({ since, forge }),
        });
        console.log(
          `${forge} hour ${hours.length}: ${hours.at(-1)!.requests} requests, ${JSON.stringify(hours.at(-1)!.points)} points, ${Math.round((performance.now() - dayStarted) / 1000)} s`,
        );
      }
      await advance(MINUTE);
    }
    const routes: ForgeDay['routes'] = new Map();
    for (const r of h.sim.requests({ since: dayStart, forge })) {
      const key = r.route;
      const entry = routes.get(key) ?? { requests: 0, points: 0 };
      entry.requests++;
      entry.points += r.rate?.points ?? 0;
      routes.set(key, entry);
    }
    return {
      forge,
      hours,
      peakMinute,
      peakMinuteUpdateMs,
      warmup,
      polls,
      routes,
      seedMs,
      dayMs: performance.now() - dayStarted,
    };
  } finally {
    await h.close();
    await service.close();
  }
}

const figures: Figure[] = [];
const fleet = `${COMPONENTS} components, ${WATCHED} watched refs, ${STABLE} stable repos, ${TARGETS} deploy targets`;
const group = `Fleet day (${fleet}; ${HOURS} simulated hour${HOURS === 1 ? '' : 's'})`;
for (const forge of FORGES) {
  const d = await day(forge);
  const label = forge === 'gitlab' ? 'GitLab' : 'GitHub';
  const requests = d.hours.map((x) => x.requests);
  const points = d.hours.map((x) => Object.values(x.points).reduce((a, b) => a + b, 0));
  const peakPoints = Math.max(...points);
  const meanRequests = requests.reduce((a, b) => a + b, 0) / requests.length;
  if (forge === 'github') {
    const core = Math.max(...d.hours.map((x) => x.points.core ?? 0));
    const graphql = Math.max(...d.hours.map((x) => x.points.graphql ?? 0));
    figures.push(
      {
        group,
        name: `${label}: rate-limit points in the dearest hour (core ${core}, GraphQL ${graphql})`,
        value: peakPoints,
        unit: 'points',
        target: { max: GITHUB_HOURLY * GITHUB_SHARE },
        note: `${Math.round((peakPoints / GITHUB_HOURLY) * 1000) / 10} % of ${GITHUB_HOURLY.toLocaleString('en')} points per hour per installation; mean ${Math.round(points.reduce((a, b) => a + b, 0) / points.length)}; a 304 costs nothing`,
      },
      {
        group,
        name: `${label}: requests in the dearest hour (304s included)`,
        value: Math.max(...requests),
        unit: 'requests',
        note: `mean ${Math.round(meanRequests)} per hour`,
      },
    );
  } else {
    const perMinute = Math.max(...requests) / 60;
    figures.push(
      {
        group,
        name: `${label}: requests per minute, averaged over the dearest hour`,
        value: perMinute,
        unit: 'requests/min',
        target: { max: GITLAB_PER_MINUTE * GITHUB_SHARE },
        note: `GitLab.com allows ${GITLAB_PER_MINUTE.toLocaleString('en')} API requests per minute per user, every request counted (a 304 too); ${Math.round((perMinute / GITLAB_PER_MINUTE) * 1000) / 10} % of it; ${Math.max(...requests)} requests in that hour, mean ${Math.round(meanRequests)} per hour`,
      },
      {
        group,
        name: `${label}: requests in the busiest simulated minute`,
        value: d.peakMinute,
        unit: 'requests',
        target: { max: GITLAB_PER_MINUTE },
        note: `the hourly update-component poll of every component: a run takes no simulated time here, so all its requests land in one minute${d.peakMinuteUpdateMs ? ` (it took ${Math.round(d.peakMinuteUpdateMs / 1000)} s of wall time on this machine)` : ''}; at GitLab.com latency with 8 requests in flight it can come near the per-minute limit, which the forge budget waits out (429 RateLimit-Reset)`,
      },
    );
  }
  figures.push({
    group,
    name: `${label}: requests before the day (cold start: two polls of every polled job set the cursors and caches)`,
    value: d.warmup.requests,
    unit: 'requests',
    note: `${d.warmup.points} rate-limit points`,
  });
  for (const [job, p] of d.polls) {
    const statuses = [...p.statuses].map(([s, n]) => `${n} ${s}`).join(', ');
    figures.push({
      group,
      name: `${label}: wall time per poll, ${job} (median; the simulator runs in the same process)`,
      value: median(p.ms),
      unit: 'ms',
      note: `p95 ${Math.round(percentile(p.ms, 95))} ms, max ${Math.round(Math.max(...p.ms))} ms over ${p.ms.length} polls (${statuses})`,
    });
  }
  const top = [...d.routes]
    .sort((a, b) => b[1].points - a[1].points || b[1].requests - a[1].requests)
    .slice(0, 6);
  for (const [route, r] of top)
    figures.push({
      group: `${group}: dearest routes`,
      name: `${label}: ${route}`,
      value: Math.round(r.requests / HOURS),
      unit: 'requests/hour',
      note: `${Math.round(r.points / HOURS)} rate-limit points per hour`,
    });
  console.log(
    `${forge}: day of ${HOURS} h in ${Math.round(d.dayMs / 1000)} s (seeding ${Math.round(d.seedMs / 1000)} s)`,
  );
}
const rss = process.resourceUsage().maxRSS / 1024;
figures.push({
  group,
  name: 'peak RSS of the process (bot, simulator with its request log, SQLite store)',
  value: Math.round(rss),
  unit: 'MiB',
  note: `both forges' days in one process, one after the other`,
});
// One forge alone is recorded apart, so a longer day on one forge keeps the two-forge figures.
writeResult(FORGES.length === 1 ? `fleet-${FORGES[0]}` : 'fleet', figures);
