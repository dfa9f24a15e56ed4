import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobs } from '../../app/jobs.js';
import { starterJobs } from '../../app/starter.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** `release-bot init`: a starter config that validates once its secrets are set, and not before. */
describe('release-bot init', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const secrets = {
    GITLAB_TOKEN: 'glpat-init-test',
    GITHUB_TOKEN: 'ghp_init_test',
    SLACK_WEBHOOK_RELEASES: 'https://hooks.slack.com/services/T1/B1/init',
  };

  it('knows a starter section for every job', () => {
    expect([...starterJobs()].sort()).toEqual(jobs.map((j) => j.name).sort());
  });

  for (const forge of ['gitlab', 'github']) {
    it(`writes every job for ${forge}: valid with its secrets, refused without them`, async () => {
      const file = join(tmp.dir, forge, 'release-bot.yaml');
      const init = await runCli(['init', file, '--jobs', starterJobs().join(','), '--forge', forge]);
      expect(init.code, init.stderr).toBe(0);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(':-'); // no fallback for any secret
      const valid = await runCli(['config', 'validate', file, '--json'], { env: secrets });
      expect(valid.code, valid.stdout + valid.stderr).toBe(0);
      expect((JSON.parse(valid.stdout) as { jobs: string[] }).jobs.sort()).toEqual([...starterJobs()].sort());
      const unset = Object.fromEntries(Object.keys(secrets).map((k) => [k, '']));
      const invalid = await runCli(['config', 'validate', file, '--json'], { env: unset });
      expect(invalid.code).toBe(2);
      const problems = (JSON.parse(invalid.stdout) as { problems: string[] }).problems.join('\n');
      expect(problems).toContain(
        `environment variable ${forge === 'gitlab' ? 'GITLAB_TOKEN' : 'GITHUB_TOKEN'} is not set`,
      );
      expect(problems).toContain('environment variable SLACK_WEBHOOK_RELEASES is not set');
    }, 60_000);
  }

  it('never overwrites a config without --force, and refuses unknown jobs (exit 2)', async () => {
    const file = join(tmp.dir, 'mine.yaml');
    writeFileSync(file, 'jobs: {}\n');
    const again = await runCli(['init', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists; pass --force');
    expect(readFileSync(file, 'utf8')).toBe('jobs: {}\n');
    const unknown = await runCli(['init', join(tmp.dir, 'other.yaml'), '--jobs', 'hartbeat']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown job hartbeat');
  });
});
