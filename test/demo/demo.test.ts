import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** `npm start` runs `release-bot demo`: every story plays against the simulator and the process exits 0. */
describe('release-bot demo', () => {
  it('tells every story, shows jobs acting on the simulator, and exits 0 leaving nothing running', async () => {
    const result = await runCli(['demo', '--json']);
    // Error-level lines are the alerts the stories stage (a broken ref, a failed deploy), each
    // opened once; any other error is the bot failing.
    const errors = result.stderr
      .split('\n')
      .filter((line) => line.includes('"level":50'))
      .map((line) => JSON.parse(line) as { alert?: string; subject?: string; msg: string });
    expect(errors.filter((e) => e.alert !== 'opened').map((e) => e.msg)).toEqual([]);
    const subjects = errors.map((e) => e.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects).toEqual(expect.arrayContaining(['deployment:production']));
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      stories: { title: string; ok: boolean; error?: string }[];
      runs: { job: string; status: string }[];
    };
    expect(report.stories.filter((s) => !s.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.runs.some((r) => r.job === 'update-component' && r.status === 'ok')).toBe(true);
  }, 150_000);
});
