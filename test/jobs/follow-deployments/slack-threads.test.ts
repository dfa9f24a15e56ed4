import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpRecordKey, loadBumpRecords, type BumpRecord } from '../../../src/domain/bump-deployments.js';
import { recordDeployVerdict, VERIFY_JOB } from '../../../src/domain/deploy-verdicts.js';
import type { ChangeRequest, Forge } from '../../../src/forges/types.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import {
  startSlackWebApi,
  type SlackApiMessage,
  type SlackWebApiReceiver,
} from '../../../packages/forge-sandbox/src/receivers/slack-web-api.js';
import type { JobHarness } from '../../helpers/job-harness.js';
import { APP, followWorld, HOUR, JOB, type FollowWorld } from './world.js';

/**
 * follow-deployments' Slack conversation with a bot token, on both forges through the real
 * `@slack/web-api` client against the local Web API: two bumps ride one deployment through four
 * environments; each bump has exactly one parent (its summary, updated as it advances, ending
 * "on production since …") and one thread reply per environment; a run whose Slack reply failed,
 * a restart, and a run killed after the reply but before the job recorded it repeat nothing; a
 * rollback is said in the same thread with verify-deployment's verdict, the parent turned red.
 */

const TOKEN = 'xoxb-21-follow-deployments';
const CHANNEL = 'C0RELEASES';

describe.each(['gitlab', 'github'] as const)('follow-deployments Slack threads on %s', (kind) => {
  let api: SlackWebApiReceiver;
  let w: FollowWorld;
  let h: JobHarness;
  let bot: Forge;
  const mrs: Record<string, ChangeRequest> = {};
  let before = '';
  let merged = '';

  async function deploy(environment: string, at = merged) {
    await w.deploy(environment, at);
  }

  /** The bump's parent: the one top-level message naming its MR (the runner's own alerts aside). */
  function parentsOf(component: string): SlackApiMessage[] {
    return api
      .parents(CHANNEL)
      .filter(
        (m) =>
          m.text.includes(`${component} bump `) &&
          m.text.includes(`${APP}${bot.links.changeRequestRef(mrs[component]!.iid)}`),
      );
  }

  function repliesOf(component: string): string[] {
    const parents = parentsOf(component);
    expect(parents).toHaveLength(1);
    return api.replies(parents[0]!.ts).map((m) => m.text.split('\n')[0]!);
  }

  async function record(component: string): Promise<BumpRecord> {
    const all = await loadBumpRecords(h.app.store);
    return all.find((r) => r.component === component)!;
  }

  beforeAll(async () => {
    api = await startSlackWebApi({ token: TOKEN, channels: { releases: CHANNEL } });
    w = await followWorld({
      kind,
      extra: () => ({
        slack: {
          defaultChannel: 'releases',
          botToken: TOKEN,
          apiUrl: api.apiUrl,
          channels: { releases: { channel: CHANNEL } },
        },
      }),
    });
    ({ h, bot, before } = w);
  });
  afterAll(async () => {
    await w?.close();
    await api?.close();
  });

  /** The bot's bump, merged by `mergedBy`: a human merging the bot's MR is still the bot's bump. */
  async function bump(component: string, file: string, mergedBy: string): Promise<ChangeRequest> {
    return w.mergeAs(mergedBy, await w.openBump(component, file));
  }

  it('two bumps merged, then one deployment carries both to gstg-cny: one parent each, one reply each', async () => {
    mrs.gitaly = await bump('gitaly', 'GITALY_SERVER_VERSION', 'release-bot');
    await h.sim.advance(60_000);
    mrs.shell = await bump('shell', 'SHELL_VERSION', 'alice');
    merged = (await h.sim.project(kind, APP).repo.branchSha('main'))!;
    await h.sim.advance(HOUR);
    expect((await h.run(JOB)).run.summary).toContain('2 new bump(s) followed');
    expect(api.messages).toEqual([]);

    await deploy('gstg-cny');
    const { run } = await h.run(JOB);
    expect(run.status, run.summary).toBe('ok');
    for (const component of ['gitaly', 'shell']) {
      expect(repliesOf(component)).toEqual([expect.stringContaining('reached gstg-cny (1/4)')]);
      const parent = parentsOf(component)[0]!;
      expect(parent.text).toContain('on gstg-cny (1/4)');
      expect(validateBlockKit({ text: parent.text, blocks: parent.blocks })).toEqual([]);
    }
    // Nothing went to a webhook.
    expect(h.slack.messages).toEqual([]);
  });

  it('a failed reply, a restart, and a run killed after the reply before it was recorded: nothing repeated', async () => {
    await deploy('gprd-cny');
    // Slack refuses the first reply for good: that bump's Slack step waits for the next run.
    api.failNext(1, { error: 'invalid_arguments' });
    const first = await h.run(JOB);
    expect(first.run.status).toBe('failed');
    await h.restart();
    const second = await h.run(JOB);
    expect(second.run.status, second.run.summary).toBe('ok');
    for (const component of ['gitaly', 'shell'])
      expect(repliesOf(component)).toEqual([
        expect.stringContaining('reached gstg-cny'),
        expect.stringContaining('reached gprd-cny (2/4)'),
      ]);

    // Killed after Slack took the reply and the notifier remembered it, before the job recorded
    // done.slack: the record says "not said" again.
    const gitaly = await record('gitaly');
    gitaly.reached['gprd-cny']!.done.slack = false;
    await h.app.store.setState(JOB, bumpRecordKey(gitaly), gitaly);
    await h.restart();
    const updatesBefore = api.requests.filter((r) => r.method === 'chat.update').length;
    const third = await h.run(JOB);
    expect(third.run.status, third.run.summary).toBe('ok');
    expect(repliesOf('gitaly')).toHaveLength(2);
    // Only the parent was brought up to date.
    expect(api.requests.filter((r) => r.method === 'chat.update').length).toBe(updatesBefore + 1);
    expect((await record('gitaly')).reached['gprd-cny']!.done.slack).toBe(true);
    expect((await h.run(JOB)).run.status).toBe('noop');
  });

  it('through gstg and gprd: four replies per bump, the parent ends "on production since …"', async () => {
    await deploy('gstg');
    await h.run(JOB);
    await deploy('gprd');
    const { run } = await h.run(JOB);
    expect(run.status, run.summary).toBe('ok');
    for (const component of ['gitaly', 'shell']) {
      expect(repliesOf(component)).toEqual([
        expect.stringContaining('reached gstg-cny (1/4)'),
        expect.stringContaining('reached gprd-cny (2/4)'),
        expect.stringContaining('reached gstg (3/4)'),
        expect.stringContaining('is on gprd since'),
      ]);
      const parent = parentsOf(component)[0]!;
      expect(parent.text.split('\n')[0]).toMatch(
        /on production since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(gprd\)/,
      );
      expect(parent.history.map((v) => v.text.split('\n')[0])).toEqual(
        expect.arrayContaining([expect.stringContaining('on gprd-cny (2/4)')]),
      );
    }
    expect(api.parents(CHANNEL).filter((m) => m.text.includes(' bump '))).toHaveLength(2);
  });

  it('a rollback is said in the same thread with the verdict; the parent turns to the rollback', async () => {
    for (const component of ['gitaly', 'shell']) {
      const carried = (await record(component)).reached.gprd!.deployment;
      await recordDeployVerdict(
        { set: (key, value) => h.app.store.setState(VERIFY_JOB, key, value) },
        {
          version: carried.version,
          target: 'gprd',
          environment: 'gprd',
          forge: kind,
          project: APP,
          deployment: { id: carried.id, sha: carried.sha, url: carried.url },
          verdict: 'fail',
          summary: 'error rate 7% over 5%',
          rolledBack: { at: new Date(h.sim.clock.now()).toISOString() },
          at: new Date(h.sim.clock.now()).toISOString(),
          runId: 'run-verify-1',
          links: [],
        },
      );
    }
    await deploy('gprd', before);
    const { run } = await h.run(JOB);
    expect(run.summary).toContain('rolled back on gprd');
    expect((await h.run(JOB)).run.status).toBe('noop');
    for (const component of ['gitaly', 'shell']) {
      const parents = parentsOf(component);
      expect(parents).toHaveLength(1);
      const replies = api.replies(parents[0]!.ts);
      expect(replies).toHaveLength(5);
      expect(replies.at(-1)!.text).toContain('rolled back on gprd');
      expect(replies.at(-1)!.text).toContain('error rate 7% over 5%');
      const parent = parents[0]!;
      expect(parent.text.split('\n')[0]).toContain('rolled back on gprd');
      expect(parent.text).toContain('fail, rolled back: error rate 7% over 5%');
      expect(JSON.stringify(parent.blocks)).toContain('error rate 7% over 5%');
      expect(validateBlockKit({ text: parent.text, blocks: parent.blocks })).toEqual([]);
    }
    expect(api.parents(CHANNEL).filter((m) => m.text.includes(' bump '))).toHaveLength(2);
  });
});
