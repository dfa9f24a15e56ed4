import type { DemoStory, DemoWorld } from '../story.js';
import { startFakeService, type FakeService } from '../../packages/forge-sandbox/src/services/health.js';
import {
  startFakeSentryApi,
  type FakeSentryApi,
} from '../../packages/forge-sandbox/src/services/sentry-api.js';
import {
  startFakePrometheus,
  type FakePrometheus,
} from '../../packages/forge-sandbox/src/services/prometheus.js';

/**
 * Seed 004: after a deploy, validate it (health, the version that is live), watch Sentry and the
 * error rate, and roll back when it is bad. The service's health endpoint, Sentry's API and
 * Prometheus are local fakes; the window is shortened to a second.
 */

const PROJECT = 'acme/web-deployer';
const ENVIRONMENT = 'production';
const MINUTE = 60_000;

let services: { service: FakeService; sentry: FakeSentryApi; prometheus: FakePrometheus } | undefined;

async function closeServices(): Promise<void> {
  const open = services;
  services = undefined;
  if (open) await Promise.all([open.service.close(), open.sentry.close(), open.prometheus.close()]);
}

async function deploy(world: DemoWorld, version: string): Promise<number> {
  const sha = await world.sim.push({
    forge: 'gitlab',
    project: PROJECT,
    files: { VERSION: `${version}\n` },
    message: `Release ${version}`,
  });
  const d = await world.sim.deploy({
    forge: 'gitlab',
    project: PROJECT,
    environment: ENVIRONMENT,
    ref: version,
    sha,
  });
  return d.id;
}

function live(version: string | null): void {
  services!.service.set(
    '/-/readiness',
    version ? { status: 200, body: { status: 'ok', version } } : { status: 503, body: { status: 'failing' } },
  );
}

const story: DemoStory = {
  job: 'verify-deployment',
  title: 'Deploy verification: health, Sentry and error-rate gates, alert and rollback (seed 004)',
  async setup(world) {
    try {
      services = {
        service: await startFakeService(),
        sentry: await startFakeSentryApi(),
        prometheus: await startFakePrometheus(),
      };
      await world.sim.createProject({
        forge: 'gitlab',
        path: PROJECT,
        defaultBranch: 'main',
        members: [`${world.bot.username}:30`],
        ciEnabled: false,
        files: { VERSION: '1.0.0\n' },
      });
      await deploy(world, '1.0.0');
      live('1.0.0');
      services.prometheus.set('job:http_errors:ratio5m{environment="production"}', 0.002);
    } catch (error) {
      await closeServices();
      throw error;
    }
    const { service, sentry, prometheus } = services;
    return {
      slackChannel: world.slackChannel,
      window: '1s',
      interval: '250ms',
      rollback: 'auto',
      targets: [
        {
          forge: world.forges.gitlab,
          project: PROJECT,
          environment: ENVIRONMENT,
          health: {
            checks: [
              {
                name: 'readiness',
                url: `${service.url}/-/readiness`,
                json: { path: 'version', equals: '{version}' },
              },
            ],
          },
          sentry: { url: sentry.url, org: sentry.org, project: 'web', authToken: sentry.token },
          metrics: {
            url: prometheus.url,
            queries: [
              {
                name: 'error rate',
                query: 'job:http_errors:ratio5m{environment="{environment}"}',
                max: 0.01,
              },
            ],
          },
          // This service has no post-deploy migrations (see track-post-deploy-migrations for one that does).
          checkPostDeployMigrations: false,
          mention: '@web-oncall',
        },
      ],
    };
  },
  async play(play) {
    try {
      const { sentry } = services!;
      play.say('The bot starts watching production, where 1.0.0 is live; history is not verified.');
      const first = await play.run({ trigger: 'schedule' });
      if (first.run.status !== 'noop')
        throw new Error(`expected a first run that only records, got: ${first.run.summary}`);

      play.say('1.0.1 is deployed: the health endpoint reports 1.0.1, no new Sentry issue, 0.2 % errors.');
      await deploy(play, '1.0.1');
      live('1.0.1');
      const pass = await play.run({ trigger: 'schedule' });
      if (!pass.run.summary.includes('passed'))
        throw new Error(`expected 1.0.1 to pass, got: ${pass.run.summary}`);

      play.say(
        '1.0.2 is deployed: readiness answers 503 and a new error shows up in Sentry for release 1.0.2.',
      );
      await deploy(play, '1.0.2');
      live(null);
      sentry.addIssue({
        project: 'web',
        title: 'PG::UndefinedColumn: column "legacy" does not exist',
        release: '1.0.2',
      });
      const fail = await play.run({ trigger: 'schedule' });
      if (!fail.run.summary.includes('by re-running its deploy job'))
        throw new Error(`expected a rollback of 1.0.2, got: ${fail.run.summary}`);

      play.say('The deploy job of 1.0.1 runs again; the bot verifies the rollback like any deploy.');
      await play.advance(2 * MINUTE);
      live('1.0.1');
      const back = await play.run({ trigger: 'schedule' });
      if (!back.run.summary.includes('(1.0.1') || !back.run.summary.includes('passed'))
        throw new Error(`expected the rollback to 1.0.1 to pass, got: ${back.run.summary}`);
    } finally {
      await closeServices();
    }
  },
  teardown: closeServices,
};

export default story;
