import { createHash, randomBytes } from 'node:crypto';
import type { DemoStory } from '../story.js';

/**
 * Seed 000: omnibus packages built and uploaded to a private staging registry are published to
 * the public one only once the release is deployed — one independent step per package, and a
 * re-push of what is already public is no error. Told after verify-deployment's story: 1.0.2
 * failed production verification there and was rolled back, so publishing it is refused until a
 * release manager forces it with a reason.
 */

const VERSION = '16.1.0';
const STAGING = 'omnibus/staging-packages';
const PUBLIC = 'omnibus/packages';
const PACKAGES = ['gitlab-ee', 'gitlab-ce', 'gitlab-runner'];
/** Deployed to production in verify-deployment's story: it failed verification and was rolled back. */
const FAILED = '1.0.2';

const story: DemoStory = {
  job: 'promote-packages',
  title: 'Package promotion: staging → public, one idempotent, checksum-verified step per package (seed 000)',
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
      const response = await fetch(url, { method: 'PUT', headers: { 'private-token': builder.token }, body });
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
    return {
      slackChannel: world.slackChannel,
      staging: { forge: world.forges.gitlab, project: STAGING },
      public: { forge: world.forges.gitlab, project: PUBLIC },
      packages: PACKAGES.map((name) => ({ name })),
      mention: '@release-managers',
    };
  },
  async play(play) {
    const args = { version: VERSION };
    const label = `release-bot run promote-packages --version ${VERSION}`;
    play.say(
      `${VERSION} is built, in staging (${STAGING}) and deployed. First a dry run: what would be published, nothing written.`,
    );
    const dry = await play.run({ dryRun: true, args, label: `${label} --dry-run` });
    if (dry.result?.actions.length !== PACKAGES.length * 2)
      throw new Error(`expected ${PACKAGES.length * 2} files to publish, got: ${dry.run.summary}`);

    play.say(
      'The release manager promotes it: each file streams staging → public, its sha256 checked against staging and read back. verify-deployment never saw 16.1.0, so it is promoted with a warning.',
    );
    const first = await play.run({ args, label });
    if (first.run.status !== 'ok')
      throw new Error(`expected every package published, got: ${first.run.summary}`);

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
  },
};

export default story;
