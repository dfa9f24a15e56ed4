import { createHash, randomBytes } from 'node:crypto';
import type { DemoStory } from '../story.js';

/**
 * Seed 000: omnibus packages built and uploaded to a private staging registry are published to
 * the public one only once the release is deployed — one independent step per package, and a
 * re-push of what is already public is no error.
 */

const VERSION = '16.1.0';
const STAGING = 'omnibus/staging-packages';
const PUBLIC = 'omnibus/packages';
const PACKAGES = ['gitlab-ee', 'gitlab-ce', 'gitlab-runner'];

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
    const put = async (name: string, file: string, body: Buffer | string) => {
      const url = `${sim.gitlab.url}/api/v4/projects/${encodeURIComponent(STAGING)}/packages/generic/${name}/${VERSION}/${file}`;
      const response = await fetch(url, { method: 'PUT', headers: { 'private-token': builder.token }, body });
      if (!response.ok) throw new Error(`staging upload ${file}: ${response.status}`);
    };
    for (const name of PACKAGES) {
      const file = `${name}_${VERSION}-ce.0_amd64.deb`;
      const data = Buffer.concat([Buffer.from(`${name} ${VERSION}\n`), randomBytes(64 * 1024)]);
      await put(name, file, data);
      await put(name, `${file}.sha256`, `${createHash('sha256').update(data).digest('hex')}  ${file}\n`);
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
      'The release manager promotes it: each file streams staging → public, its sha256 checked against staging and read back.',
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
  },
};

export default story;
