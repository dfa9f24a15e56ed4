import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import promotePackages from '../../../jobs/promote-packages/index.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import { createRegistries, packageBytes, sha256, stage, writes } from './fixtures.js';

/**
 * GitHub release assets as the public registry (package `name` at `version` is the release
 * `<name>-v<version>`), fed from a GitLab staging registry, through @octokit/rest.
 */

const REPO = 'omnibus/releases';

function assets(sim: Simulator, tag: string) {
  const project = sim.project('github', REPO);
  return sim.world.releases.find((r) => r.projectId === project.id && r.tagName === tag)?.assets ?? [];
}

describe('promote-packages to GitHub release assets', () => {
  let h: JobHarness;
  const data = { runner: packageBytes('runner'), ce: packageBytes('ce') };

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [promotePackages],
      seed: async (sim) => {
        const builder = await createRegistries(sim);
        await sim.createProject({ forge: 'github', path: REPO, members: ['release-bot', 'builder'] });
        await stage(
          sim,
          builder,
          { name: 'gitlab-runner', version: '16.1.0', file: 'runner.deb' },
          data.runner,
          {
            checksumFile: true,
          },
        );
        await stage(sim, builder, { name: 'gitlab-ce', version: '16.1.0', file: 'ce.deb' }, data.ce);
      },
      jobsConfig: () => ({
        'promote-packages': {
          staging: { forge: 'gitlab', project: 'omnibus/staging' },
          public: { forge: 'github', project: REPO },
          packages: [{ name: 'gitlab-runner' }, { name: 'gitlab-ce' }],
          retry: { attempts: 2, delay: '1ms' },
        },
      }),
    });
  });
  afterAll(() => h.close());

  it('publishes each package as release assets, then skips them on a re-run', async () => {
    const { run, result } = await h.run('promote-packages', { args: { version: '16.1.0' } });
    expect(run.status).toBe('ok');
    expect(result!.items!.map((i) => [i.name, i.status, i.summary])).toEqual([
      ['gitlab-runner', 'ok', 'published 2 files, sha256 verified'],
      ['gitlab-ce', 'ok', 'published 1 file, sha256 verified'],
    ]);
    expect(assets(h.sim, 'gitlab-runner-v16.1.0').map((a) => a.fileName)).toEqual([
      'runner.deb',
      'runner.deb.sha256',
    ]);
    expect(assets(h.sim, 'gitlab-ce-v16.1.0')[0]!.sha256).toBe(sha256(data.ce));

    const since = h.sim.mark();
    const again = await h.run('promote-packages', { args: { version: '16.1.0' } });
    expect(again.run.status).toBe('noop');
    expect(again.result!.items!.map((i) => i.status)).toEqual(['skipped', 'skipped']);
    expect(writes(h.sim, since)).toEqual([]);
  });
});
