import { createHash, randomBytes } from 'node:crypto';
import {
  findRegistryBinary,
  REGISTRY_COMMAND,
  seedImage,
  startRegistry,
  tagDigest,
  type RunningRegistry,
  type SeededImage,
} from '../../packages/forge-sandbox/src/services/registry.js';
import type { DemoStory } from '../story.js';

/**
 * Seed 000: omnibus packages built and uploaded to a private staging registry are published to
 * the public one only once the release is deployed — one independent step per package, and a
 * re-push of what is already public is no error. Told after verify-deployment's story: 1.0.2
 * failed production verification there and was rolled back, so publishing it is refused until a
 * release manager forces it with a reason. When Debian's `docker-registry` is installed, the
 * release's image goes along: a multi-arch `gitlab-ee` image copied from a local staging registry
 * (token auth) to a local public one (htpasswd), by digest; without it the image part is skipped.
 */

const VERSION = '16.1.0';
const STAGING = 'omnibus/staging-packages';
const PUBLIC = 'omnibus/packages';
const PACKAGES = ['gitlab-ee', 'gitlab-ce', 'gitlab-runner'];
/** Deployed to production in verify-deployment's story: it failed verification and was rolled back. */
const FAILED = '1.0.2';
/** The image promoted with the packages: `<namespace>/gitlab-ee:<version>-ee.0` on each registry. */
const IMAGE = 'gitlab-ee';
const IMAGE_TAG = '{version}-ee.0';
const STAGING_NAMESPACE = 'omnibus-staging';
const PUBLIC_NAMESPACE = 'omnibus';

interface Registries {
  staging: RunningRegistry;
  public: RunningRegistry;
  /** What the build pushed to staging, per version. */
  seeded: Map<string, SeededImage>;
}

const imageTag = (version: string) => IMAGE_TAG.replace('{version}', version);

/** The story; `findBinary` says where `docker-registry` is (null: the image part is skipped). */
export function promoteStory(findBinary: () => string | null = () => findRegistryBinary()): DemoStory {
  let registries: Registries | undefined;
  let skipped = false;
  const stopRegistries = async () => {
    const open = registries;
    registries = undefined;
    if (open) await Promise.all([open.staging.stop(), open.public.stop()]);
  };
  return {
    job: 'promote-packages',
    title:
      'Package promotion: staging → public, one idempotent, checksum-verified step per package (seed 000)',
    async setup(world) {
      const { sim } = world;
      const builder = world.user('omnibus-builder');
      for (const [path, visibility] of [
        [STAGING, 'private'],
        [PUBLIC, 'public'],
      ] as const)
        await sim.createProject({
          forge: 'gitlab',
          path,
          visibility,
          members: [`${world.bot.username}:30`, `${builder.username}:30`],
          ciEnabled: false,
        });
      // What the omnibus build does after building: upload each package and its checksum to staging.
      const put = async (name: string, version: string, file: string, body: Buffer | string) => {
        const url = `${sim.gitlab.url}/api/v4/projects/${encodeURIComponent(STAGING)}/packages/generic/${name}/${version}/${file}`;
        const response = await fetch(url, {
          method: 'PUT',
          headers: { 'private-token': builder.token },
          body,
        });
        if (!response.ok) throw new Error(`staging upload ${file}: ${response.status}`);
      };
      for (const version of [VERSION, FAILED])
        for (const name of PACKAGES) {
          const file = `${name}_${version}-ce.0_amd64.deb`;
          const data = Buffer.concat([Buffer.from(`${name} ${version}\n`), randomBytes(64 * 1024)]);
          await put(name, version, file, data);
          await put(
            name,
            version,
            `${file}.sha256`,
            `${createHash('sha256').update(data).digest('hex')}  ${file}\n`,
          );
        }
      const binary = findBinary();
      skipped = !binary;
      if (binary) {
        await stopRegistries();
        const [staging, pub] = await Promise.all([
          startRegistry('token', { binary }),
          startRegistry('htpasswd', { binary }),
        ]);
        registries = { staging, public: pub, seeded: new Map() };
        // What the image build does: push the release's image (amd64 and arm64) to staging.
        for (const version of [VERSION, FAILED])
          registries.seeded.set(
            version,
            await seedImage(staging, `${STAGING_NAMESPACE}/${IMAGE}`, imageTag(version), {
              platforms: ['amd64', 'arm64'],
              layerSizes: [32 * 1024, 96 * 1024],
            }),
          );
      }
      return {
        slackChannel: world.slackChannel,
        staging: { forge: world.forges.gitlab, project: STAGING },
        public: { forge: world.forges.gitlab, project: PUBLIC },
        packages: PACKAGES.map((name) => ({ name })),
        mention: '@release-managers',
        ...(registries
          ? {
              images: {
                staging: {
                  url: registries.staging.url,
                  namespace: STAGING_NAMESPACE,
                  username: registries.staging.username,
                  password: registries.staging.password,
                },
                public: {
                  url: registries.public.url,
                  namespace: PUBLIC_NAMESPACE,
                  username: registries.public.username,
                  password: registries.public.password,
                },
                repositories: [{ name: IMAGE, tags: [IMAGE_TAG] }],
              },
            }
          : {}),
      };
    },
    teardown: stopRegistries,
    async play(play) {
      try {
        await tell(play);
      } finally {
        await stopRegistries();
      }
    },
  };

  async function tell(play: Parameters<DemoStory['play']>[0]): Promise<void> {
    const args = { version: VERSION };
    const label = `release-bot run promote-packages --version ${VERSION}`;
    const image = registries;
    if (skipped)
      play.say(
        `${REGISTRY_COMMAND} is not installed: the image part of this story is skipped (apt-get install docker-registry).`,
      );
    play.say(
      `${VERSION} is built, in staging (${STAGING}) and deployed${image ? `, and so is its ${IMAGE} image (amd64 and arm64) in a local staging registry` : ''}. First a dry run: what would be published, nothing written${image ? ' — for the image, every blob and manifest it would copy' : ''}.`,
    );
    const dry = await play.run({ dryRun: true, args, label: `${label} --dry-run` });
    const files = dry.result?.actions.filter((a) => a.kind === 'publish-file').length;
    if (files !== PACKAGES.length * 2)
      throw new Error(`expected ${PACKAGES.length * 2} files to publish, got: ${dry.run.summary}`);
    if (image) {
      const seeded = image.seeded.get(VERSION)!;
      const steps = dry.result!.actions.map((a) => a.description);
      const missing = [...seeded.blobs, ...seeded.manifests, seeded.digest].filter(
        (digest) => !steps.some((s) => s.includes(digest)),
      );
      if (missing.length) throw new Error(`the dry run does not list ${missing.join(', ')}`);
    }

    play.say(
      'The release manager promotes it: each file streams staging → public, its sha256 checked against staging and read back. verify-deployment never saw 16.1.0, so it is promoted with a warning.',
    );
    const first = await play.run({ args, label });
    if (first.run.status !== 'ok')
      throw new Error(`expected every package published, got: ${first.run.summary}`);
    if (image) {
      const at = await tagDigest(image.public, `${PUBLIC_NAMESPACE}/${IMAGE}`, imageTag(VERSION));
      if (at !== image.seeded.get(VERSION)!.digest)
        throw new Error(`expected the public image at staging's digest, got ${at ?? 'no tag'}`);
      play.say(
        `The public registry now has ${PUBLIC_NAMESPACE}/${IMAGE}:${imageTag(VERSION)} at ${at.slice(0, 19)}…, the very digest staging had: each blob was verified by its digest while it streamed, the platform manifests went before the tag.`,
      );
    }

    play.say(
      'Run it again (a retry, a second release manager): everything is already public, so nothing is re-pushed.',
    );
    const again = await play.run({ args, label });
    if (again.run.status !== 'noop')
      throw new Error(`expected every package skipped, got: ${again.run.summary}`);

    play.say(
      `${FAILED} is built too, but it failed its production verification and was rolled back (the deploy verification story): publishing it is refused, with the reason and the verify-deployment run.`,
    );
    const failed = { version: FAILED };
    const refused = await play.run({
      args: failed,
      label: `release-bot run promote-packages --version ${FAILED}`,
    });
    if (refused.run.status !== 'failed' || !refused.run.summary.includes('refused'))
      throw new Error(`expected ${FAILED} to be refused, got: ${refused.run.summary}`);

    const reason = 'the failure was the health check of a removed endpoint; customers need the fix';
    play.say(
      'A release manager knows better and forces it: the reason goes to the history, Slack and Sentry.',
    );
    const forced = await play.run({
      args: { ...failed, force: true, reason },
      label: `release-bot run promote-packages --version ${FAILED} --force --reason "${reason}"`,
    });
    if (forced.run.status !== 'ok' || !forced.run.summary.includes(reason))
      throw new Error(`expected ${FAILED} promoted with the reason recorded, got: ${forced.run.summary}`);
  }
}

export default promoteStory();
