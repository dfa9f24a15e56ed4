import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFixture, PROJECT, type AdapterFixture } from './helpers.js';

describe('GitHub adapter: deployments', () => {
  let f: AdapterFixture;
  let sha: string;
  beforeAll(async () => {
    f = await adapterFixture({ ciEnabled: false });
    sha = (await f.sim.project('github', PROJECT).repo.branchSha('main'))!;
  });
  afterAll(() => f.sim.close());

  const setStatus = (id: number, state: string) =>
    fetch(`${f.sim.github.url}/repos/${PROJECT}/deployments/${id}/statuses`, {
      method: 'POST',
      headers: { authorization: `token ${f.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state, log_url: `https://ci.example/${id}` }),
    });

  it('creates a deployment of an exact sha, keeping the branch and version', async () => {
    const d = await f.forge.deployments.create(PROJECT, {
      environment: 'gstg',
      ref: 'main',
      sha,
      version: '17.6.0-rc1',
      description: 'rc1',
    });
    expect(d).toMatchObject({
      environment: 'gstg',
      ref: 'main',
      sha,
      status: 'created',
      version: '17.6.0-rc1',
      jobId: null,
    });
    expect(await f.forge.deployments.get(PROJECT, d.id)).toMatchObject({ id: d.id, status: 'created' });
    expect(await f.forge.deployments.get(PROJECT, 1)).toBeNull();
  });

  it('lists deployments of an environment with their latest status, filtered and sorted', async () => {
    const a = await f.forge.deployments.create(PROJECT, {
      environment: 'gprd',
      ref: 'main',
      sha,
      version: '17.5.0',
    });
    await setStatus(a.id, 'in_progress');
    await setStatus(a.id, 'success');
    await f.sim.advance(60_000);
    const b = await f.forge.deployments.create(PROJECT, {
      environment: 'gprd',
      ref: 'main',
      sha,
      version: '17.5.1',
    });
    await setStatus(b.id, 'failure');
    await f.sim.advance(60_000);
    const c = await f.forge.deployments.create(PROJECT, { environment: 'gprd', ref: 'main', sha });
    const list = await f.forge.deployments.list(PROJECT, { environment: 'gprd' });
    expect(list.map((d) => `${d.version}:${d.status}`)).toEqual([
      'main:created',
      '17.5.1:failed',
      '17.5.0:success',
    ]);
    expect(list[2]!.webUrl).toBe(`https://ci.example/${a.id}`);
    expect(
      (await f.forge.deployments.list(PROJECT, { environment: 'gprd', status: 'success' })).map((d) => d.id),
    ).toEqual([a.id]);
    expect(
      (await f.forge.deployments.list(PROJECT, { environment: 'gprd', sort: 'asc', limit: 2 })).map(
        (d) => d.id,
      ),
    ).toEqual([a.id, b.id]);
    expect(
      (await f.forge.deployments.list(PROJECT, { environment: 'gprd', limit: 1 })).map((d) => d.id),
    ).toEqual([c.id]);
    expect(await f.forge.deployments.list(PROJECT, { environment: 'nowhere' })).toEqual([]);
  });

  it('sees deployments made by the simulator (the CI engine) as successful', async () => {
    const d = await f.sim.deploy({ forge: 'github', project: PROJECT, environment: 'pre', ref: 'main' });
    expect(
      (await f.forge.deployments.list(PROJECT, { environment: 'pre' })).map((x) => [x.id, x.status]),
    ).toEqual([[d.id, 'success']]);
  });

  it('finishes its own half-recorded deployment after a kill between the two writes, and only its own', async () => {
    const env = 'gstg-rec';
    const count = async () =>
      (await f.forge.deployments.list(PROJECT, { environment: env, limit: 50 })).map((d) => [d.status, d.id]);
    // The deployment is written, then the status write never succeeds: the run dies there.
    f.sim.addFault({
      forge: 'github',
      method: 'POST',
      route: 'POST /repos/:owner/:repo/deployments/:id/statuses',
      errorRate: 1,
      statuses: [500],
      times: 3,
    });
    await expect(
      f.forge.deployments.record(PROJECT, { environment: env, ref: 'main', sha }),
    ).rejects.toThrow();
    const half = await count();
    expect(half).toEqual([['created', expect.any(Number)]]);
    // Someone else's deployment of that sha with our payload mark and no status, and our own of
    // that sha in another environment: neither is finished in its place.
    const post = (token: string, environment: string) =>
      fetch(`${f.sim.github.url}/repos/${PROJECT}/deployments`, {
        method: 'POST',
        headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ref: sha, environment, payload: { recordedByReleaseBot: true } }),
      }).then(async (r) => ((await r.json()) as { id: number }).id);
    const foreign = { id: await post(f.aliceToken, env) };
    await post(f.botToken, 'elsewhere');
    const recorded = await f.forge.deployments.record(PROJECT, { environment: env, ref: 'main', sha });
    expect(recorded.id).toBe(half[0]![1]);
    expect(recorded.status).toBe('success');
    expect((await count()).sort()).toEqual(
      [
        ['success', recorded.id],
        ['created', foreign.id],
      ].sort(),
    );
    // Recording again (a finished record exists) writes a new one: GitHub has no "same deployment" rule.
    const again = await f.forge.deployments.record(PROJECT, { environment: env, ref: 'main', sha });
    expect(again.id).not.toBe(recorded.id);
    // A caller that saw no statusless deployment of the sha spares the look: two writes, no read.
    const since = f.sim.mark();
    await f.forge.deployments.record(PROJECT, { environment: env, ref: 'main', sha, unfinished: false });
    expect(f.sim.requests({ since }).map((r) => r.method)).toEqual(['POST', 'POST']);
  });
});
