import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { clearProcessEtagMemory } from '../../src/forges/etag-cache.js';
import type { Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';
import { pgTestUrl, schemaUrl } from '../scale/pg.js';

/**
 * Conditional requests end to end: the real SDK clients over HTTP against the simulator, whose
 * rate-limit model charges GitHub nothing for a 304 (GitLab counts every request). A no-op poll
 * of update-component and of report-pipeline-failures on GitHub costs 0 points after the first,
 * in the daemon (ETags in memory) and in one-shot runs (ETags from the store, SQLite and
 * PostgreSQL).
 */

const HOUR = 3_600_000;

async function seedWorld(sim: Simulator, forge: 'github' | 'gitlab'): Promise<void> {
  const project = await sim.createProject({ forge, path: 'org/src', members: ['release-bot'] });
  const sha = (await project.repo.branchSha('main'))!;
  const userId = sim.world.userByName('release-bot')!.id;
  await sim.ci.createPipeline({ project, ref: 'main', sha, userId, outcome: { result: 'success' } });
  await sim.createProject({
    forge,
    path: 'org/dst',
    members: ['release-bot'],
    files: { VERSION: `${sha}\n` },
  });
  await sim.createProject({ forge, path: 'org/watched', members: ['release-bot'] });
  await sim.advance(HOUR);
}

function jobsConfig(forge: 'github' | 'gitlab') {
  return {
    'update-component': {
      components: [
        {
          name: 'c',
          source: { forge, project: 'org/src' },
          target: { forge, project: 'org/dst', versionFile: 'VERSION' },
        },
      ],
    },
    'report-pipeline-failures': { projects: [{ forge, project: 'org/watched', refs: ['main'] }] },
  };
}

async function poll(h: JobHarness, job: string) {
  const since = h.sim.mark();
  const outcome = await h.run(job);
  return {
    status: outcome.run.status,
    summary: outcome.run.summary,
    points: h.sim.ratePoints({ since }),
    requests: h.sim.requests({ since }),
  };
}

const total = (points: Record<string, number>) => Object.values(points).reduce((a, b) => a + b, 0);

let h: JobHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  clearProcessEtagMemory();
});

describe('conditional requests (GitHub)', () => {
  it('a no-op poll of update-component and of report-pipeline-failures costs 0 rate-limit points after the first', async () => {
    h = await jobHarness({ seed: (sim) => seedWorld(sim, 'github'), jobsConfig: () => jobsConfig('github') });
    for (const job of ['update-component', 'report-pipeline-failures']) {
      const first = await poll(h, job);
      expect(first.status).toBe('noop');
      expect(total(first.points)).toBeGreaterThan(0);
      for (let i = 0; i < 2; i++) {
        const again = await poll(h, job);
        expect(again.status).toBe('noop');
        expect(again.summary).toBe(first.summary);
        expect(again.points).toEqual({ core: 0 });
        // Every read went out and came back 304: served from the cache, charged nothing.
        expect(again.requests.length).toBeGreaterThan(0);
        for (const r of again.requests) {
          expect(r.status).toBe(304);
          expect(r.rate).toEqual({ resource: 'core', points: 0 });
        }
      }
    }
  });

  it('a change is seen at once: the changed answer comes back 200 and is charged', async () => {
    h = await jobHarness({ seed: (sim) => seedWorld(sim, 'github'), jobsConfig: () => jobsConfig('github') });
    await poll(h, 'report-pipeline-failures');
    await poll(h, 'report-pipeline-failures');
    const project = h.sim.project('github', 'org/watched');
    const sha = (await project.repo.branchSha('main'))!;
    const userId = h.sim.world.userByName('release-bot')!.id;
    await h.sim.ci.createPipeline({ project, ref: 'main', sha, userId, outcome: { result: 'failed' } });
    await h.sim.advance(HOUR);
    const changed = await poll(h, 'report-pipeline-failures');
    expect(changed.status).toBe('ok');
    expect(changed.requests.some((r) => r.status === 200 && r.route.includes('/actions/runs'))).toBe(true);
    expect(changed.points.core).toBeGreaterThan(0);

    await h.sim.push({ forge: 'github', project: 'org/src', files: { a: '1' }, message: 'change' });
    await h.sim.advance(HOUR);
    const head = (await h.sim.project('github', 'org/src').repo.branchSha('main'))!;
    const moved = await poll(h, 'update-component');
    expect(moved.status).toBe('ok');
    expect(moved.summary).toContain(head.slice(0, 7));
    // The head's check runs came back changed (200) and green: that head is the newest green
    // commit, no history query needed.
    expect(moved.requests.find((r) => r.route.endsWith('/check-runs'))?.status).toBe(200);
  });

  it('one-shot runs (a new process each time) find the ETags in the store', async () => {
    h = await jobHarness({ seed: (sim) => seedWorld(sim, 'github'), jobsConfig: () => jobsConfig('github') });
    await poll(h, 'update-component');
    await poll(h, 'report-pipeline-failures');
    for (const job of ['update-component', 'report-pipeline-failures']) {
      clearProcessEtagMemory();
      await h.restart();
      const again = await poll(h, job);
      expect(again.status).toBe('noop');
      expect(again.points).toEqual({ core: 0 });
    }
  });
});

describe('conditional requests (GitLab)', () => {
  it('answers 304 from the cache, and the simulated GitLab still counts every request', async () => {
    h = await jobHarness({ seed: (sim) => seedWorld(sim, 'gitlab'), jobsConfig: () => jobsConfig('gitlab') });
    await poll(h, 'report-pipeline-failures'); // sets the cursor (no updated_after yet)
    const first = await poll(h, 'report-pipeline-failures');
    const again = await poll(h, 'report-pipeline-failures');
    expect(again.status).toBe(first.status);
    expect(again.summary).toBe(first.summary);
    expect(again.requests.map((r) => r.status)).toEqual(again.requests.map(() => 304));
    expect(total(again.points)).toBe(again.requests.length);
  });
});

const pgUrl = pgTestUrl('ETags in the PostgreSQL store');
const schemas: string[] = [];

afterAll(async () => {
  if (!pgUrl || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe.skipIf(!pgUrl)('conditional requests with the PostgreSQL store', () => {
  it('one-shot runs find the ETags in PostgreSQL', async () => {
    const schema = `t_etag_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    const url = schemaUrl(pgUrl!, schema);
    h = await jobHarness({
      seed: (sim) => seedWorld(sim, 'github'),
      jobsConfig: () => jobsConfig('github'),
      extra: () => ({ store: { url } }),
    });
    await poll(h, 'report-pipeline-failures');
    clearProcessEtagMemory();
    await h.restart();
    const again = await poll(h, 'report-pipeline-failures');
    expect(again.status).toBe('noop');
    expect(again.points).toEqual({ core: 0 });
  });
});
