import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceSha, TRACE_EXIT } from '../../../src/domain/bump-trace.js';
import type { ChangeRequest, Forge } from '../../../src/forges/types.js';
import { readMarkers } from '../../../src/kit/marker.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import type { JobHarness } from '../../helpers/job-harness.js';
import { APP, ENVIRONMENTS, followWorld, HOUR, JOB, type ComponentShas, type FollowWorld } from './world.js';

/**
 * follow-deployments on both forges through the real SDK clients: two bumps (gitaly, merged by
 * the bot; shell, merged by a human) ride one deployment through gstg-cny, gprd-cny, gprd (gstg
 * skipped, then deployed late) with a run killed between label and note, a restart, and a
 * rollback. Labels, notes, Slack messages and component-project deployments: exactly once each.
 */

describe.each(['gitlab', 'github'] as const)('follow-deployments on %s', (kind) => {
  let w: FollowWorld;
  let h: JobHarness;
  let bot: Forge;
  let sha: ComponentShas;
  const mrs: Record<string, ChangeRequest> = {};
  let before = '';
  let merged = '';

  async function deploy(environment: string, at = merged, status: 'success' | 'failed' = 'success') {
    await w.deploy(environment, at, status);
  }

  async function ourNotes(iid: number) {
    const notes = await bot.notes.list(APP, { kind: 'change_request', iid });
    return notes.filter((n) => readMarkers(n.body, JOB).length > 0);
  }

  async function labels(iid: number) {
    return (await bot.changeRequests.get(APP, iid))!.labels.filter((l) => l.startsWith('workflow::'));
  }

  function slackTitles(): string[] {
    return h.slack.messages.map((m) => m.payload.text ?? '');
  }

  async function componentDeployments(component: string) {
    const out: string[] = [];
    for (const env of ENVIRONMENTS) {
      const list = await bot.deployments.list(`org/${component}`, { environment: env.name, limit: 20 });
      for (const d of list) out.push(`${env.name}:${d.sha.slice(0, 8)}:${d.status}`);
    }
    return out.sort();
  }

  beforeAll(async () => {
    w = await followWorld({ kind, recordDeployments: true });
    ({ h, bot, sha, before } = w);
  });
  afterAll(() => w?.close());

  const openBump = (component: string, file: string) =>
    w.openBump(component, file, { labels: ['workflow::ready'] });
  const mergeAs = (username: string, mr: ChangeRequest) => w.mergeAs(username, mr);

  it('starts with no bump and no deployment: nothing to do', async () => {
    const { run } = await h.run(JOB);
    expect(run.status).toBe('noop');
    expect(h.slack.messages).toEqual([]);
  });

  it('follows two merged bumps (one merged by the bot, one by a human): merged, not deployed yet', async () => {
    const gitaly = await openBump('gitaly', 'GITALY_SERVER_VERSION');
    mrs.gitaly = await mergeAs('release-bot', gitaly);
    await h.sim.advance(60_000);
    const shell = await openBump('shell', 'SHELL_VERSION');
    // A human merges the bot's MR: still the bot's bump (its branch, author and marker).
    mrs.shell = await mergeAs('alice', shell);
    merged = (await h.sim.project(kind, APP).repo.branchSha('main'))!;
    // A look for merged bumps is due (rescanBumps, 30m) even though no deployment moved.
    await h.sim.advance(HOUR);
    const { run } = await h.run(JOB);
    expect(run.status).toBe('noop');
    expect(run.summary).toContain('2 new bump(s) followed');
    const trace = await traceSha(h.app.store, 'gitaly', sha.gitaly!.to);
    expect(trace.status).toBe('merged');
    expect(TRACE_EXIT[trace.status]).toBe(4);
    expect(trace.bump?.iid).toBe(mrs.gitaly.iid);
    // A commit the bump carried (not only its target) is found by its short sha too.
    expect((await traceSha(h.app.store, 'shell', sha.shell!.to.slice(0, 8))).bump?.iid).toBe(mrs.shell.iid);
    expect((await traceSha(h.app.store, 'gitaly', 'deadbeefdeadbeef')).status).toBe('not-found');
  });

  it('one deployment carries both to gstg-cny: label, note, Slack and component deployment once each', async () => {
    await deploy('gstg-cny');
    // A dry run first: it writes nothing and shows the two Slack messages it would send.
    const sentBefore = h.slack.messages.length;
    const dry = await h.run(JOB, { dryRun: true });
    expect(dry.run.status, dry.run.summary).toBe('ok');
    expect(h.slack.messages).toHaveLength(sentBefore);
    expect(
      h.app
        .sentMessages()
        .filter((m) => m.message.context.runId === dry.run.id)
        .map((m) => [m.delivered, m.message.title.includes('reached gstg-cny')]),
    ).toEqual([
      [false, true],
      [false, true],
    ]);
    const { run } = await h.run(JOB);
    expect(run.status, run.summary).toBe('ok');
    for (const mr of [mrs.gitaly!, mrs.shell!]) {
      expect(await labels(mr.iid)).toEqual(['workflow::staging-canary']);
      expect(await ourNotes(mr.iid)).toHaveLength(1);
    }
    expect(slackTitles().filter((t) => t.includes('reached gstg-cny'))).toHaveLength(2);
    for (const m of h.slack.messages) expect(validateBlockKit(m.payload)).toEqual([]);
    expect(await componentDeployments('gitaly')).toEqual([`gstg-cny:${sha.gitaly!.to.slice(0, 8)}:success`]);
    expect((await traceSha(h.app.store, 'gitaly', sha.gitaly!.to)).status).toBe('deploying');
  });

  it('a run killed between label and note converges after a restart, with no duplicate', async () => {
    await deploy('gprd-cny');
    // The first note write fails with no retry left: the run stops there for that bump.
    h.sim.addFault({
      forge: kind,
      method: 'POST',
      route: /notes|comments/,
      errorRate: 1,
      statuses: [500],
      times: 10,
    });
    const first = await h.run(JOB);
    h.sim.clearFaults();
    expect(first.run.status).toBe('failed');
    expect(await labels(mrs.gitaly!.iid)).toEqual(['workflow::canary']);
    expect(await ourNotes(mrs.gitaly!.iid)).toHaveLength(1);
    await h.restart();
    const second = await h.run(JOB);
    expect(second.run.status, second.run.summary).toBe('ok');
    const third = await h.run(JOB);
    expect(third.run.status).toBe('noop');
    for (const mr of [mrs.gitaly!, mrs.shell!]) {
      expect(await labels(mr.iid)).toEqual(['workflow::canary']);
      expect(await ourNotes(mr.iid)).toHaveLength(2);
    }
    expect(slackTitles().filter((t) => t.includes('reached gprd-cny'))).toHaveLength(2);
    expect(await componentDeployments('shell')).toHaveLength(2);
  });

  it('a skipped environment: production before staging; the label never moves back', async () => {
    await deploy('gprd');
    await h.run(JOB);
    for (const mr of [mrs.gitaly!, mrs.shell!])
      expect(await labels(mr.iid)).toEqual(['workflow::production']);
    expect(slackTitles().filter((t) => t.includes('is on gprd since'))).toHaveLength(2);
    const trace = await traceSha(h.app.store, 'gitaly', sha.gitaly!.to);
    expect(trace.status).toBe('production');
    expect(TRACE_EXIT.production).toBe(0);
    expect(trace.environments.find((e) => e.name === 'gstg')?.reachedAt).toBeNull();

    await deploy('gstg');
    await h.run(JOB);
    for (const mr of [mrs.gitaly!, mrs.shell!]) {
      expect(await labels(mr.iid)).toEqual(['workflow::production']);
      const notes = await ourNotes(mr.iid);
      expect(notes).toHaveLength(4);
      expect(
        new Set(notes.map((n) => readMarkers<{ environment: string }>(n.body, JOB)[0]!.environment)),
      ).toEqual(new Set(ENVIRONMENTS.map((e) => e.name)));
    }
    // Eight bump messages (2 bumps × 4 environments); the rest is the runner's failed/recovered pair.
    expect(slackTitles().filter((t) => t.includes(' bump '))).toHaveLength(8);
    // Webhooks only (no thread to reply in, no parent to update): one message per environment per bump.
    for (const component of ['gitaly', 'shell'])
      expect(
        slackTitles()
          .filter((t) => t.includes(`${component} bump `))
          .map(
            (t) =>
              ENVIRONMENTS.find((e) => t.includes(`reached ${e.name} (`) || t.includes(`on ${e.name} since`))
                ?.name,
          )
          .sort(),
      ).toEqual(ENVIRONMENTS.map((e) => e.name).sort());
    expect(slackTitles().filter((t) => !t.includes(' bump '))).toEqual([
      expect.stringContaining('follow-deployments failed'),
      expect.stringContaining('follow-deployments recovered'),
    ]);
    for (const component of ['gitaly', 'shell'])
      expect(await componentDeployments(component)).toEqual(
        ENVIRONMENTS.map((e) => `${e.name}:${sha[component]!.to.slice(0, 8)}:success`).sort(),
      );
  });

  it('when nothing moved: one request per environment and nothing written', async () => {
    const since = h.sim.mark();
    const { run } = await h.run(JOB);
    expect(run.status).toBe('noop');
    const requests = h.sim.requests({ since });
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(requests).toHaveLength(ENVIRONMENTS.length);
  });

  it('a rollback past the bumps is said once; trace says rolled back', async () => {
    await deploy('gprd', before);
    const { run } = await h.run(JOB);
    expect(run.summary).toContain('rolled back on gprd');
    await h.run(JOB);
    expect(slackTitles().filter((t) => t.includes('rolled back on gprd'))).toHaveLength(2);
    const trace = await traceSha(h.app.store, 'shell', sha.shell!.to);
    expect(trace.status).toBe('rolled-back');
    expect(TRACE_EXIT[trace.status]).toBe(6);
    // Nothing ran on gprd before the bumps arrived: whether going back is safe cannot be told.
    expect(trace.rollback).toMatchObject({ safe: null, to: null });
  });
});
