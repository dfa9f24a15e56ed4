import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../../jobs/report-pipeline-failures/index.js';
import { activeMentions, validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { HOUR, JOB, textOf, titled, writes } from './helpers.js';

/** A watched default branch on GitLab: first run, no-op cost, one report per failure, Sentry streak, recovery once. */

describe('report-pipeline-failures on a watched GitLab branch', () => {
  let h: JobHarness;

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [job],
      sentry: true,
      seed: async (sim) => {
        sim.createUser('alice', { name: 'Alice Liddell' });
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/app',
          members: ['release-bot', 'alice'],
          files: { 'README.md': '# app\n' },
        });
        // History the first run must not report.
        await sim.push({
          forge: 'gitlab',
          project: 'org/app',
          files: { 'old.txt': 'x' },
          message: 'Old breakage [ci:fail=test]',
          username: 'alice',
        });
        await sim.advance(HOUR);
      },
      jobsConfig: () => ({
        [JOB]: {
          projects: [{ forge: 'gitlab', project: 'org/app', slackChannel: 'oncall', sentryAfter: 2 }],
        },
      }),
    });
  });
  afterAll(() => h.close());

  it('starts watching on its first run without reporting history', async () => {
    const { run } = await h.run(JOB);
    expect(run.status).toBe('noop');
    expect(h.slack.messages).toEqual([]);
  });

  it('costs one request and no write when nothing changed', async () => {
    const since = h.sim.mark();
    const { run } = await h.run(JOB);
    expect(run.status).toBe('noop');
    expect(h.sim.requests({ since })).toHaveLength(1);
    expect(writes(h.sim, since)).toEqual([]);
  });

  it('reports a failed pipeline once, across repeated runs and a restart', async () => {
    // The fix of the old breakage: green again, which nobody needs to hear about.
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/app',
      files: { 'old.txt': 'y' },
      message: 'Fix old',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    await h.run(JOB);
    expect(h.slack.messages).toEqual([]);

    await h.sim.push({
      forge: 'gitlab',
      project: 'org/app',
      files: { 'lib.rb': 'broken' },
      message: 'Break the build <!channel> @here <@U999> [ci:fail=test]',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    const { run } = await h.run(JOB);
    expect(run.status).toBe('ok');
    await h.run(JOB);
    await h.restart();
    await h.run(JOB);
    await h.sim.advance(HOUR);
    await h.run(JOB);

    const messages = h.slack.messagesTo('oncall');
    expect(messages).toHaveLength(1);
    const text = textOf(messages[0]!);
    expect(messages[0]!.payload.text).toContain('org/app main: pipeline #');
    expect(text).toContain('broken branch');
    expect(text).toContain('Alice Liddell');
    expect(text).toContain('test (stage test, script_failure)');
    expect(text).toContain('Since last green');
    expect(text).toContain('Duration');
    expect(validateBlockKit(messages[0]!.payload)).toEqual([]);
    // The channel's configured mention is the only live one; the commit title's are defused.
    expect(new Set(activeMentions(messages[0]!.payload))).toEqual(new Set(['<!subteam^S0ONCALL>']));
    expect(h.sentry!.events()).toEqual([]);
  });

  it('sends a Sentry event fingerprinted per project and ref once failures form a streak', async () => {
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/app',
      files: { 'lib.rb': 'still broken' },
      message: 'Try again [ci:fail=test]',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    await h.run(JOB);
    await h.run(JOB);
    expect(h.slack.messagesTo('oncall')).toHaveLength(2);
    const events = h.sentry!.events();
    expect(events).toHaveLength(1);
    expect(events[0]!.fingerprint).toEqual(['pipeline-failure', 'org/app', 'main']);
    expect(events[0]!.level).toBe('error');
    expect(events[0]!.tags).toMatchObject({ project: 'org/app', ref: 'main' });
  });

  it('says once that the branch recovered', async () => {
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/app',
      files: { 'lib.rb': 'fixed' },
      message: 'Fix',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    await h.run(JOB);
    await h.run(JOB);
    await h.restart();
    await h.run(JOB);
    const recovered = titled(h.slack.messagesTo('oncall'), 'recovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.payload.text).toContain('org/app main recovered');
    expect(textOf(recovered[0]!)).toContain('Failed pipelines before');
    expect(validateBlockKit(recovered[0]!.payload)).toEqual([]);
    // Good news pings nobody, not even the channel's default mention.
    expect(activeMentions(recovered[0]!.payload)).toEqual([]);
    expect(h.slack.messages).toHaveLength(3);
  });
  it('counts a failed pipeline that passes when someone retries it as a recovery', async () => {
    await h.sim.push({
      forge: 'gitlab',
      project: 'org/app',
      files: { 'lib.rb': 'wobbly' },
      message: 'Wobbly test [ci:flaky=test]',
      username: 'alice',
    });
    await h.sim.advance(HOUR);
    await h.run(JOB);
    expect(h.slack.messages).toHaveLength(4);
    const app = h.sim.project('gitlab', 'org/app');
    const failed = h.sim.world.pipelines
      .filter((p) => p.projectId === app.id)
      .sort((a, b) => b.id - a.id)[0]!;
    await h.sim.ci.retryPipeline(failed, 1);
    await h.sim.advance(HOUR);
    await h.run(JOB);
    await h.run(JOB);
    const recovered = titled(h.slack.messages, 'recovered');
    expect(recovered).toHaveLength(2);
    expect(recovered[1]!.payload.text).toContain(`pipeline #${failed.id} passed`);
    expect(h.slack.messages).toHaveLength(5);
  });
});
