import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunWriteError, TransientError } from '../../../src/errors.js';
import type { Forge } from '../../../src/forges/types.js';
import { rateLimitWaitMs } from '../../../src/forges/http.js';
import { githubState, throttleGithub } from '../../../packages/forge-sandbox/src/github/index.js';
import { adapterFixture, PROJECT, type AdapterFixture } from './helpers.js';

describe('GitHub adapter: dry-run, retries, Retry-After, token host guard', () => {
  let f: AdapterFixture;
  let sha: string;
  beforeAll(async () => {
    f = await adapterFixture({ ciEnabled: false });
    sha = (await f.sim.project('github', PROJECT).repo.branchSha('main'))!;
    await f.sim.push({ forge: 'github', project: PROJECT, branch: 'topic', files: { t: '1' }, message: 't' });
    await f.forge.changeRequests.create(PROJECT, {
      sourceBranch: 'topic',
      targetBranch: 'main',
      title: 'T',
      description: '',
    });
  });
  afterAll(() => f.sim.close());

  it('refuses every write in dry-run before sending anything', async () => {
    const d: Forge = f.dry;
    const writes: [string, () => Promise<unknown>][] = [
      ['createBranch', () => d.repo.createBranch(PROJECT, 'x', 'main')],
      ['deleteBranch', () => d.repo.deleteBranch(PROJECT, 'topic')],
      ['updateBranch', () => d.repo.updateBranch(PROJECT, 'topic', sha, { force: true })],
      [
        'commitFiles',
        () =>
          d.repo.commitFiles(PROJECT, {
            branch: 'topic',
            message: 'x',
            actions: [{ action: 'delete', path: 't' }],
          }),
      ],
      [
        'cr.create',
        () =>
          d.changeRequests.create(PROJECT, {
            sourceBranch: 'topic',
            targetBranch: 'main',
            title: 'x',
            description: '',
          }),
      ],
      ['cr.update', () => d.changeRequests.update(PROJECT, 1, { title: 'x' })],
      ['cr.merge', () => d.changeRequests.merge(PROJECT, 1, { sha })],
      ['cr.enableAutoMerge', () => d.changeRequests.enableAutoMerge(PROJECT, 1, { sha })],
      ['cr.approve', () => d.changeRequests.approve(PROJECT, 1, { sha })],
      ['notes.create', () => d.notes.create(PROJECT, { kind: 'issue', iid: 1 }, 'x')],
      ['notes.update', () => d.notes.update(PROJECT, { kind: 'issue', iid: 1 }, 1, 'x')],
      ['issues.create', () => d.issues.create(PROJECT, { title: 'x', description: '' })],
      ['issues.update', () => d.issues.update(PROJECT, 1, { title: 'x' })],
      ['labels.ensure', () => d.labels.ensure(PROJECT, { name: 'x', color: '#000000' })],
      ['ci.retryJob', () => d.ci.retryJob(PROJECT, 1)],
      ['ci.retryPipeline', () => d.ci.retryPipeline(PROJECT, 1)],
      ['ci.playJob', () => d.ci.playJob(PROJECT, 1)],
      ['deployments.create', () => d.deployments.create(PROJECT, { environment: 'e', ref: 'main', sha })],
      ['packages.upload', () => d.packages.upload(PROJECT, 'p', '1', 'f', new Blob(['x']).stream(), 1)],
    ];
    const since = f.sim.mark();
    for (const [name, call] of writes) await expect(call(), name).rejects.toBeInstanceOf(DryRunWriteError);
    expect(f.sim.requests({ since })).toEqual([]);
    // Reads still work in dry-run.
    expect((await d.repo.getProject(PROJECT)).path).toBe(PROJECT);
    expect(f.sim.requests({ since }).every((r) => r.method === 'GET')).toBe(true);
  });

  it('honours Retry-After on an injected 429, then succeeds; the log counts both', async () => {
    const waits: number[] = [];
    const forge = f.make({ http: { retries: 2, backoffMs: 1, sleep: async (ms) => void waits.push(ms) } });
    const since = f.sim.mark();
    f.sim.addFault({
      forge: 'github',
      route: 'GET /repos/:owner/:repo',
      rateLimitRate: 1,
      retryAfterSeconds: 2,
      times: 1,
    });
    expect((await forge.repo.getProject(PROJECT)).path).toBe(PROJECT);
    expect(waits).toEqual([2000]);
    expect(f.sim.requests({ since }).map((r) => [r.status, r.fault ?? null])).toEqual([
      [429, 'rate_limit'],
      [200, null],
    ]);
    f.sim.clearFaults();
  });

  it('waits out GitHub’s secondary limits answered as 403 (retry-after, x-ratelimit-reset, message only), never a permission error', async () => {
    const waits: number[] = [];
    const forge = f.make({ http: { retries: 3, backoffMs: 1, sleep: async (ms) => void waits.push(ms) } });
    const route = 'GET /repos/:owner/:repo';
    throttleGithub(f.sim.world, { kind: 'secondary-retry-after', status: 403, seconds: 5, route });
    throttleGithub(f.sim.world, { kind: 'secondary-reset', status: 403, seconds: 30, route });
    throttleGithub(f.sim.world, { kind: 'primary', status: 429, seconds: 20, route });
    const since = f.sim.mark();
    expect((await forge.repo.getProject(PROJECT)).path).toBe(PROJECT);
    expect(f.sim.requests({ since }).map((r) => r.status)).toEqual([403, 403, 429, 200]);
    expect(waits[0]).toBe(5000);
    // until x-ratelimit-reset (epoch seconds on the wall clock)
    expect(waits[1]).toBeGreaterThan(25_000);
    expect(waits[1]).toBeLessThanOrEqual(31_000);
    expect(waits[2]).toBeGreaterThan(15_000);

    // A longer wait than the run may spend surfaces as transient (the run is retried later), not as 403.
    const impatient = f.make({ http: { retries: 3, maxRetryAfterMs: 1000, sleep: async () => {} } });
    throttleGithub(f.sim.world, { kind: 'secondary-retry-after', status: 403, seconds: 120, route });
    const refused = impatient.repo.getProject(PROJECT);
    await expect(refused).rejects.toBeInstanceOf(TransientError);
    await expect(refused).rejects.toThrow(/answered 403/);

    // A plain 403 (no rate-limit headers or message) is still a permission answer, not retried.
    const plain = new Response(JSON.stringify({ message: 'Must have admin rights to Repository.' }), {
      status: 403,
    });
    expect(await rateLimitWaitMs(plain)).toBeUndefined();
    const messageOnly = new Response(
      JSON.stringify({ message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' }),
      { status: 403 },
    );
    expect(await rateLimitWaitMs(messageOnly)).toBe(60_000);
  });

  it('retries 5xx, and after the last attempt surfaces a TransientError (not an Octokit 500)', async () => {
    const forge = f.make({ http: { retries: 1, backoffMs: 1 } });
    f.sim.addFault({
      forge: 'github',
      route: 'GET /repos/:owner/:repo/branches/:branch*',
      errorRate: 1,
      statuses: [503],
      times: 1,
    });
    expect((await forge.repo.getBranch(PROJECT, 'main'))?.sha).toBe(sha);
    f.sim.addFault({
      forge: 'github',
      route: 'GET /repos/:owner/:repo/branches/:branch*',
      errorRate: 1,
      statuses: [502],
      times: 2,
    });
    const failing = forge.repo.getBranch(PROJECT, 'main');
    await expect(failing).rejects.toBeInstanceOf(TransientError);
    await expect(failing).rejects.toThrow(/answered 502 \(after 2 attempts\)/);
    f.sim.clearFaults();
  });

  it('never sends the token to another host on a redirect', async () => {
    await f.forge.packages.upload(PROJECT, 'pkg', '1.0.0', 'a.bin', new Blob(['abc']).stream(), 3);
    // Release asset downloads redirect to a storage host; point it at the GitLab listener's origin.
    githubState(f.sim.world).assetStorageOrigin = f.sim.gitlab.url;
    const since = f.sim.mark();
    await expect(f.forge.packages.download(PROJECT, 'pkg', '1.0.0', 'a.bin')).rejects.toMatchObject({
      status: 404,
    });
    const log = f.sim.requests({ since });
    const asset = log.find((r) => r.forge === 'github' && r.path.includes('/releases/assets/'))!;
    const storage = log.find((r) => r.forge === 'gitlab')!;
    expect(asset).toMatchObject({ status: 302, authenticated: true });
    expect(storage).toMatchObject({ method: 'GET', authenticated: false });
    expect(storage.path).toMatch(/^\/_objects\/release-assets\//);
    // Control: the GitLab listener would have seen a leaked `Authorization: Bearer` header.
    const control = f.sim.mark();
    await fetch(`${f.sim.gitlab.url}${storage.path}`, { headers: { authorization: `Bearer ${f.botToken}` } });
    expect(f.sim.requests({ since: control })[0]).toMatchObject({ forge: 'gitlab', authenticated: true });
    githubState(f.sim.world).assetStorageOrigin = null;
  });
});
