import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

interface Report {
  ok: boolean;
  checks: { subject: string; ok: boolean; detail: string }[];
}

/** `release-bot doctor` against the simulator: token scopes, project membership, Slack reachable. */
describe('release-bot doctor', () => {
  const tmp = tempDir();
  let sim: Simulator;
  let slack: SlackReceiver;
  let readOnly: string;
  let full: string;

  beforeAll(async () => {
    sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
    slack = await startSlackReceiver();
    readOnly = sim.createUser('release-bot', { bot: true, scopes: ['read_api'] }).token;
    full = sim.createUser('release-bot-2', { bot: true, scopes: ['api'] }).token;
    await sim.createProject({
      forge: 'gitlab',
      path: 'acme/app',
      members: ['release-bot:30', 'release-bot-2:30'],
      ciEnabled: false,
    });
  });
  afterAll(async () => {
    await slack.close();
    await sim.close();
    tmp.cleanup();
  });

  function config(name: string, token: string, projects: string[]): string {
    const file = join(tmp.dir, `${name}.yaml`);
    writeFileSync(
      file,
      stringify({
        forges: { gitlab: { type: 'gitlab', url: sim.gitlab.url, token } },
        slack: { defaultChannel: 'releases', channels: { releases: { webhookUrl: slack.url('releases') } } },
        store: { path: 'state.db' },
        jobs: {
          heartbeat: {},
          'report-pipeline-failures': { projects: projects.map((project) => ({ forge: 'gitlab', project })) },
        },
      }),
    );
    return file;
  }

  it('names the missing scope and the project the bot cannot see, and exits 1', async () => {
    const result = await runCli([
      '--config',
      config('read-only', readOnly, ['acme/app', 'acme/ghost']),
      'doctor',
      '--json',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.subject}: ${c.detail}`);
    expect(failed).toEqual([
      'forge gitlab: scope for report-pipeline-failures: the token lacks scope "api" (has: read_api); report-pipeline-failures needs it',
      'forge gitlab: project acme/ghost: not found, or the bot is not a member',
    ]);
    const passed = report.checks.filter((c) => c.ok).map((c) => c.subject);
    expect(passed).toEqual(
      expect.arrayContaining([
        'forge gitlab: token',
        'forge gitlab: scope for heartbeat',
        'forge gitlab: project acme/app',
        'slack #releases',
      ]),
    );
    // Reads only: nothing was posted to Slack, and the token never appears in the output.
    expect(slack.messages).toHaveLength(0);
    expect(result.stdout).not.toContain(readOnly);
  });

  it('passes (exit 0) with an api token on a project the bot belongs to', async () => {
    const result = await runCli(['--config', config('full', full, ['acme/app']), 'doctor']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('✓ forge gitlab: project acme/app: member (developer)');
    expect(result.stdout).toMatch(/all \d+ checks passed/);
  });

  it('says a rejected token is rejected', async () => {
    const result = await runCli(['--config', config('bad', 'glpat-not-a-token', ['acme/app']), 'doctor']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('rejected the token (401)');
  });
});
