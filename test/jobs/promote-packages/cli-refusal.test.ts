import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import promotePackages from '../../../jobs/promote-packages/index.js';
import { VERIFY_JOB, recordDeployVerdict } from '../../../src/domain/deploy-verdicts.js';
import { runCli } from '../../helpers/cli.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { createRegistries, filesIn, packageBytes, PUBLIC, stage } from './fixtures.js';

/**
 * The refusal as a release manager meets it at the terminal: exit 1 with the reason and the
 * verify-deployment run to look at; `--force` without `--reason` is a usage error (exit 2);
 * `--force --reason` publishes (exit 0). The verdict is what verify-deployment records (written
 * here through the same accessor, into the store the CLI opens).
 */

describe('release-bot run promote-packages refuses a version that failed verification (CLI)', () => {
  let h: JobHarness;
  let config: string;

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [promotePackages],
      seed: async (sim) => {
        const builder = await createRegistries(sim);
        await stage(
          sim,
          builder,
          { name: 'gitlab-ee', version: '16.1.0', file: 'gitlab-ee.deb' },
          packageBytes('ee'),
        );
      },
      // Where people reach the status page: the refusal links the verify-deployment run there.
      extra: () => ({ server: { publicUrl: 'https://release-bot.example.com' } }),
      jobsConfig: () => ({
        'promote-packages': {
          staging: { forge: 'gitlab', project: 'omnibus/staging' },
          public: { forge: 'gitlab', project: PUBLIC },
          packages: [{ name: 'gitlab-ee' }],
          verification: { deployedAs: ['{version}+ee.0'] },
        },
      }),
    });
    config = join(h.dir, 'release-bot.yaml');
    const store = h.app.store;
    await recordDeployVerdict(
      { set: (key, value) => store.setState(VERIFY_JOB, key, value) },
      {
        version: '16.1.0+ee.0',
        target: 'production',
        environment: 'gprd',
        forge: 'gitlab',
        project: 'gitlab-com/gl-infra/deployer',
        deployment: { id: 42, sha: 'a'.repeat(40), url: `${h.sim.gitlab.url}/deployer/-/deployments/42` },
        verdict: 'fail',
        summary: 'readiness failed 3 times in a row',
        rolledBack: { at: '2026-11-20T09:00:00.000Z', to: '16.0.9+ee.0' },
        at: '2026-11-20T08:58:00.000Z',
        runId: 'run-verify-1',
        links: [],
      },
    );
  });
  afterAll(() => h.close());

  it(
    'exits 1 with the reason, 2 for --force alone, 0 with --force --reason',
    { timeout: 120_000 },
    async () => {
      const base = ['--config', config, 'run', 'promote-packages', '--version', '16.1.0'];
      const [refused, noReason] = await Promise.all([runCli(base), runCli([...base, '--force'])]);
      expect(refused.code).toBe(1);
      const said = refused.stdout + refused.stderr;
      expect(said).toContain('16.1.0: refused, nothing promoted');
      expect(said).toContain('gprd #42 (16.1.0+ee.0) failed verification, rolled back to 16.0.9+ee.0');
      expect(said).toContain('release-bot show run-verify-1');
      expect(said).toContain('https://release-bot.example.com/runs/run-verify-1');
      expect(filesIn(h.sim, PUBLIC, 'gitlab-ee', '16.1.0')).toEqual([]);
      expect(noReason.code).toBe(2);
      expect(noReason.stderr).toContain('--force needs --reason');

      const forced = await runCli([...base, '--force', '--reason', 'INC-42 was the canary, not the package']);
      expect(forced.code).toBe(0);
      expect(forced.stdout).toContain(
        'forced past a failed verification, reason: INC-42 was the canary, not the package',
      );
      expect(filesIn(h.sim, PUBLIC, 'gitlab-ee', '16.1.0')).toHaveLength(1);
    },
  );
});
