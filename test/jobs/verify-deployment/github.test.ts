import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import {
  clockOf,
  deployVersion,
  startServices,
  testJob,
  watched,
  type Services,
  type SimRef,
} from './fixtures.js';

/**
 * verify-deployment on GitHub, through @octokit/rest against the simulator: the version is the
 * deployment payload's, and a rollback is a new deployment of the previous good sha for the
 * deploy workflow — created once, and verified like any deploy once the workflow reports it.
 */

const REPO = 'acme/web';
const JOB = 'verify-deployment';

describe('verify-deployment on GitHub', () => {
  const ref: SimRef = {};
  let h: JobHarness;
  let s: Services;

  function live(version: string | null) {
    s.service.set('/healthz', version ? { status: 200, body: { version } } : { status: 500 });
  }

  function deploymentPosts(since: number) {
    return h.sim
      .requests({ since, forge: 'github' })
      .filter((r) => r.method !== 'GET' && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.route}`);
  }

  beforeAll(async () => {
    s = await startServices(clockOf(ref));
    h = await jobHarness({
      jobs: [testJob(ref)],
      seed: async (sim) => {
        ref.sim = sim;
        await sim.createProject({
          forge: 'github',
          path: REPO,
          defaultBranch: 'main',
          members: ['release-bot'],
          ciEnabled: false,
          files: { 'README.md': '# web\n' },
        });
      },
      jobsConfig: () => ({
        [JOB]: {
          window: '1m',
          interval: '30s',
          rollback: 'auto',
          targets: [
            {
              forge: 'github',
              project: REPO,
              environment: 'production',
              health: {
                checks: [{ url: `${s.service.url}/healthz`, json: { path: 'version', equals: '{version}' } }],
              },
              checkPostDeployMigrations: false,
            },
          ],
        },
      }),
    });
    await deployVersion(h.sim, {
      forge: 'github',
      project: REPO,
      environment: 'production',
      version: 'v1.0.0',
    });
    expect((await h.run(JOB)).run.status).toBe('noop');
  });
  afterAll(async () => {
    await h.close();
    await s.close();
  });

  it('passes a good deploy, reading the version from the deployment payload', async () => {
    await deployVersion(h.sim, {
      forge: 'github',
      project: REPO,
      environment: 'production',
      version: 'v1.1.0',
    });
    live('v1.1.0');
    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    expect(run.summary).toMatch(/production #\d+ \(v1\.1\.0, [0-9a-f]{11}\) passed/);
    expect(validateBlockKit(h.slack.messages.at(-1)!.payload)).toEqual([]);
  });

  it('rolls back a bad deploy with one new deployment of the previous sha, once', async () => {
    const good = h.sim.world.deployments.at(-1)!;
    const bad = await deployVersion(h.sim, {
      forge: 'github',
      project: REPO,
      environment: 'production',
      version: 'v1.2.0',
    });
    live('v1.1.0'); // the new version never went live
    h.slack.clear();
    const since = h.sim.mark();
    const { run, result } = await h.run(JOB);
    expect(run.summary).toContain('FAILED (health');
    expect(watched(result)[0]!.rollback?.kind).toBe('create-deployment');
    expect(deploymentPosts(since)).toEqual([expect.stringMatching(/^POST .*deployments$/)]);
    const rollback = h.sim.world.deployments.at(-1)!;
    expect(rollback.id).toBeGreaterThan(bad.id);
    expect(rollback.sha).toBe(good.sha);
    expect(rollback.payload).toMatchObject({ version: 'v1.1.0' });
    const text = JSON.stringify(h.slack.messages[0]!.payload);
    expect(text).toContain('through a new deployment of its commit');
    expect(text).toContain('expected \\"v1.2.0\\" (the new version is not live)');

    // Again, and asked by hand: the newer deployment shows the rollback is under way.
    const again = h.sim.mark();
    expect((await h.run(JOB)).run.status).toBe('noop');
    // a poll reads the newest few deployments, each with its status: cheap enough every minute
    expect(h.sim.requests({ since: again }).length).toBeLessThanOrEqual(6);
    const asked = await h.run(JOB, {
      args: { environment: 'production', deployment: String(bad.id), rollback: true },
    });
    expect(asked.run.summary).toContain('already rolled back');
    await h.app.store.deleteState(JOB, `rollback:production:${bad.id}`);
    const forgotten = await h.run(JOB, {
      args: { environment: 'production', deployment: String(bad.id), rollback: true },
    });
    expect(forgotten.run.summary).toContain('a newer deployment');
    expect(deploymentPosts(again)).toEqual([]);
  });

  it('verifies the rollback once the deploy workflow reports it', async () => {
    const rollback = h.sim.world.deployments.at(-1)!;
    // what the deploy workflow does when it is done
    const response = await fetch(`${h.sim.github.apiUrl}/repos/${REPO}/deployments/${rollback.id}/statuses`, {
      method: 'POST',
      headers: { authorization: `token ${h.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', environment: 'production' }),
    });
    expect(response.status).toBe(201);
    const { run } = await h.run(JOB);
    expect(run.summary).toMatch(
      new RegExp(`production #${rollback.id} \\(v1\\.1\\.0, [0-9a-f]{11}\\) passed`),
    );
  });
});
