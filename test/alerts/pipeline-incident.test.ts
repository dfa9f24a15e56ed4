import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../jobs/report-pipeline-failures/index.js';
import { exitCodeOfRun, EXIT } from '../../app/commands/exit.js';
import { validateBlockKit } from '../../packages/forge-sandbox/src/receivers/block-kit.js';
import {
  startSlackWebApi,
  type SlackWebApiReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-web-api.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';

/**
 * A broken default branch as one incident: it fails three times, then passes. With a bot token
 * (the real @slack/web-api client against a local server speaking Slack's Web API) that is one
 * parent message with two thread replies, the parent updated with the count, then marked
 * recovered with a reply; with webhooks only, one message for the three failures (within the
 * hour) and the recovery. Either way the alert opens with the first failure and closes with the
 * green pipeline.
 */

const JOB = 'report-pipeline-failures';
const HOUR = 3_600_000;
const MINUTES = 60_000;
const TOKEN = 'xoxb-42-incident-test';
const SUBJECT = 'ref:gitlab:org/app:main';

async function seedApp(h: JobHarness): Promise<void> {
  await h.sim.push({
    forge: 'gitlab',
    project: 'org/app',
    files: { 'lib.rb': 'ok' },
    message: 'Green start',
    username: 'alice',
  });
  await h.sim.advance(HOUR);
  const { run } = await h.run(JOB);
  expect(run.status).toBe('noop');
}

async function breakOnce(h: JobHarness, n: number) {
  await h.sim.push({
    forge: 'gitlab',
    project: 'org/app',
    files: { 'lib.rb': `broken ${n}` },
    message: `Break it again (${n}) [ci:fail=test]`,
    username: 'alice',
  });
  await h.sim.advance(10 * MINUTES);
  return h.run(JOB);
}

async function fix(h: JobHarness) {
  await h.sim.push({
    forge: 'gitlab',
    project: 'org/app',
    files: { 'lib.rb': 'fixed' },
    message: 'Fix',
    username: 'alice',
  });
  await h.sim.advance(10 * MINUTES);
  return h.run(JOB);
}

function harness(
  slack: (h: { api?: SlackWebApiReceiver }) => Record<string, unknown>,
  api?: SlackWebApiReceiver,
) {
  return jobHarness({
    jobs: [job],
    seed: async (sim) => {
      sim.createUser('alice', { name: 'Alice Liddell' });
      await sim.createProject({
        forge: 'gitlab',
        path: 'org/app',
        members: ['release-bot', 'alice'],
        files: { 'README.md': '# app\n' },
      });
    },
    // Without an override, the harness's webhook channels (`oncall` among them).
    extra: () => {
      const own = slack({ api });
      return Object.keys(own).length ? { slack: own } : {};
    },
    jobsConfig: () => ({
      [JOB]: { projects: [{ forge: 'gitlab', project: 'org/app', slackChannel: 'oncall' }] },
    }),
  });
}

describe('a broken ref as one Slack conversation (bot token)', () => {
  let api: SlackWebApiReceiver;
  let h: JobHarness;

  beforeAll(async () => {
    api = await startSlackWebApi({ token: TOKEN, channels: { oncall: 'C0ONCALL' } });
    h = await harness(
      () => ({
        defaultChannel: 'oncall',
        botToken: TOKEN,
        apiUrl: api.apiUrl,
        channels: { oncall: { channel: 'C0ONCALL' } },
      }),
      api,
    );
    await seedApp(h);
  });
  afterAll(async () => {
    await h.close();
    await api.close();
  });

  it('fails three times: one parent, two thread replies, the alert open', async () => {
    const outcomes = [];
    for (const n of [1, 2, 3]) outcomes.push(await breakOnce(h, n));
    for (const { run, result } of outcomes) {
      expect(run.status).toBe('ok');
      expect(exitCodeOfRun(run, result)).toBe(EXIT.alert);
    }
    const parents = api.parents('C0ONCALL');
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    expect(api.replies(parent.ts)).toHaveLength(2);
    expect(parent.text).toContain('still failing (3)');
    expect(validateBlockKit({ text: parent.text, blocks: parent.blocks })).toEqual([]);
    // Nothing went to the webhook receiver.
    expect(h.slack.messages).toEqual([]);

    const alert = await h.app.store.getAlert(JOB, SUBJECT);
    expect(alert).toMatchObject({ state: 'open', seen: 3 });
    expect(alert!.title).toBe('org/app main is broken: 3 failed pipelines in a row');
    expect(alert!.reason).toContain('test');
    expect(alert!.url).toMatch(/^http/);

    // A run with nothing new keeps it open and exits 0 (it found nothing new).
    const quiet = await h.run(JOB);
    expect(exitCodeOfRun(quiet.run, quiet.result)).toBe(EXIT.ok);
    expect((await h.app.store.getAlert(JOB, SUBJECT))!.state).toBe('open');
  });

  it('recovers: the parent says so, a reply in its thread, the alert closed', async () => {
    const { run, result } = await fix(h);
    expect(exitCodeOfRun(run, result)).toBe(EXIT.ok);
    const parents = api.parents('C0ONCALL');
    expect(parents).toHaveLength(1);
    expect(parents[0]!.text).toContain('Recovered:');
    const replies = api.replies(parents[0]!.ts);
    expect(replies).toHaveLength(3);
    expect(replies[2]!.text).toContain('recovered');
    const alert = await h.app.store.getAlert(JOB, SUBJECT);
    expect(alert).toMatchObject({ state: 'closed', closedBy: run.id });
    expect(await h.app.store.listAlerts({ state: 'open' })).toEqual([]);
  });
});

describe('a broken ref with webhooks only', () => {
  let h: JobHarness;

  beforeAll(async () => {
    h = await harness(() => ({}));
    await seedApp(h);
  });
  afterAll(() => h.close());

  it('fails three times within the hour: one message, the alert open', async () => {
    for (const n of [1, 2, 3]) await breakOnce(h, n);
    const messages = h.slack.messagesTo('oncall');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.payload.text).toContain('org/app main: pipeline #');
    expect((await h.app.store.getAlert(JOB, SUBJECT))!.state).toBe('open');
  });

  it('recovers: one recovery message, the alert closed', async () => {
    await fix(h);
    const messages = h.slack.messagesTo('oncall');
    expect(messages).toHaveLength(2);
    expect(messages[1]!.payload.text).toContain('recovered');
    expect((await h.app.store.getAlert(JOB, SUBJECT))!.state).toBe('closed');
  });
});
