import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** The real CLI in a child process: exit codes and output on the example config. */
describe('release-bot CLI', () => {
  const tmp = tempDir();
  const example = join(ROOT, 'config/release-bot.yaml');
  /** The example's secrets: it has no fallbacks, so it validates only with them set. */
  const secrets = {
    GITLAB_TOKEN: 'glpat-test-token',
    GITHUB_TOKEN: 'ghp_test_token',
    SLACK_WEBHOOK_RELEASES: 'https://hooks.slack.com/services/T1/B1/test',
    SENTRY_API_TOKEN: 'sntrys_test',
    PROMETHEUS_TOKEN: 'prom-test-token',
  };
  afterAll(() => tmp.cleanup());

  it('prints help and version (exit 0)', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: release-bot');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('validates the example config and prints the JSON Schema', async () => {
    const valid = await runCli(['config', 'validate', example], { cwd: tmp.dir, env: secrets });
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('valid');
    const schema = await runCli(['config', 'schema']);
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.stdout)).toHaveProperty('properties.jobs');
  });

  it('refuses the example config without its secrets, naming every variable (no fallbacks)', async () => {
    const unset = Object.fromEntries(Object.keys(secrets).map((k) => [k, '']));
    const result = await runCli(['config', 'validate', example, '--json'], { env: unset });
    expect(result.code).toBe(2);
    const problems = (JSON.parse(result.stdout) as { problems: string[] }).problems.join('\n');
    for (const name of Object.keys(secrets))
      expect(problems).toContain(`environment variable ${name} is not set`);
  });

  it('lists every problem of a bad config at once and exits 2', async () => {
    const bad = join(tmp.dir, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'timezone: Nowhere/City',
        'forges:',
        '  gl: { type: gitlab, url: "https://gitlab.example.com", token: "${NOT_SET_ANYWHERE}" }',
        'jobs:',
        '  heartbeat: { schedule: "every hour" }',
        'slak: {}',
      ].join('\n'),
    );
    const result = await runCli(['config', 'validate', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('forges.gl.token: environment variable NOT_SET_ANYWHERE is not set');
    expect(result.stderr).toContain('timezone: unknown time zone "Nowhere/City"');
    expect(result.stderr).toContain('jobs.heartbeat.schedule: invalid cron expression "every hour"');
    expect(result.stderr).toContain('slak: unknown key (did you mean "slack"?)');
    const json = await runCli(['config', 'validate', bad, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).problems).toHaveLength(4);
  });

  it('lists jobs with their next runs and shows an empty history', async () => {
    const list = await runCli(['--config', example, 'list', '--json'], { cwd: tmp.dir, env: secrets });
    expect(list.code).toBe(0);
    const jobs = JSON.parse(list.stdout) as { name: string; nextRuns: string[]; timezone: string }[];
    const heartbeat = jobs.find((j) => j.name === 'heartbeat');
    expect(heartbeat?.nextRuns).toHaveLength(3);
    expect(heartbeat?.timezone).toBe('Europe/Amsterdam');
    const human = await runCli(['--config', example, 'list'], { cwd: tmp.dir, env: secrets });
    expect(human.stdout).toMatch(/heartbeat\s+\*\/30 \* \* \* \*/);
    const history = await runCli(['--config', example, 'history'], { cwd: tmp.dir, env: secrets });
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('no runs recorded yet');
  });

  it('exits 2 for usage errors, writing nothing', async () => {
    const unknown = await runCli(['--config', example, 'run', 'hartbeat'], { cwd: tmp.dir, env: secrets });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "heartbeat"');
    const badFlag = await runCli(['--config', example, 'history', '--limit', 'lots'], {
      cwd: tmp.dir,
      env: secrets,
    });
    expect(badFlag.code).toBe(2);
    const noCommand = await runCli(['frobnicate']);
    expect(noCommand.code).toBe(2);
    const missing = await runCli(['--config', join(tmp.dir, 'nope.yaml'), 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('file not found');
  });

  it('refuses (exit 3) when another process holds the job, and records the refusal', async () => {
    const dir = tempDir();
    const db = join(dir.dir, 'state.db');
    const config = join(dir.dir, 'config.yaml');
    writeFileSync(config, `store: { path: ${JSON.stringify(db)} }\njobs:\n  heartbeat: {}\n`);
    const other = openSqliteStore(db);
    await other.migrate();
    expect(await other.acquireLease('job:heartbeat', 'other-host:42/run', 60_000)).toBe(true);
    const result = await runCli(['--config', config, 'run', 'heartbeat']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('already running (held by other-host:42/run');
    const runs = await other.listRuns({ job: 'heartbeat' });
    expect(runs.map((r) => r.status)).toEqual(['refused']);
    await other.releaseLease('job:heartbeat', 'other-host:42/run');
    const free = await runCli(['--config', config, 'run', 'heartbeat', '--json']);
    expect(free.code).toBe(0);
    expect(JSON.parse(free.stdout).run.status).toBe('noop');
    await other.close();
    dir.cleanup();
  });
});
