import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunWriteError, ForgeError, TransientError } from '../../../src/errors.js';
import { createGitlabClient } from '../../../src/forges/gitlab/client.js';
import type { Forge } from '../../../src/forges/types.js';
import { setup, type AdapterFixture } from './helpers.js';

describe('GitLab adapter: HTTP path, dry-run and errors', () => {
  let fx: AdapterFixture;
  beforeAll(async () => {
    fx = await setup();
    await fx.sim.push({
      forge: 'gitlab',
      project: 'org/app',
      branch: 'topic',
      files: { t: 't' },
      message: 'topic',
    });
  });
  afterAll(() => fx.close());

  it('dry-run: every write method refuses and no non-GET request reaches the server', async () => {
    const dry = fx.make({ dryRun: true });
    const sha = (await dry.repo.getBranch('org/app', 'main'))!.sha;
    const stream = () => new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    const writes: [string, (f: Forge) => Promise<unknown>][] = [
      ['createBranch', (f) => f.repo.createBranch('org/app', 'x', 'main')],
      ['deleteBranch', (f) => f.repo.deleteBranch('org/app', 'topic')],
      ['updateBranch', (f) => f.repo.updateBranch('org/app', 'topic', sha, { force: true })],
      [
        'commitFiles',
        (f) =>
          f.repo.commitFiles('org/app', {
            branch: 'x',
            message: 'm',
            actions: [{ action: 'delete', path: 'VERSION' }],
          }),
      ],
      [
        'cr.create',
        (f) =>
          f.changeRequests.create('org/app', {
            sourceBranch: 'topic',
            targetBranch: 'main',
            title: 't',
            description: '',
          }),
      ],
      ['cr.update', (f) => f.changeRequests.update('org/app', 1, { title: 't' })],
      ['cr.merge', (f) => f.changeRequests.merge('org/app', 1, { sha })],
      ['cr.enableAutoMerge', (f) => f.changeRequests.enableAutoMerge('org/app', 1, { sha })],
      ['cr.approve', (f) => f.changeRequests.approve('org/app', 1, { sha })],
      ['notes.create', (f) => f.notes.create('org/app', { kind: 'issue', iid: 1 }, 'b')],
      ['notes.update', (f) => f.notes.update('org/app', { kind: 'issue', iid: 1 }, 1, 'b')],
      ['issues.create', (f) => f.issues.create('org/app', { title: 't', description: '' })],
      ['issues.update', (f) => f.issues.update('org/app', 1, { state: 'close' })],
      ['labels.ensure', (f) => f.labels.ensure('org/app', { name: 'l', color: '#ffffff' })],
      ['ci.retryJob', (f) => f.ci.retryJob('org/app', 1)],
      ['ci.retryPipeline', (f) => f.ci.retryPipeline('org/app', 1)],
      ['ci.playJob', (f) => f.ci.playJob('org/app', 1)],
      ['deployments.create', (f) => f.deployments.create('org/app', { environment: 'e', ref: 'main', sha })],
      ['packages.upload', (f) => f.packages.upload('org/app', 'p', '1.0.0', 'f', stream(), 0)],
    ];
    const since = fx.sim.mark();
    for (const [name, write] of writes) {
      const error = await write(dry).then(
        () => new Error(`${name} wrote in dry-run`),
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(DryRunWriteError);
    }
    expect(fx.sim.requests({ since }).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(fx.sim.requests({ since })).toEqual([]);
    // The HTTP layer refuses non-GET on its own too (a bug that skipped the method check).
    const client = createGitlabClient({
      name: 'gitlab-sim',
      url: fx.sim.gitlab.url,
      token: fx.token,
      dryRun: true,
    });
    await expect(
      client.fetch(`${fx.sim.gitlab.url}/api/v4/projects/org%2Fapp/labels`, { method: 'POST', body: '{}' }),
    ).rejects.toBeInstanceOf(DryRunWriteError);
    await expect(client.api.ProjectLabels.create('org/app', 'l', '#ffffff')).rejects.toBeInstanceOf(
      DryRunWriteError,
    );
    // Reads still work.
    expect((await dry.repo.getProject('org/app')).path).toBe('org/app');
  });

  it('404 on single lookups → null; other errors → ForgeError with status, forge and route', async () => {
    expect(await fx.forge.repo.getBranch('org/app', 'nope')).toBeNull();
    expect(await fx.forge.changeRequests.get('org/app', 77)).toBeNull();
    expect(await fx.forge.issues.get('org/app', 77)).toBeNull();
    expect(await fx.forge.ci.getPipeline('org/app', 77)).toBeNull();
    const stranger = fx.sim.createUser('stranger').token;
    const error = await fx
      .make({ token: stranger })
      .repo.getProject('org/app')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForgeError);
    expect(error).toMatchObject({
      status: 404,
      forge: 'gitlab-sim',
      route: 'GET /api/v4/projects/org/app',
      body: { message: '404 Project Not Found' },
    });
    expect((error as Error).message).not.toContain(stranger);
    const bad = await fx
      .make({ token: 'not-a-token' })
      .currentUser()
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 401 });
  });

  it('honours Retry-After on an injected 429, then succeeds', async () => {
    const delays: number[] = [];
    const forge = fx.make({ http: { sleep: async (ms) => void delays.push(ms) } });
    fx.sim.addFault({
      forge: 'gitlab',
      route: 'GET /api/v4/projects/:id/repository/branches/:branch',
      rateLimitRate: 1,
      retryAfterSeconds: 7,
      times: 1,
    });
    const since = fx.sim.mark();
    expect((await forge.repo.getBranch('org/app', 'main'))!.name).toBe('main');
    expect(delays).toEqual([7000]);
    expect(fx.sim.requests({ since }).map((r) => [r.status, r.fault])).toEqual([
      [429, 'rate_limit'],
      [200, undefined],
    ]);
    fx.sim.clearFaults();
  });

  it('a TransientError from the HTTP path passes through unchanged after retries', async () => {
    const forge = fx.make({ http: { retries: 2, sleep: async () => undefined } });
    fx.sim.addFault({ forge: 'gitlab', route: /merge_requests/, errorRate: 1, statuses: [503] });
    const since = fx.sim.mark();
    const error = await forge.changeRequests
      .list('org/app', { sourceBranch: 'topic' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('503');
    expect(fx.sim.requests({ since })).toHaveLength(3);
    fx.sim.clearFaults();
  });
});
