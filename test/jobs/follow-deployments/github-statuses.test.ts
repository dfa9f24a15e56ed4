import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpBranch, BUMP_MARKER_KIND } from '../../../src/domain/bump.js';
import type { Forge } from '../../../src/forges/types.js';
import { marker } from '../../../src/kit/marker.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { forgeAs, mergeInSimulator } from './world.js';

/**
 * GitHub's own deployment flow: a deployment is created (pending), then gets `in_progress`, then
 * `success` statuses from whoever deploys. The bump arrives only with `success`; while the
 * deployment is unfinished each poll asks its status once more, and after that an idle poll is
 * one request per environment again.
 */

const APP = 'org/app';
const JOB = 'follow-deployments';

describe('follow-deployments on GitHub deployment statuses', () => {
  let h: JobHarness;
  let bot: Forge;
  let iid = 0;
  let merged = '';

  async function setStatus(id: number, state: string): Promise<void> {
    const response = await fetch(`${h.sim.github.apiUrl}/repos/${APP}/deployments/${id}/statuses`, {
      method: 'POST',
      headers: { authorization: `token ${h.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state, log_url: `https://ci.example.com/deploys/${id}` }),
    });
    expect(response.status).toBe(201);
    await h.sim.advance(60_000);
  }

  beforeAll(async () => {
    h = await jobHarness({
      seed: async (sim) => {
        await sim.createProject({
          forge: 'github',
          path: 'org/gitaly',
          members: ['release-bot'],
          ciEnabled: false,
        });
        await sim.createProject({
          forge: 'github',
          path: APP,
          members: ['release-bot'],
          files: { GITALY_SERVER_VERSION: 'x\n' },
          ciEnabled: false,
        });
      },
      jobsConfig: () => ({
        [JOB]: {
          forge: 'github',
          project: APP,
          environments: [
            { name: 'staging', label: 'workflow::staging' },
            { name: 'production', label: 'workflow::production' },
          ],
          components: [
            { name: 'gitaly', source: { forge: 'github', project: 'org/gitaly' }, recordDeployments: true },
          ],
        },
      }),
    });
    bot = forgeAs(h.sim, 'github', h.botToken);
    const to = (await h.sim.project('github', 'org/gitaly').repo.branchSha('main'))!;
    await h.sim.push({
      forge: 'github',
      project: APP,
      branch: bumpBranch('gitaly'),
      files: { GITALY_SERVER_VERSION: `${to}\n` },
      message: 'Update gitaly',
      username: 'release-bot',
    });
    const mr = await bot.changeRequests.create(APP, {
      sourceBranch: bumpBranch('gitaly'),
      targetBranch: 'main',
      title: 'Update gitaly version',
      description: marker(BUMP_MARKER_KIND, { component: 'gitaly', sha: to, from: null }),
    });
    iid = mr.iid;
    await mergeInSimulator(h.sim, 'github', APP, mr.iid, 'release-bot');
    merged = (await h.sim.project('github', APP).repo.branchSha('main'))!;
    await h.sim.advance(60_000);
    await h.run(JOB);
  });
  afterAll(() => h?.close());

  it('arrives with the success status, not before; an idle poll is one request per environment again', async () => {
    const created = await bot.deployments.create(APP, { environment: 'staging', ref: 'main', sha: merged });
    await h.sim.advance(60_000);
    expect((await h.run(JOB)).run.status).toBe('noop');
    await setStatus(created.id, 'in_progress');
    let since = h.sim.mark();
    expect((await h.run(JOB)).run.status).toBe('noop');
    // The environment's page, plus the status of the deployment still running.
    expect(h.sim.requests({ since }).filter((r) => r.path.includes('/deployments'))).toHaveLength(3);
    await setStatus(created.id, 'success');
    const arrived = await h.run(JOB);
    expect(arrived.run.status, arrived.run.summary).toBe('ok');
    expect(arrived.run.summary).toContain('gitaly → staging');
    expect((await bot.changeRequests.get(APP, iid))!.labels).toContain('workflow::staging');
    since = h.sim.mark();
    expect((await h.run(JOB)).run.status).toBe('noop');
    expect(h.sim.requests({ since })).toHaveLength(2);
  });

  it('a run killed between the recorded deployment and its status finishes that one, adding none', async () => {
    // Read raw: every deployment of production on the component project with its newest status.
    const component = async () => {
      const api = `${h.sim.github.apiUrl}/repos/org/gitaly/deployments`;
      const headers = { authorization: `token ${h.botToken}` };
      const list = (await (await fetch(`${api}?environment=production`, { headers })).json()) as {
        id: number;
      }[];
      const states = [];
      for (const d of list) {
        const statuses = (await (await fetch(`${api}/${d.id}/statuses`, { headers })).json()) as {
          state: string;
        }[];
        states.push(statuses[0]?.state ?? 'none');
      }
      return states;
    };
    const d = await bot.deployments.create(APP, { environment: 'production', ref: 'main', sha: merged });
    await setStatus(d.id, 'success');
    // The status write on the component project fails past every retry: the run stops there.
    h.sim.addFault({
      forge: 'github',
      method: 'POST',
      route: 'POST /repos/:owner/:repo/deployments/:id/statuses',
      errorRate: 1,
      statuses: [500],
      times: 10,
    });
    const killed = await h.run(JOB);
    h.sim.clearFaults();
    expect(killed.run.status).toBe('failed');
    expect(await component()).toEqual(['none']);
    await h.restart();
    const again = await h.run(JOB);
    expect(again.run.status, again.run.summary).toBe('ok');
    expect(await component()).toEqual(['success']);
    expect((await h.run(JOB)).run.status).toBe('noop');
    expect(await component()).toEqual(['success']);
  });
});
