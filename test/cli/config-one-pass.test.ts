import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * `config validate` reports every problem of a file in one run: schema, missing variables,
 * unknown keys, cron, cross-references and Slack channels together (they used to come in three
 * rounds: schema, then cross-references, then channels).
 */
describe('config validate: every problem in one pass', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('names six problems of six kinds at once and exits 2', async () => {
    const file = join(tmp.dir, 'six.yaml');
    writeFileSync(
      file,
      [
        'forges:',
        '  gl: { type: gitlab, url: "https://gitlab.example.com", token: "${RB_ONE_PASS_UNSET}" }',
        '  gh: { type: github, url: "not a url", token: "ghp_x" }',
        'slack:',
        '  channels:',
        '    releases: { webhookUrl: "https://hooks.slack.example/T/B/x" }',
        'slak: {}',
        'jobs:',
        '  heartbeat: { schedule: "every hour" }',
        '  report-pipeline-failures:',
        '    slackChannel: on-call',
        '    projects:',
        '      - { forge: gitlba, project: group/app }',
      ].join('\n'),
    );
    const result = await runCli(['config', 'validate', file, '--json'], { env: { RB_ONE_PASS_UNSET: '' } });
    expect(result.code).toBe(2);
    const problems = (JSON.parse(result.stdout) as { problems: string[] }).problems;
    const expected = [
      'forges.gl.token: environment variable RB_ONE_PASS_UNSET is not set',
      'forges.gh.url: must be an http(s) URL',
      'slak: unknown key (did you mean "slack"?)',
      'jobs.heartbeat.schedule: invalid cron expression "every hour"',
      'jobs.report-pipeline-failures.projects[0].forge: unknown forge "gitlba"',
      'jobs.report-pipeline-failures.slackChannel: unknown channel "on-call"',
    ];
    for (const line of expected)
      expect(
        problems.some((p) => p.startsWith(line)),
        line,
      ).toBe(true);
    expect(problems).toHaveLength(6);
    const human = await runCli(['config', 'validate', file], { env: { RB_ONE_PASS_UNSET: '' } });
    expect(human.code).toBe(2);
    expect(human.stderr).toContain('6 problems in the configuration');
  });
});
