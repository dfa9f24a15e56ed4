import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The built CLI's exit code: 4 when a run completes and finds a problem (a broken default
 * branch reported by report-pipeline-failures), 0 when a later run finds nothing new, and the
 * run's history line and `show` say so.
 */

const HOUR = 3_600_000;

describe('release-bot run exits 4 when the run found a problem', () => {
  const tmp = tempDir('release-bot-exit4-');
  let sim: Simulator;
  let slack: SlackReceiver;
  let config: string;

  beforeAll(async () => {
    // The CLI runs on the wall clock: the simulator's starts now, so its pipelines are newer than the cursor.
    sim = await startSimulator({ dir: join(tmp.dir, 'sim'), start: new Date() });
    slack = await startSlackReceiver();
    const { token } = sim.createUser('release-bot', { bot: true });
    sim.createUser('alice');
    await sim.createProject({
      forge: 'gitlab',
      path: 'org/app',
      members: ['release-bot', 'alice'],
      files: { 'README.md': '# app\n' },
    });
    config = join(tmp.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'forges:',
        `  gitlab: { type: gitlab, url: "${sim.gitlab.url}", token: "${token}", retries: 0 }`,
        'slack:',
        `  channels: { oncall: { webhookUrl: "${slack.url('oncall')}" } }`,
        `store: { path: ${JSON.stringify(join(tmp.dir, 'state.db'))} }`,
        'jobs:',
        '  report-pipeline-failures:',
        '    slackChannel: oncall',
        '    projects: [{ forge: gitlab, project: org/app }]',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await slack.close();
    await sim.close();
    tmp.cleanup();
  });

  it('exits 0 on the first run, 4 on the run that reports the broken branch, 0 on a quiet run', async () => {
    const first = await runCli(['--config', config, 'run', 'report-pipeline-failures']);
    expect(first.code).toBe(0);

    await sim.push({
      forge: 'gitlab',
      project: 'org/app',
      files: { 'lib.rb': 'broken' },
      message: 'Break it [ci:fail=test]',
      username: 'alice',
    });
    await sim.advance(HOUR);
    const broken = await runCli(['--config', config, 'run', 'report-pipeline-failures']);
    expect(broken.code).toBe(4);
    expect(broken.stdout).toContain('Verdicts:');
    expect(broken.stdout).toContain('⚠ ALERT [ref:gitlab:org/app:main] org/app main is broken');
    expect(slack.messagesTo('oncall')).toHaveLength(1);
    // The log line on stderr is an error, not INFO.
    const opened = broken.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .find((l) => l.msg.startsWith('alert opened'));
    expect(opened?.level).toBe(50);

    const quiet = await runCli(['--config', config, 'run', 'report-pipeline-failures']);
    expect(quiet.code).toBe(0);

    const history = await runCli(['--config', config, 'history', 'report-pipeline-failures']);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('⚠ alert');
  }, 120_000);
});
