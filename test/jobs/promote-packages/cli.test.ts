import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import promotePackages from '../../../jobs/promote-packages/index.js';
import { runCli } from '../../helpers/cli.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { createRegistries, filesIn, packageBytes, PUBLIC, stage, writes } from './fixtures.js';

/**
 * The real CLI: `--version` after `run promote-packages` is the job's flag, not the program's
 * `-V, --version` (`release-bot --version` alone is covered in test/cli/cli.test.ts).
 */

describe('release-bot run promote-packages (CLI)', () => {
  let h: JobHarness;
  let config: string;

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [promotePackages],
      seed: async (sim) => {
        const builder = await createRegistries(sim);
        for (const name of ['gitlab-ee', 'gitlab-ce'])
          await stage(sim, builder, { name, version: '16.1.0', file: `${name}.deb` }, packageBytes(name));
      },
      jobsConfig: () => ({
        'promote-packages': {
          staging: { forge: 'gitlab', project: 'omnibus/staging' },
          public: { forge: 'gitlab', project: PUBLIC },
          packages: [{ name: 'gitlab-ee' }, { name: 'gitlab-ce' }],
        },
      }),
    });
    config = join(h.dir, 'release-bot.yaml');
  });
  afterAll(() => h.close());

  // Two CLI processes (tsx compiles on start): slow on a busy machine, so a longer timeout.
  it(
    'takes --version and --package after the job name; a bad version exits 2',
    { timeout: 120_000 },
    async () => {
      const since = h.sim.mark();
      const [bad, ok] = await Promise.all([
        runCli([
          '--config',
          config,
          'run',
          'promote-packages',
          '--version',
          '16.1',
          '--package',
          'gitlab-ee',
        ]),
        runCli([
          '--config',
          config,
          'run',
          'promote-packages',
          '--version',
          '16.1.0',
          '--package',
          'gitlab-ce',
        ]),
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--version 16.1: not a release version');
      expect(writes(h.sim, since).filter((w) => w.path.includes('gitlab-ee'))).toEqual([]);

      expect(ok.stderr).not.toMatch(/error/i);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/gitlab-ce\s+ok\s+published 1 file, sha256 verified/);
      expect(filesIn(h.sim, PUBLIC, 'gitlab-ce', '16.1.0')).toHaveLength(1);
      expect(filesIn(h.sim, PUBLIC, 'gitlab-ee', '16.1.0')).toEqual([]);
    },
  );
});
