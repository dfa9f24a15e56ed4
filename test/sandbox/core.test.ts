import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gitlab } from '@gitbeaker/rest';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';

describe('simulator core', () => {
  let sim: Simulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator();
    token = sim.createUser('bot', { bot: true }).token;
    await sim.createProject({
      forge: 'gitlab',
      path: 'org/app',
      members: ['bot'],
      files: { VERSION: 'abc\n' },
    });
    await sim.createProject({ forge: 'github', path: 'org/app', members: ['bot'] });
  });
  afterAll(() => sim.close());

  it('serves the current user to the real clients and refuses bad tokens', async () => {
    const gitlab = new Gitlab({ host: sim.gitlab.apiUrl, token });
    const me = await gitlab.Users.showCurrentUser();
    expect(me.username).toBe('bot');
    const octokit = new Octokit({ baseUrl: sim.github.apiUrl, auth: token });
    const { data } = await octokit.users.getAuthenticated();
    expect(data.login).toBe('bot');
    await expect(
      new Octokit({ baseUrl: sim.github.apiUrl, auth: 'nope' }).users.getAuthenticated(),
    ).rejects.toMatchObject({
      status: 401,
    });
    expect(sim.requests().map((r) => r.status)).toEqual([200, 200, 401]);
  });

  it('commits with real git and runs CI on simulated time', async () => {
    const sha = await sim.push({
      forge: 'gitlab',
      project: 'org/app',
      files: { VERSION: 'def\n' },
      message: 'bump [ci:flaky=test]',
    });
    const project = sim.project('gitlab', 'org/app');
    expect((await project.repo.readFile('main', 'VERSION'))?.toString()).toBe('def\n');
    // the pipeline is created asynchronously, as on GitLab: not within the push
    expect(sim.ci.latestPipeline(project, sha)).toBeUndefined();
    expect(sim.ci.creating(project, sha, 'main')).toBe(true);
    await sim.ci.createScheduled();
    const pipeline = sim.ci.latestPipeline(project, sha)!;
    expect(pipeline.status).toBe('created');
    expect(sim.ci.creating(project, sha, 'main')).toBe(false);
    await sim.advance(60 * 60_000);
    expect(pipeline.status).toBe('failed');
    const failed = sim.ci.jobsOf(pipeline).find((j) => j.status === 'failed')!;
    expect(failed.name).toBe('test');
    await sim.ci.retryJob(failed, project.members.keys().next().value!);
    expect(pipeline.status).not.toBe('failed');
    await sim.advance(60 * 60_000);
    expect(pipeline.status).toBe('success');

    const clone = mkdtempSync(join(tmpdir(), 'clone-'));
    execFileSync('git', ['clone', '-q', project.repo.dir, clone]);
    expect(readFileSync(join(clone, 'VERSION'), 'utf8')).toBe('def\n');
    rmSync(clone, { recursive: true, force: true });
  });

  it('injects faults and logs them', async () => {
    sim.addFault({
      forge: 'gitlab',
      route: 'GET /api/v4/user',
      rateLimitRate: 1,
      retryAfterSeconds: 7,
      times: 1,
    });
    const res = await fetch(`${sim.gitlab.apiUrl}/api/v4/user`, { headers: { 'private-token': token } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    const res2 = await fetch(`${sim.gitlab.apiUrl}/api/v4/user`, { headers: { 'private-token': token } });
    expect(res2.status).toBe(200);
    const last = sim.requests().slice(-2);
    expect(last.map((r) => [r.status, r.fault])).toEqual([
      [429, 'rate_limit'],
      [200, undefined],
    ]);
    sim.clearFaults();
  });
});
