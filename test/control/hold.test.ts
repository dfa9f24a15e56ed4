import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHold, holdComponent, releaseComponent } from '../../src/control/holds.js';
import { marker } from '../../src/kit/marker.js';
import type { SimForge } from '../../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';

/**
 * Hold a version, on both forges, through the real SDK clients against the simulator: a person
 * closes the bot's bump MR → the component is held at its version (no new MR at the same commit,
 * no write), across a restart, until a newer green commit appears. `onClose: reopen` opens it
 * again; a closure the bot made itself does not hold; `release` and a manual hold work too.
 */

const HOUR = 3_600_000;

function api(sim: Simulator, forge: SimForge) {
  const base = forge === 'gitlab' ? `${sim.gitlab.url}/api/v4` : sim.github.apiUrl;
  const headers = (token: string): Record<string, string> => ({
    'content-type': 'application/json',
    ...(forge === 'gitlab' ? { 'private-token': token } : { authorization: `token ${token}` }),
  });
  return async (token: string, method: string, path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: headers(token),
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  };
}

describe.each(['gitlab', 'github'] as const)('hold a version on %s', (forge) => {
  let h: JobHarness;
  let alice = '';
  let botToken = '';
  const green: string[] = [];

  const project = () => h.sim.project(forge, 'org/app');
  const mrs = () =>
    h.sim.world.mergeRequests.filter((m) => m.projectId === project().id).sort((a, b) => a.iid - b.iid);
  const open = () => mrs().filter((m) => m.state === 'opened');
  const writes = (since: number) =>
    h.sim
      .requests({ since, forge })
      .filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && r.route !== 'POST /graphql');

  async function closeAs(token: string, iid: number): Promise<void> {
    const call = api(h.sim, forge);
    if (forge === 'gitlab')
      await call(token, 'PUT', `/projects/${project().id}/merge_requests/${iid}`, { state_event: 'close' });
    else await call(token, 'PATCH', `/repos/org/app/pulls/${iid}`, { state: 'closed' });
  }

  async function pushGreen(file: string): Promise<string> {
    const sha = await h.sim.push({
      forge,
      project: 'org/gitaly',
      files: { [file]: file },
      message: `Add ${file}`,
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    green.push(sha);
    return sha;
  }

  beforeAll(async () => {
    h = await jobHarness({
      seed: async (sim, token) => {
        botToken = token;
        alice = sim.createUser('alice').token;
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
          members: ['release-bot:30', 'alice:40'],
          files: { VERSION: `${root}\n` },
        });
      },
      jobsConfig: () => ({
        'update-component': {
          components: [
            {
              name: 'gitaly',
              source: { forge, project: 'org/gitaly' },
              target: { forge, project: 'org/app', versionFile: 'VERSION' },
              autoMerge: false,
              onClose: 'hold',
            },
          ],
        },
      }),
    });
  });
  afterAll(() => h?.close());

  it('closing the bot MR holds the component at its version, across a restart, with no write', async () => {
    const c2 = await pushGreen('a.go');
    expect((await h.run('update-component')).run.status).toBe('ok');
    expect(open().map((m) => m.iid)).toEqual([1]);

    await closeAs(alice, 1);
    const since = h.sim.mark();
    const { run } = await h.run('update-component');
    expect(run.status).toBe('noop');
    expect(run.summary).toContain(`held at ${c2.slice(0, 11)}`);
    expect(run.summary).toContain('MR !1 was closed without merging');
    expect(open()).toEqual([]);
    expect(writes(since)).toEqual([]);
    expect(await getHold(h.app.store, 'gitaly')).toMatchObject({ sha: c2, via: 'job', mr: { iid: 1 } });

    await h.restart();
    const again = h.sim.mark();
    expect((await h.run('update-component')).run.summary).toContain('held at');
    expect(open()).toEqual([]);
    expect(writes(again)).toEqual([]);
    // A dry run shows the hold too, and writes nothing.
    expect((await h.run('update-component', { dryRun: true })).run.summary).toContain('held at');
  });

  it('a newer green commit ends the hold: a fresh MR for it', async () => {
    const c3 = await pushGreen('b.go');
    const { run } = await h.run('update-component');
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('the hold at');
    expect(open()).toHaveLength(1);
    expect(open()[0]!.title).toBeDefined();
    expect(await getHold(h.app.store, 'gitaly')).toBeNull();
    const head = open()[0]!;
    expect(head.description).toContain(c3.slice(0, 11));
  });

  it('a closure the bot made itself (explained in its note) does not hold', async () => {
    const mr = open()[0]!;
    const call = api(h.sim, forge);
    const body = `Closed by the bot.\n${marker('report-pipeline-failures', { closed: mr.headSha })}`;
    if (forge === 'gitlab')
      await call(botToken, 'POST', `/projects/${project().id}/merge_requests/${mr.iid}/notes`, { body });
    else await call(botToken, 'POST', `/repos/org/app/issues/${mr.iid}/comments`, { body });
    await closeAs(botToken, mr.iid);
    const { run } = await h.run('update-component');
    expect(run.status).toBe('ok');
    expect(open()).toHaveLength(1);
    expect(await getHold(h.app.store, 'gitaly')).toBeNull();
  });

  it('release takes the closed commit after all; a manual hold without --sha holds the latest green', async () => {
    const closed = open()[0]!;
    await closeAs(alice, closed.iid);
    expect((await h.run('update-component')).run.summary).toContain('held at');
    expect(await releaseComponent(h.app.store, 'gitaly')).toMatchObject({ mr: { iid: closed.iid } });
    expect((await h.run('update-component')).run.status).toBe('ok');
    expect(open()).toHaveLength(1);
    expect(open()[0]!.iid).toBeGreaterThan(closed.iid);

    await holdComponent(h.app.store, 'gitaly', {
      sha: null,
      reason: 'breaks Geo',
      by: 'carol',
      via: 'cli',
      at: new Date().toISOString(),
    });
    const c4 = await pushGreen('c.go');
    const since = h.sim.mark();
    const { run } = await h.run('update-component');
    expect(run.summary).toContain(`held at ${c4.slice(0, 11)} (held by carol: breaks Geo)`);
    expect(writes(since)).toEqual([]);
    expect((await getHold(h.app.store, 'gitaly'))?.sha).toBe(c4);
    await pushGreen('d.go');
    expect((await h.run('update-component')).run.summary).toContain(`the hold at ${c4.slice(0, 11)} ended`);
    expect(await getHold(h.app.store, 'gitaly')).toBeNull();
  });

  it('onClose: reopen opens a new MR at the same commit', async () => {
    const path = join(h.dir, 'release-bot.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('onClose: hold', 'onClose: reopen'));
    await h.restart();
    const before = open();
    expect(before).toHaveLength(1);
    await closeAs(alice, before[0]!.iid);
    expect((await h.run('update-component')).run.status).toBe('ok');
    expect(open()).toHaveLength(1);
    expect(open()[0]!.iid).toBeGreaterThan(before[0]!.iid);
  });
});
