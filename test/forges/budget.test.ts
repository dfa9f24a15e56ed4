import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../src/errors.js';
import {
  DeferredReadError,
  lowPriority,
  rateBudget,
  runSpend,
  type RateBudget,
} from '../../src/forges/budget.js';
import { withDeferredReads } from '../../src/forges/deferred-reads.js';
import { createGithubForge } from '../../src/forges/github/index.js';
import { createGitlabForge } from '../../src/forges/gitlab/index.js';
import { createForgeFetch } from '../../src/forges/http.js';
import type { Forge } from '../../src/forges/types.js';
import { throttleGithub } from '../../packages/forge-sandbox/src/github/index.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The rate-limit budget: both forges' headers read into it, low-priority reads deferred (and
 * said so in the run's result) when it cannot cover the rest of the run, a used-up limit and
 * GitHub's secondary limits waited out (bounded, abortable), never reported as a permission
 * problem. Real SDK clients over HTTP against the simulator; waits go through an injected sleep.
 */

let sim: Simulator;
let token: string;
const tmp = tempDir('release-bot-budget-');

beforeAll(async () => {
  sim = await startSimulator({ dir: tmp.dir });
  token = sim.createUser('release-bot', { name: 'Release Bot', bot: true }).token;
  await sim.createProject({ forge: 'github', path: 'org/app', members: ['release-bot'] });
  await sim.createProject({ forge: 'gitlab', path: 'org/app', members: ['release-bot'] });
});
afterAll(async () => {
  await sim.close();
  tmp.cleanup();
});

interface Made {
  forge: Forge;
  budget: RateBudget;
  waits: number[];
  spend: ReturnType<typeof runSpend>;
}

function github(options: { signal?: AbortSignal; expected?: number } = {}): Made {
  const budget = rateBudget();
  const waits: number[] = [];
  const spend = runSpend('github', options.expected);
  const forge = createGithubForge({
    name: 'github',
    url: sim.github.url,
    apiUrl: sim.github.apiUrl,
    token,
    dryRun: false,
    http: {
      retries: 2,
      signal: options.signal,
      rate: { budget, spend },
      sleep: async (ms, signal) => {
        waits.push(ms);
        if (signal?.aborted) throw signal.reason;
      },
    },
  });
  return { forge, budget, waits, spend };
}

describe('reading the budget', () => {
  it('takes GitHub’s x-ratelimit-* per resource and GitLab’s RateLimit-*', async () => {
    const gh = github();
    await gh.forge.repo.getProject('org/app');
    const core = gh.budget.snapshot('core')!;
    expect(core.limit).toBe(5000);
    expect(core.remaining).toBeLessThan(5000);
    expect(core.resetAt).toBeGreaterThan(Date.now());
    await gh.forge.ci.branchChecks('org/app', 'main', 5);
    expect(gh.budget.snapshot('graphql')?.limit).toBe(5000);

    const budget = rateBudget();
    const gl = createGitlabForge({
      name: 'gitlab',
      url: sim.gitlab.url,
      token,
      dryRun: false,
      http: { rate: { budget } },
    });
    await gl.repo.getProject('org/app');
    expect(budget.snapshot()).toMatchObject({ limit: 2000 });
    expect(budget.snapshot()!.remaining).toBeLessThan(2000);
  });
});

describe('low-priority reads', () => {
  it('are sent while the budget covers the rest of the run', async () => {
    const gh = github({ expected: 10 });
    await gh.forge.repo.getProject('org/app');
    const runs = await lowPriority('the pipelines', () => gh.forge.ci.listPipelines('org/app', { limit: 1 }));
    expect(runs).toEqual([]);
    expect(gh.spend.deferred).toEqual([]);
  });

  it('are deferred, without a request, when it does not; the run’s result says so', async () => {
    const gh = github({ expected: 100 });
    await gh.forge.repo.getProject('org/app');
    // The forge says 40 are left: the run expects 99 more.
    const reset = Math.ceil(Date.now() / 1000) + 600;
    gh.budget.observe(
      new Headers({
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '40',
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-resource': 'core',
      }),
    );
    const since = sim.mark();
    const error = await lowPriority('the pipeline of org/app!1', () =>
      gh.forge.ci.listPipelines('org/app', { limit: 1 }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeferredReadError);
    expect(sim.requests({ since })).toEqual([]);
    // An ordinary read still goes out.
    await gh.forge.repo.getProject('org/app');
    const result = withDeferredReads<{ summary: string; details?: Record<string, unknown> }>(
      { summary: 'app: up to date' },
      [gh.spend],
    );
    expect(result.summary).toMatch(
      /^app: up to date; deferred 1 low-priority read\(s\) on github \(\d+ of 5000 requests left until .*, the run expects \d+ more\)$/,
    );
    expect(result.details).toMatchObject({
      deferredReads: [{ forge: 'github', reads: ['the pipeline of org/app!1'] }],
    });
  });
});

describe('waiting out rate limits', () => {
  it('a GitHub secondary limit (403 with retry-after) is waited out, not a permission problem', async () => {
    const gh = github();
    throttleGithub(sim.world, {
      kind: 'secondary-retry-after',
      status: 403,
      seconds: 7,
      route: 'GET /repos/:owner/:repo',
    });
    await expect(gh.forge.repo.getProject('org/app')).resolves.toBeTruthy();
    expect(gh.waits).toContain(7000);
  });

  it('a 403 with x-ratelimit-remaining: 0 is waited out until x-ratelimit-reset', async () => {
    const gh = github();
    throttleGithub(sim.world, {
      kind: 'secondary-reset',
      status: 403,
      seconds: 20,
      route: 'GET /repos/:owner/:repo',
    });
    await expect(gh.forge.repo.getProject('org/app')).resolves.toBeTruthy();
    expect(gh.waits.length).toBe(1);
    expect(gh.waits[0]).toBeGreaterThan(10_000);
    expect(gh.waits[0]).toBeLessThanOrEqual(21_000);
  });

  it('a limit used up for longer than the bound fails the run as transient (the runner retries later)', async () => {
    const gh = github();
    throttleGithub(sim.world, {
      kind: 'primary',
      status: 403,
      seconds: 3000,
      route: 'GET /repos/:owner/:repo',
    });
    const error = await gh.forge.repo.getProject('org/app').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBeGreaterThan(60_000);
    expect(String(error)).not.toMatch(/permission|forbidden/i);
  });

  it('a budget the forge said is used up is waited for before sending, and the wait ends with the run', async () => {
    const gh = github();
    gh.budget.observe(
      new Headers({
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 30),
        'x-ratelimit-resource': 'core',
      }),
    );
    const since = sim.mark();
    await gh.forge.repo.getProject('org/app');
    expect(gh.waits[0]).toBeGreaterThan(20_000);
    expect(sim.requests({ since }).length).toBe(1);

    const controller = new AbortController();
    const aborted = github({ signal: controller.signal });
    aborted.budget.observe(
      new Headers({
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 30),
      }),
    );
    controller.abort(new Error('run timed out'));
    await expect(aborted.forge.repo.getProject('org/app')).rejects.toThrow(/run timed out/);
  });

  it('a whole window said in whole seconds (up to 60.999 s away) is waited out, not refused', async () => {
    const gh = github();
    // A fresh minute's window (GitLab's), its end rounded up to the second: just over 60 s away.
    gh.budget.observe(
      new Headers({
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 61),
        'x-ratelimit-resource': 'core',
      }),
    );
    await expect(gh.forge.repo.getProject('org/app')).resolves.toBeTruthy();
    expect(gh.waits[0]).toBeGreaterThan(59_000);
  });

  it('a GitLab 429 with RateLimit-Reset but no Retry-After (a proxy dropped it) waits until the reset', async () => {
    let calls = 0;
    const server = createServer((_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(429, {
          'content-type': 'text/plain',
          'ratelimit-limit': '2000',
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 15),
        });
        res.end('Retry later\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const waits: number[] = [];
      const fetch = createForgeFetch({
        forge: 'gitlab',
        baseUrl: base,
        authHeaders: { 'private-token': 'x' },
        dryRun: false,
        sleep: async (ms) => void waits.push(ms),
      });
      const response = await fetch(`${base}/api/v4/projects/1`);
      expect(response.status).toBe(200);
      expect(waits.length).toBe(1);
      expect(waits[0]).toBeGreaterThan(5000);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
