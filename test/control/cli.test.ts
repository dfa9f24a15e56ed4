import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The control commands through the built CLI, against one SQLite file shared by separate
 * processes (as the daemon and one-shot runs share it): pause, a one-shot run recorded as
 * skipped, a dry run that still runs, resume; hold/release; the command log with who gave each.
 */

describe('release-bot pause|resume|hold|release|controls', () => {
  const tmp = tempDir('release-bot-control-cli-');
  const config = join(tmp.dir, 'release-bot.yaml');
  const cli = (...args: string[]) => runCli(['--config', config, ...args], { env: { USER: 'carol' } });

  beforeAll(() => {
    writeFileSync(
      config,
      [
        'timezone: Europe/Berlin',
        'store:',
        '  path: state.db',
        'forges:',
        '  gl:',
        '    type: gitlab',
        '    url: http://127.0.0.1:1',
        '    token: glpat-secret-token-1234',
        'jobs:',
        '  heartbeat: { forges: [] }',
        '  update-component:',
        '    components:',
        '      - name: gitaly',
        '        source: { forge: gl, project: org/gitaly }',
        '        target: { forge: gl, project: org/gitlab, versionFile: GITALY_SERVER_VERSION }',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => tmp.cleanup());

  it('a paused job is skipped with the reason by a one-shot run, a dry run still runs, resume ends it', async () => {
    const paused = await cli('pause', 'heartbeat', '--until', '2h', '--reason', 'host maintenance');
    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/^heartbeat paused until .* Europe\/Berlin by carol: host maintenance/);

    const run = await cli('run', 'heartbeat', '--json');
    expect(run.code).toBe(0);
    const { run: record } = JSON.parse(run.stdout) as { run: { status: string; summary: string } };
    expect(record.status).toBe('skipped');
    expect(record.summary).toMatch(/^skipped \(paused until .* by carol: host maintenance\)$/);

    const dry = await cli('run', 'heartbeat', '--dry-run', '--json');
    expect((JSON.parse(dry.stdout) as { run: { status: string } }).run.status).not.toBe('skipped');

    const resumed = await cli('resume', 'heartbeat', '--by', 'dave');
    expect(resumed.stdout).toBe('heartbeat resumed: it runs again on its schedule\n');
    const again = await cli('run', 'heartbeat', '--json');
    expect((JSON.parse(again.stdout) as { run: { status: string } }).run.status).not.toBe('skipped');
  });

  it('bad input changes nothing, exits 2, and is still logged', async () => {
    const noReason = await cli('pause', 'heartbeat');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason is required/);
    const unknown = await cli('hold', 'gitally', '--reason', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown component "gitally" \(did you mean "gitaly"\?\)/);
    const past = await cli('pause', 'heartbeat', '--until', '2020-01-01', '--reason', 'x');
    expect(past.code).toBe(2);
  });

  it('hold and release a component; controls lists it all with the command log', async () => {
    const held = await cli('hold', 'gitaly', '--sha', 'ABCDEF1234', '--reason', 'breaks Geo');
    expect(held.code).toBe(0);
    expect(held.stdout).toMatch(
      /gitaly held at abcdef1234 \(held by carol: breaks Geo\) until a newer green commit/,
    );
    const shown = await cli('controls', '--json');
    const controls = JSON.parse(shown.stdout) as {
      holds: { component: string; sha: string }[];
      commands: { actor: string; via: string; ok: boolean; command: string }[];
    };
    expect(controls.holds).toEqual([expect.objectContaining({ component: 'gitaly', sha: 'abcdef1234' })]);
    expect(controls.commands[0]).toMatchObject({
      actor: 'carol',
      via: 'cli',
      ok: true,
      command: 'hold gitaly --sha ABCDEF1234 --reason breaks Geo',
    });
    expect(controls.commands.some((c) => c.actor === 'dave' && c.command === 'resume heartbeat')).toBe(true);
    expect(controls.commands.some((c) => !c.ok && c.command.startsWith('hold gitally'))).toBe(true);
    const text = await cli('controls');
    expect(text.stdout).toMatch(/Held components:\n {2}gitaly +abcdef1234 +carol +breaks Geo/);
    const released = await cli('release', 'gitaly');
    expect(released.stdout).toBe('gitaly released: update-component moves it on its next run\n');
  });
});
