import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import promotePackages from '../../jobs/promote-packages/index.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';
import { createRegistries, packageBytes, PUBLIC, stage, STAGING } from '../jobs/promote-packages/fixtures.js';
import { ociImage, ociIndex, pushImage } from './fixtures.js';
import {
  registryAvailable,
  REGISTRY_COMMAND,
  startRegistry,
  type RunningRegistry,
} from '../../packages/forge-sandbox/src/services/registry.js';
import { clientOf } from './world.js';

/**
 * promote-packages with an `images:` section, through the real runner (plan → apply → report):
 * the packages go through the simulated GitLab, the images between two real registries, and
 * both land in one report.
 */

if (!registryAvailable)
  console.warn(
    `test/registry: ${REGISTRY_COMMAND} is missing (apt-get install docker-registry): runner tests with images skipped`,
  );

describe.runIf(registryAvailable)('promote-packages with images, through the runner', () => {
  let staging: RunningRegistry;
  let pub: RunningRegistry;
  let h: JobHarness;
  const index = ociIndex([
    { image: ociImage('amd64', [3000]), arch: 'amd64' },
    { image: ociImage('arm64', [3500]), arch: 'arm64' },
  ]);

  beforeAll(async () => {
    [staging, pub] = await Promise.all([startRegistry('token'), startRegistry('htpasswd')]);
    await pushImage(clientOf(staging), 'build/gitlab-ee', '16.1.0-ee.0', index);
    let builder = '';
    h = await jobHarness({
      jobs: [promotePackages],
      seed: async (sim) => {
        builder = await createRegistries(sim);
      },
      jobsConfig: () => ({
        'promote-packages': {
          staging: { forge: 'gitlab', project: STAGING },
          public: { forge: 'gitlab', project: PUBLIC },
          packages: [{ name: 'gitlab-ee' }],
          retry: { attempts: 2, delay: '1ms' },
          images: {
            staging: {
              url: staging.url,
              namespace: 'build',
              username: staging.username,
              password: staging.password,
            },
            public: { url: pub.url, namespace: 'release', username: pub.username, password: pub.password },
            repositories: [{ name: 'gitlab-ee', tags: ['{version}-ee.0'] }],
          },
        },
      }),
    });
    await stage(
      h.sim,
      builder,
      { name: 'gitlab-ee', version: '16.1.0', file: 'gitlab-ee_16.1.0_amd64.deb' },
      packageBytes('ee'),
    );
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await Promise.all([staging?.stop(), pub?.stop()]);
  });

  it('dry run: the plan lists the package file and every blob and manifest of the image; nothing is copied', async () => {
    const { run, result } = await h.run('promote-packages', { dryRun: true, args: { version: '16.1.0' } });
    expect(run.status).toBe('ok');
    expect(result!.actions.map((a) => a.kind)).toEqual([
      'publish-file',
      'copy-blob',
      'copy-blob',
      'copy-blob',
      'copy-blob',
      'push-manifest',
      'push-manifest',
      'tag-manifest',
    ]);
    expect(result!.actions.every((a) => !a.done)).toBe(true);
    expect(result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['gitlab-ee', 'ok'],
      ['image gitlab-ee:16.1.0-ee.0', 'ok'],
    ]);
    expect(await clientOf(pub).resolve('release/gitlab-ee', '16.1.0-ee.0')).toBeNull();
  });

  it('a run promotes the package and the image; the re-run is a no-op', async () => {
    const { run, result } = await h.run('promote-packages', { args: { version: '16.1.0' } });
    expect(run.status).toBe('ok');
    expect(result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['gitlab-ee', 'ok'],
      ['image gitlab-ee:16.1.0-ee.0', 'ok'],
    ]);
    expect((await clientOf(pub).resolve('release/gitlab-ee', '16.1.0-ee.0'))?.digest).toBe(
      index.manifest.digest,
    );
    expect(result!.details!.images).toEqual([
      expect.objectContaining({
        name: 'gitlab-ee:16.1.0-ee.0',
        outcome: 'copied',
        digest: index.manifest.digest,
      }),
    ]);
    // The registries' passwords never reach the stored result.
    expect(JSON.stringify(result)).not.toContain(pub.password);
    expect(JSON.stringify(result)).not.toContain(staging.password);

    const again = await h.run('promote-packages', { args: { version: '16.1.0' } });
    expect(again.run.status).toBe('noop');
    expect(again.result!.items!.map((i) => i.status)).toEqual(['skipped', 'skipped']);
  });
});
