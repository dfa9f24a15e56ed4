import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import promotePackages from '../../jobs/promote-packages/index.js';
import { recordDeployVerdict, VERIFY_JOB } from '../../src/domain/deploy-verdicts.js';
import { runCli } from '../helpers/cli.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';
import { createRegistries, packageBytes, PUBLIC, stage, STAGING } from '../jobs/promote-packages/fixtures.js';
import { ociImage, ociIndex, pushImage } from './fixtures.js';
import {
  registryAvailable,
  REGISTRY_COMMAND,
  seedImage,
  startRegistry,
  type RunningRegistry,
  type SeededImage,
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

  it('--package gitlab-ee selects the package and the image of that name; --image the image alone', async () => {
    const both = await h.run('promote-packages', {
      dryRun: true,
      args: { version: '16.1.0', package: ['gitlab-ee'] },
    });
    expect(both.result!.items!.map((i) => i.name)).toEqual(['gitlab-ee', 'image gitlab-ee:16.1.0-ee.0']);
    const image = await h.run('promote-packages', {
      dryRun: true,
      args: { version: '16.1.0', image: ['gitlab-ee'] },
    });
    expect(image.result!.items!.map((i) => i.name)).toEqual(['image gitlab-ee:16.1.0-ee.0']);
    expect(image.result!.actions.some((a) => a.kind === 'publish-file')).toBe(false);
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

/**
 * An images-only config (no `packages:`): what a team that ships only images writes. Selection
 * by `--package` / `--image`, an unknown name refused at the terminal, `--force --reason` over a
 * public tag at another digest recorded in history, Slack and Sentry (masked).
 */
describe.runIf(registryAvailable)('promote-packages with images only', () => {
  let staging: RunningRegistry;
  let pub: RunningRegistry;
  let h: JobHarness;
  let ee: SeededImage;
  let ce: SeededImage;
  const PROMOTE = 'promote-packages';
  const tagged = async (repository: string, tag: string) =>
    (await clientOf(pub).resolve(`release/${repository}`, tag))?.digest ?? null;

  beforeAll(async () => {
    [staging, pub] = await Promise.all([startRegistry('token'), startRegistry('htpasswd')]);
    // Seeded over plain HTTP through staging's Bearer challenge (the simulator's helper).
    ee = await seedImage(staging, 'build/gitlab-ee', '16.1.0-ee.0', {
      platforms: ['amd64', 'arm64'],
      layerSizes: [2000, 5000],
    });
    ce = await seedImage(staging, 'build/gitlab-ce', '16.1.0-ce.0');
    h = await jobHarness({
      jobs: [promotePackages],
      sentry: true,
      jobsConfig: () => ({
        [PROMOTE]: {
          retry: { attempts: 2, delay: '1ms' },
          images: {
            staging: {
              url: staging.url,
              namespace: 'build',
              username: staging.username,
              password: staging.password,
            },
            public: { url: pub.url, namespace: 'release', username: pub.username, password: pub.password },
            repositories: [
              { name: 'gitlab-ee', tags: ['{version}-ee.0'] },
              { name: 'gitlab-ce', tags: ['{version}-ce.0'] },
            ],
          },
        },
      }),
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await Promise.all([staging?.stop(), pub?.stop()]);
  });

  it('dry run lists every blob and manifest it would copy, by digest; nothing is copied', async () => {
    const { run, result } = await h.run(PROMOTE, { dryRun: true, args: { version: '16.1.0' } });
    expect(run.status).toBe('ok');
    const steps = result!.actions.map((a) => a.description);
    for (const digest of [...ee.blobs, ...ee.manifests, ee.digest, ...ce.blobs, ce.digest])
      expect(steps.filter((s) => s.includes(digest))).toHaveLength(1);
    expect(result!.actions).toHaveLength(ee.blobs.length + ee.manifests.length + 1 + ce.blobs.length + 1);
    expect(result!.actions.every((a) => !a.done)).toBe(true);
    expect(result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['image gitlab-ee:16.1.0-ee.0', 'ok'],
      ['image gitlab-ce:16.1.0-ce.0', 'ok'],
    ]);
    expect(await tagged('gitlab-ee', '16.1.0-ee.0')).toBeNull();
    expect(await tagged('gitlab-ce', '16.1.0-ce.0')).toBeNull();
  });

  it('--package selects the image of that name, --image an image; the rest is left alone', async () => {
    const byPackage = await h.run(PROMOTE, { args: { version: '16.1.0', package: ['gitlab-ce'] } });
    expect(byPackage.run.status).toBe('ok');
    expect(byPackage.result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['image gitlab-ce:16.1.0-ce.0', 'ok'],
    ]);
    expect(await tagged('gitlab-ce', '16.1.0-ce.0')).not.toBeNull();
    expect(await tagged('gitlab-ee', '16.1.0-ee.0')).toBeNull();

    const byImage = await h.run(PROMOTE, { args: { version: '16.1.0', image: ['gitlab-ee'] } });
    expect(byImage.result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['image gitlab-ee:16.1.0-ee.0', 'ok'],
    ]);
    expect(await tagged('gitlab-ee', '16.1.0-ee.0')).not.toBeNull();
  });

  it(
    'an unknown --package or --image exits 2, names what is configured, and writes nothing',
    { timeout: 120_000 },
    async () => {
      await seedImage(staging, 'build/gitlab-ee', '16.2.0-ee.0');
      await expect(
        h.run(PROMOTE, { args: { version: '16.2.0', image: ['gitlab-ce', 'omnibus'] } }),
      ).rejects.toThrow(
        /--image omnibus: no such image; configured packages: none; images: gitlab-ee, gitlab-ce/,
      );
      const config = join(h.dir, 'release-bot.yaml');
      const cli = await runCli([
        '--config',
        config,
        'run',
        PROMOTE,
        '--version',
        '16.2.0',
        '--package',
        'gitlab-e',
      ]);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toContain(
        '--package gitlab-e: no such package or image (did you mean "gitlab-ee"?)',
      );
      expect(cli.stderr).toContain('configured packages: none; images: gitlab-ee, gitlab-ce');
      expect(await tagged('gitlab-ee', '16.2.0-ee.0')).toBeNull();
    },
  );

  it('a version that failed verification is refused: the images are listed, none is copied', async () => {
    await seedImage(staging, 'build/gitlab-ee', '16.5.0-ee.0');
    const store = h.app.store;
    await recordDeployVerdict(
      { set: (key, value) => store.setState(VERIFY_JOB, key, value) },
      {
        version: '16.5.0',
        target: 'production',
        environment: 'gprd',
        forge: 'gitlab',
        project: 'gitlab-com/gl-infra/deployer',
        deployment: {
          id: 7,
          sha: 'b'.repeat(40),
          url: 'https://gitlab.example.com/deployer/-/deployments/7',
        },
        verdict: 'fail',
        summary: 'error rate 4 % (max 1 %)',
        rolledBack: null,
        at: '2026-11-20T08:58:00.000Z',
        runId: 'run-verify-7',
        links: [],
      },
    );
    const { run, result } = await h.run(PROMOTE, { args: { version: '16.5.0' } });
    expect(run.status).toBe('failed');
    expect(run.summary).toContain('16.5.0: refused, nothing promoted');
    expect(result!.items!.map((i) => [i.name, i.status])).toEqual([
      ['image gitlab-ee', 'skipped'],
      ['image gitlab-ce', 'skipped'],
    ]);
    expect(await tagged('gitlab-ee', '16.5.0-ee.0')).toBeNull();
  });

  it('--force --reason moves a public tag at another digest: the reason in history, Slack and Sentry, masked', async () => {
    const wanted = await seedImage(staging, 'build/gitlab-ee', '16.3.0-ee.0');
    const other = await seedImage(pub, 'release/gitlab-ee', '16.3.0-ee.0');
    const refused = await h.run(PROMOTE, { args: { version: '16.3.0', image: ['gitlab-ee'] } });
    expect(refused.run.status).toBe('failed');
    expect(refused.run.summary).toContain('nothing overwritten (--force --reason to move the tag)');
    expect(await tagged('gitlab-ee', '16.3.0-ee.0')).toBe(other.digest);

    // A reason that quotes a secret by mistake: it is masked wherever the reason goes.
    const reason = `the public tag was pushed by hand with ${pub.password}; staging is the build`;
    h.slack.clear();
    const { run } = await h.run(PROMOTE, {
      args: { version: '16.3.0', image: ['gitlab-ee'], force: true, reason },
    });
    expect(run.status).toBe('ok');
    expect(await tagged('gitlab-ee', '16.3.0-ee.0')).toBe(wanted.digest);
    const masked = reason.replace(pub.password, '[MASKED]');
    // History
    const stored = await h.app.store.getRun(run.id);
    expect(stored!.summary).toContain(
      `forced: moved public image tag(s) gitlab-ee:16.3.0-ee.0 (${other.digest.slice(0, 19)}… → ${wanted.digest.slice(0, 19)}…), reason: ${masked}`,
    );
    expect(JSON.stringify(stored)).not.toContain(pub.password);
    // Slack
    const message = JSON.stringify(
      h.slack.messages.filter((m) => m.payload.text?.includes('Package promotion')).at(-1)!.payload,
    );
    expect(message).toContain('Forced, because');
    expect(message).toContain('Image tags moved');
    expect(message).toContain(masked);
    expect(message).not.toContain(pub.password);
    // Sentry: one warning with the reason and the moved tag.
    const events = h.sentry!.events().filter((e) => JSON.stringify(e.message ?? '').includes('(forced)'));
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(JSON.stringify(event!.message)).toContain('16.3.0 moved 1 public image tag(s) to another digest');
    expect(event!.level).toBe('warning');
    expect(event!.tags).toMatchObject({ version: '16.3.0', forced: 'true' });
    expect(event!.extra).toMatchObject({
      reason: masked,
      images: [{ image: 'gitlab-ee:16.3.0-ee.0', from: other.digest, to: wanted.digest }],
    });
    expect(JSON.stringify(event)).not.toContain(pub.password);
  });
});
