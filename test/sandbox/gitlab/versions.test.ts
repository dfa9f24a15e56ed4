import { Gitlab } from '@gitbeaker/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCESS } from '../../../packages/forge-sandbox/src/core/world.js';
import {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../../packages/forge-sandbox/src/simulator.js';
import { expectError } from './helpers.js';

/**
 * The GitLab answers that differ by version (packages/forge-sandbox/src/gitlab/version.ts) and the asynchronous
 * parts every version shares. Each case names its source in docs/dev/forge-behaviour.md.
 */

const TEN_MINUTES = 10 * 60_000;

interface World {
  sim: Simulator;
  bot: InstanceType<typeof Gitlab>;
  dev: InstanceType<typeof Gitlab>;
  devToken: string;
}

let open: Simulator[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

async function world(
  options: SimulatorOptions,
  project: { pipelineMustSucceed?: boolean; approvalsRequired?: number } = {},
): Promise<World> {
  const sim = await startSimulator(options);
  open.push(sim);
  const { token } = sim.createUser('bot', { bot: true });
  const { token: devToken } = sim.createUser('dev');
  await sim.createProject({
    forge: 'gitlab',
    path: 'org/app',
    members: ['bot', `dev:${ACCESS.developer}`],
    files: { VERSION: '1.0.0\n' },
    ...project,
  });
  return {
    sim,
    bot: new Gitlab({ host: sim.gitlab.url, token }),
    dev: new Gitlab({ host: sim.gitlab.url, token: devToken }),
    devToken,
  };
}

/** A branch with one commit and its MR, opened right after the push (the pipeline is not there yet). */
async function bumpMr(w: World, branch = 'bump', version = '1.1.0') {
  const head = await w.sim.push({
    forge: 'gitlab',
    project: 'org/app',
    branch,
    files: { VERSION: `${version}\n` },
    message: `bump to ${version}`,
    username: 'bot',
  });
  const mr = await w.bot.MergeRequests.create('org/app', branch, 'main', `Bump to ${version}`);
  return { head, iid: mr.iid };
}

function approve(w: World, iid: number): Promise<Response> {
  return fetch(`${w.sim.gitlab.url}/api/v4/projects/org%2Fapp/merge_requests/${iid}/approve`, {
    method: 'POST',
    headers: { 'private-token': w.devToken },
  });
}

async function state(w: World, iid: number): Promise<string> {
  return w.sim.world.mergeRequests.find((m) => m.iid === iid)!.state;
}

describe('GitLab answers by version', () => {
  it('a repeated approval answers 401 on 17 and 304 Not Modified on 18', async () => {
    for (const [version, status] of [
      [17, 401],
      [18, 304],
    ] as const) {
      const w = await world({ gitlabVersion: version });
      const { iid } = await bumpMr(w);
      expect((await approve(w, iid)).status).toBe(201);
      const again = await approve(w, iid);
      expect([version, again.status]).toEqual([version, status]);
      if (status === 401) expect(await again.json()).toEqual({ message: '401 Unauthorized' });
      else expect(await again.text()).toBe('');
    }
  });

  it('auto-merge right after a push: 405 on 16 (MWPS needs an active pipeline, gitlab-org/gitlab#353984)', async () => {
    const w = await world({ gitlabVersion: '16.11' });
    const { head, iid } = await bumpMr(w);
    await expectError(
      w.bot.MergeRequests.merge('org/app', iid, { sha: head, mergeWhenPipelineSucceeds: true }),
      405,
      '405 Method Not Allowed',
    );
    await w.sim.advance(30_000);
    const armed = await w.bot.MergeRequests.merge('org/app', iid, {
      sha: head,
      mergeWhenPipelineSucceeds: true,
    });
    expect(armed.merge_when_pipeline_succeeds).toBe(true);
    await w.sim.advance(TEN_MINUTES);
    expect(await state(w, iid)).toBe('merged');
  });

  it('17 merges an untested MR at once when the project does not require pipelines to succeed; 18 waits', async () => {
    const on17 = await world({ gitlabVersion: 17 }, { pipelineMustSucceed: false });
    const a = await bumpMr(on17);
    const answer = await on17.bot.MergeRequests.merge('org/app', a.iid, {
      sha: a.head,
      mergeWhenPipelineSucceeds: true,
    });
    expect(answer.state).toBe('merged');
    const project17 = on17.sim.project('gitlab', 'org/app');
    expect(on17.sim.ci.latestPipeline(project17, a.head)).toBeUndefined();

    const on18 = await world({ gitlabVersion: 18 }, { pipelineMustSucceed: false });
    const b = await bumpMr(on18);
    const armed = await on18.bot.MergeRequests.merge('org/app', b.iid, {
      sha: b.head,
      mergeWhenPipelineSucceeds: true,
    });
    expect(armed).toMatchObject({ state: 'opened', merge_when_pipeline_succeeds: true });
    await on18.sim.advance(60_000);
    expect(await state(on18, b.iid)).toBe('opened');
    await on18.sim.advance(TEN_MINUTES);
    expect(await state(on18, b.iid)).toBe('merged');
  });

  it('17 with "pipelines must succeed": auto-merge armed before the pipeline exists waits for it', async () => {
    const w = await world({ gitlabVersion: 17 }, { pipelineMustSucceed: true });
    const { head, iid } = await bumpMr(w);
    const armed = await w.bot.MergeRequests.merge('org/app', iid, {
      sha: head,
      mergeWhenPipelineSucceeds: true,
    });
    expect(armed).toMatchObject({ state: 'opened', merge_when_pipeline_succeeds: true, head_pipeline: null });
    await w.sim.advance(TEN_MINUTES + 30_000);
    expect(await state(w, iid)).toBe('merged');
  });

  it('17: an approval that completes the checks merges an armed MR while its pipeline still runs', async () => {
    const w = await world({ gitlabVersion: 17 }, { pipelineMustSucceed: false, approvalsRequired: 1 });
    const { head, iid } = await bumpMr(w);
    await w.sim.advance(30_000);
    await w.bot.MergeRequests.merge('org/app', iid, { sha: head, mergeWhenPipelineSucceeds: true });
    expect(await state(w, iid)).toBe('opened');
    expect((await approve(w, iid)).status).toBe(201);
    expect(await state(w, iid)).toBe('merged');
    const pipeline = w.sim.ci.latestPipeline(w.sim.project('gitlab', 'org/app'), head)!;
    expect(w.sim.ci.isFinished(pipeline.status)).toBe(false);
  });

  it('a conflicted MR: 406 "Branch cannot be merged" on 16, 405 on 17+ (gitlab-org/gitlab#364102)', async () => {
    for (const [version, status, message] of [
      ['16.11', 406, 'Branch cannot be merged'],
      ['18.2', 405, '405 Method Not Allowed'],
    ] as const) {
      const w = await world({ gitlabVersion: version });
      const { iid } = await bumpMr(w);
      await w.sim.push({
        forge: 'gitlab',
        project: 'org/app',
        files: { VERSION: '2.0.0\n' },
        message: 'main moves',
      });
      await w.sim.advance(TEN_MINUTES);
      await expectError(w.bot.MergeRequests.merge('org/app', iid), status, message);
    }
  });
});

describe('asynchronous pipelines', () => {
  it('an MR opened right after the push has no head pipeline and answers ci_still_running until it exists', async () => {
    const w = await world({});
    const { head, iid } = await bumpMr(w);
    await w.bot.MergeRequests.show('org/app', iid); // starts the mergeability check
    const creating = await w.bot.MergeRequests.show('org/app', iid);
    expect(creating).toMatchObject({ head_pipeline: null, detailed_merge_status: 'ci_still_running' });
    await w.sim.advance(30_000);
    const created = await w.bot.MergeRequests.show('org/app', iid);
    expect(created.head_pipeline).toMatchObject({ sha: head, status: 'pending' });
  });

  it('a request-counted delay: the pipeline appears after that many API requests', async () => {
    const w = await world({
      realism: { pipelineDelayMs: { gitlab: 0 }, pipelineDelayRequests: { gitlab: 3 } },
    });
    const head = await w.sim.push({
      forge: 'gitlab',
      project: 'org/app',
      branch: 'topic',
      files: { a: '1' },
      message: 'a',
    });
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) seen.push((await w.bot.Pipelines.all('org/app', { sha: head })).length);
    expect(seen).toEqual([0, 0, 1, 1]);
  });

  it('realism off: the pipeline exists within the push (for tests about something else)', async () => {
    const w = await world({ realism: false });
    const head = await w.sim.push({
      forge: 'gitlab',
      project: 'org/app',
      branch: 't',
      files: { a: '1' },
      message: 'a',
    });
    expect(w.sim.ci.latestPipeline(w.sim.project('gitlab', 'org/app'), head)).toBeDefined();
  });
});
