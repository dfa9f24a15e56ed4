import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearProcessEtagMemory } from '../src/forges/etag-cache.js';
import { createForgeRegistry, loadAdapters } from '../src/forges/registry.js';
import type { Forge } from '../src/forges/types.js';
import type { JobContext, JobState } from '../src/runner/job.js';
import { forgeSchema } from '../src/config/schema.js';
import { fetchChanged, startCursor } from '../jobs/report-pipeline-failures/pipelines.js';
import { readEnvironment } from '../jobs/track-post-deploy-migrations/deployments.js';
import type { Options as MigrationOptions } from '../jobs/track-post-deploy-migrations/options.js';
import { findLatestGreen } from '../jobs/update-component/latest-green.js';
import type { Component } from '../jobs/update-component/options.js';
import { discover } from '../jobs/verify-deployment/discover.js';
import type { Options as VerifyOptions, Target } from '../jobs/verify-deployment/options.js';
import type { Cursor as PipelineCursor } from '../jobs/report-pipeline-failures/state.js';
import { simulatorForges } from '../packages/forge-sandbox/src/bot-forges.js';
import type { SimForge } from '../packages/forge-sandbox/src/core/model.js';
import { startSimulator, type Simulator } from '../packages/forge-sandbox/src/simulator.js';
import { writeResult, type Figure } from './lib/report.js';

/**
 * Cost independent of history: the polls' reads against a forge holding 10,000 deployments and
 * 10,000 pipelines per project, next to the same polls against 100 of each (one every 10
 * minutes in both: the same recent traffic, a hundred times the history). Each poll runs the
 * job's own read code (readEnvironment, discover, fetchChanged, findLatestGreen) on the real SDK
 * clients over HTTP; the figures are requests and rate-limit points from the simulator's log.
 * Seeding writes the history straight into the simulator's world (no git, no CI engine), so a
 * 10,000-item world takes well under a second.
 */

const BIG = 10_000;
const SMALL = 100;
const STEP_MS = 10 * 60_000;
const PROJECT = 'hist/app';
const ENV = 'gprd';

function version(i: number): string {
  const stamp = new Date(Date.UTC(2022, 0, 1) + i * 60_000).toISOString().replace(/\D/g, '').slice(0, 12);
  return `14.8.${stamp}+aaaaaaaaaaa.${'4ce763dbce1'}`;
}

function forgesOf(sim: Simulator, token: string) {
  const raw = simulatorForges(sim, token, 2);
  return { gitlab: forgeSchema.parse(raw.gitlab), github: forgeSchema.parse(raw.github) };
}

function memoryState(): JobState {
  const values = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => values.get(key) as T | undefined,
    set: async (key, value) => void values.set(key, structuredClone(value)),
    delete: async (key) => void values.delete(key),
    list: async <T>(prefix = '') =>
      [...values].filter(([k]) => k.startsWith(prefix)).map(([key, value]) => ({ key, value: value as T })),
  };
}

/** History written into the world: `count` deployments and pipelines, the newest 10 minutes ago. */
async function seed(sim: Simulator, forge: SimForge, count: number, userId: number): Promise<void> {
  const project = await sim.createProject({ forge, path: PROJECT, members: ['release-bot'] });
  const sha = (await project.repo.branchSha('main'))!;
  const world = sim.world;
  const env = {
    id: world.nextId('environment'),
    projectId: project.id,
    name: ENV,
    externalUrl: null,
    state: 'available' as const,
    createdAt: world.nowIso(),
  };
  world.environments.push(env);
  const now = sim.clock.now().getTime();
  for (let i = 0; i < count; i++) {
    const at = new Date(now - (count - i) * STEP_MS).toISOString();
    world.pipelines.push({
      id: world.nextId('pipeline'),
      iid: i + 1,
      projectId: project.id,
      ref: 'main',
      sha,
      tag: false,
      source: 'push',
      status: 'success',
      userId,
      outcome: { result: 'success' },
      variables: {},
      createdAt: at,
      updatedAt: at,
      startedAt: at,
      finishedAt: at,
    });
    world.deployments.push({
      id: world.nextId('deployment'),
      iid: i + 1,
      projectId: project.id,
      environmentId: env.id,
      ref: version(i),
      sha,
      // Every tenth deploy failed: a status filter has to skip some.
      status: i % 10 === 9 ? 'failed' : 'success',
      userId,
      jobId: null,
      payload: { version: version(i) },
      description: null,
      createdAt: at,
      updatedAt: at,
      finishedAt: at,
    });
  }
}

/** One more finished deployment and pipeline, now. */
function change(sim: Simulator, forge: SimForge, n: number, userId: number): void {
  const world = sim.world;
  const project = sim.project(forge, PROJECT);
  const env = world.environments.find((e) => e.projectId === project.id && e.name === ENV)!;
  const last = world.pipelines.filter((p) => p.projectId === project.id).at(-1)!;
  const at = world.nowIso();
  world.pipelines.push({
    ...last,
    id: world.nextId('pipeline'),
    iid: last.iid + 1,
    status: 'failed',
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    finishedAt: at,
    outcome: { result: 'failed' },
  });
  world.deployments.push({
    id: world.nextId('deployment'),
    iid: n,
    projectId: project.id,
    environmentId: env.id,
    ref: version(50_000 + n),
    sha: last.sha,
    status: 'success',
    userId,
    jobId: null,
    payload: { version: version(50_000 + n) },
    description: null,
    createdAt: at,
    updatedAt: at,
    finishedAt: at,
  });
}

interface Poll {
  name: string;
  run(forge: Forge, forgeName: SimForge): Promise<unknown>;
}

function polls(sim: Simulator): Poll[] {
  const state = memoryState();
  const ctx = (forge: Forge) =>
    ({ state, now: () => sim.clock.now(), dryRun: false, forge: () => forge }) as unknown as JobContext;
  const pipelineCursors = new Map<string, PipelineCursor>();
  return [
    {
      name: 'track-post-deploy-migrations: new deployments of an environment (oldest first, since the cursor)',
      async run(forge, forgeName) {
        const options = {
          deployments: { forge: forgeName, project: PROJECT, lookback: '1d' },
        } as unknown as MigrationOptions;
        const read = await readEnvironment(ctx(forge), forge, options, ENV);
        if (read.cursor) await state.set(read.key, read.cursor);
        return read.deployments.length;
      },
    },
    {
      name: 'verify-deployment: new successful deployments of a target',
      async run(forge, forgeName) {
        const target = { forge: forgeName, project: PROJECT, environment: ENV } as unknown as Target;
        const found = await discover(ctx(forge), {} as VerifyOptions, target);
        return found.records.length;
      },
    },
    {
      name: 'report-pipeline-failures: pipelines of a watched ref since the cursor',
      async run(forge, forgeName) {
        const cursor = pipelineCursors.get(forgeName);
        if (!cursor) {
          pipelineCursors.set(forgeName, await startCursor(forge, PROJECT, 'main', sim.clock.now()));
          return 0;
        }
        const fetched = await fetchChanged(forge, PROJECT, 'main', { cursor });
        pipelineCursors.set(forgeName, fetched.next);
        return fetched.finished.length;
      },
    },
    {
      name: 'update-component: latest green pipeline of the source branch (GitLab)',
      async run(forge, forgeName) {
        if (forgeName !== 'gitlab') return 0;
        const component = {
          name: 'app',
          source: { forge: forgeName, project: PROJECT, requiredJobs: [], maxCommitsToCheck: 100 },
        } as unknown as Component;
        return (await findLatestGreen(forge, component, 'main')).green ? 1 : 0;
      },
    },
  ];
}

interface Measured {
  noop: number;
  noopPoints: number;
  changed: number;
  changedPoints: number;
}

async function measure(size: number): Promise<Map<string, Measured>> {
  clearProcessEtagMemory();
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-history-'));
  const sim = await startSimulator({ dir: join(dir, 'sim') });
  const out = new Map<string, Measured>();
  try {
    const { token, user } = sim.createUser('release-bot', { name: 'Release Bot', bot: true });
    const started = performance.now();
    for (const forge of ['gitlab', 'github'] as const) await seed(sim, forge, size, user.id);
    console.log(
      `seeded ${size} deployments and ${size} pipelines per forge in ${Math.round(performance.now() - started)} ms`,
    );
    await loadAdapters(['gitlab', 'github']);
    const registry = createForgeRegistry(forgesOf(sim, token), { dryRun: false });
    for (const forgeName of ['gitlab', 'github'] as const) {
      const forge = registry.get(forgeName);
      const list = polls(sim);
      const count = async (poll: Poll) => {
        const since = sim.mark();
        await poll.run(forge, forgeName);
        const requests = sim.requests({ since, forge: forgeName }).length;
        const points = Object.values(sim.ratePoints({ since, forge: forgeName })).reduce((a, b) => a + b, 0);
        return { requests, points };
      };
      // First poll: sets the cursors (and the ETags), as a daemon's first run does.
      for (const poll of list) await count(poll);
      await sim.advance(STEP_MS);
      const noop = new Map<string, { requests: number; points: number }>();
      for (const poll of list) noop.set(poll.name, await count(poll));
      await sim.advance(STEP_MS);
      change(sim, forgeName, size + 1, user.id);
      await sim.advance(60_000);
      for (const poll of list) {
        const changed = await count(poll);
        const n = noop.get(poll.name)!;
        out.set(`${poll.name}|${forgeName}`, {
          noop: n.requests,
          noopPoints: n.points,
          changed: changed.requests,
          changedPoints: changed.points,
        });
      }
    }
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** What reading the deployments oldest first without a window costs: the read before this change. */
async function walkEverything(size: number): Promise<{ requests: number; refused: boolean }> {
  clearProcessEtagMemory();
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-history-'));
  const sim = await startSimulator({ dir: join(dir, 'sim') });
  try {
    const { token, user } = sim.createUser('release-bot', { name: 'Release Bot', bot: true });
    await seed(sim, 'github', size, user.id);
    await loadAdapters(['github']);
    const forge = createForgeRegistry(forgesOf(sim, token), { dryRun: false }).get('github');
    const since = sim.mark();
    try {
      await forge.deployments.list(PROJECT, { environment: ENV, status: 'success', sort: 'asc', limit: 100 });
      return { requests: sim.requests({ since }).length, refused: false };
    } catch {
      // The forge's hourly budget ran out before the walk ended (the HTTP path refuses to go on).
      return { requests: sim.requests({ since }).length, refused: true };
    }
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const small = await measure(SMALL);
const big = await measure(BIG);
const group = `Cost independent of history: ${BIG.toLocaleString('en')} deployments and pipelines vs ${SMALL}`;
const figures: Figure[] = [];
for (const [key, at10k] of big) {
  const [name, forge] = key.split('|') as [string, string];
  if (name.startsWith('update-component') && forge === 'github') continue; // GitHub has no pipelines read there
  const at10 = small.get(key)!;
  const label = `${name}, ${forge === 'gitlab' ? 'GitLab' : 'GitHub'}`;
  figures.push(
    {
      group,
      name: `${label}, nothing new: requests with ${BIG.toLocaleString('en')} in history`,
      value: at10k.noop,
      unit: 'requests',
      target: { max: at10.noop },
      note: `${at10.noop} with ${SMALL} in history; rate-limit points ${at10k.noopPoints} (with ${SMALL}: ${at10.noopPoints})`,
    },
    {
      group,
      name: `${label}, one new: requests with ${BIG.toLocaleString('en')} in history`,
      value: at10k.changed,
      unit: 'requests',
      target: { max: at10.changed },
      note: `${at10.changed} with ${SMALL} in history; rate-limit points ${at10k.changedPoints} (with ${SMALL}: ${at10.changedPoints})`,
    },
  );
}
const walked = await walkEverything(BIG);
figures.push({
  group,
  name: `for comparison: GitHub deployments read oldest first without a window (the read before issue 26), ${BIG.toLocaleString('en')} in history`,
  value: walked.requests,
  unit: 'requests',
  note: walked.refused
    ? `every page of deployments, then each deployment’s status: it needs ${Math.ceil(BIG / 100) + BIG} requests, and stopped when GitHub's hourly budget of 5,000 ran out`
    : 'every page of deployments, then each deployment’s status',
});
writeResult('history-cost', figures);
