import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import {
  clockOf,
  deployVersion,
  packageVersion,
  startServices,
  testJob,
  watched,
  type Services,
  type SimRef,
} from './fixtures.js';

/**
 * verify-deployment's gates on GitLab, each failing alone, and flapping health within the window:
 * the real runner and @gitbeaker/rest against the simulator; the service's health endpoint, the
 * Sentry web API and the Prometheus API are local HTTP servers on the simulator's clock.
 */

const PROJECT = 'org/deployer';
const ERRORS = 'sum(rate(http_errors_total{environment="metrics"}[5m]))';

function writes(sim: Simulator, since: number) {
  return sim.requests({ since }).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
}

describe('verify-deployment gates on GitLab', () => {
  const ref: SimRef = {};
  let h: JobHarness;
  let s: Services;

  function target(environment: string, extra: Record<string, unknown>) {
    return { forge: 'gitlab', project: PROJECT, environment, ...extra };
  }

  beforeAll(async () => {
    s = await startServices(clockOf(ref));
    h = await jobHarness({
      jobs: [testJob(ref)],
      sentry: true,
      seed: async (sim) => {
        ref.sim = sim;
        await sim.createProject({
          forge: 'gitlab',
          path: PROJECT,
          defaultBranch: 'main',
          members: ['release-bot:30'],
          ciEnabled: false,
          files: { 'README.md': '# deployer\n' },
        });
      },
      jobsConfig: () => ({
        'verify-deployment': {
          slackChannel: 'oncall',
          // 5 samples: at 0, 30 s, …, 2 min
          window: '2m',
          interval: '30s',
          targets: [
            target('pass', {
              health: {
                checks: [
                  { url: `${s.service.url}/pass/health`, json: { path: 'version', equals: '{version}' } },
                ],
              },
              sentry: { url: s.sentry.url, org: s.sentry.org, project: 'web', authToken: s.sentry.token },
              metrics: {
                url: s.prometheus.url,
                queries: [{ name: 'error rate', query: 'pass_errors', max: 0.05 }],
              },
            }),
            target('health', {
              health: {
                checks: [
                  { name: 'readiness', url: `${s.service.url}/health/ready` },
                  {
                    name: 'version',
                    url: `${s.service.url}/health/version`,
                    json: { path: 'build.version', equals: '{version}' },
                  },
                ],
              },
              mention: '@oncall-web',
              // a service without post-deploy migrations
              checkPostDeployMigrations: false,
            }),
            target('slow', {
              health: {
                checks: [{ url: `${s.service.url}/slow`, maxLatency: '20ms' }],
                failAfterConsecutive: 2,
              },
            }),
            target('sentry', {
              sentry: {
                url: s.sentry.url,
                org: s.sentry.org,
                project: 'web',
                authToken: s.sentry.token,
                maxNewIssues: 1,
              },
            }),
            target('metrics', {
              metrics: {
                url: s.prometheus.url,
                queries: [
                  {
                    name: 'error rate',
                    query: 'sum(rate(http_errors_total{environment="{environment}"}[5m]))',
                    max: 0.05,
                  },
                ],
              },
            }),
            target('flap', {
              // 10 samples; more than 20 % failed fails even without 3 failures in a row
              window: '4m30s',
              health: {
                checks: [{ url: `${s.service.url}/flap` }],
                failAfterConsecutive: 3,
                maxFailureRatio: 0.2,
              },
            }),
            target('blind', {
              metrics: {
                url: s.prometheus.url,
                queries: [{ name: 'latency', query: 'blind_latency', max: 1 }],
              },
            }),
          ],
        },
      }),
    });
    // The first run starts the cursors: history is never verified.
    await deployVersion(h.sim, {
      sameCommit: true,
      project: PROJECT,
      environment: 'pass',
      version: packageVersion(1),
    });
    const first = await h.run('verify-deployment');
    expect(first.run.status).toBe('noop');
    expect(first.run.summary).toContain('first run: watching pass from pass #');
    expect(h.slack.messages).toHaveLength(0);
  });
  afterAll(async () => {
    await h.close();
    await s.close();
  });

  it('passes a healthy deploy after the whole window and posts a short note, once', async () => {
    const version = packageVersion(2);
    s.service.set('/pass/health', { status: 200, body: { version } });
    s.prometheus.set('pass_errors', 0.01);
    s.sentry.addIssue({ project: 'web', title: 'Old bug', release: packageVersion(1), environment: 'pass' });
    await deployVersion(h.sim, { sameCommit: true, project: PROJECT, environment: 'pass', version });
    h.slack.clear();
    const hits = s.service.hits('/pass/health');
    const since = h.sim.mark();

    const { run, result } = await h.run('verify-deployment');
    expect(run.status).toBe('ok');
    expect(run.summary).toMatch(/pass #\d+ .* passed/);
    expect(s.service.hits('/pass/health') - hits).toBe(5);
    expect(writes(h.sim, since)).toEqual([]);
    const notes = h.slack.messages;
    expect(notes).toHaveLength(1);
    expect(notes[0]!.channel).toBe('oncall');
    expect(notes[0]!.payload.text).toContain('Deployment verified');
    expect(validateBlockKit(notes[0]!.payload)).toEqual([]);
    expect(h.sentry!.events()).toHaveLength(0);
    const details = watched(result)[0]!;
    expect(details.verdict.verdict).toBe('pass');
    expect(details.window.probes).toHaveLength(3);

    // verified once: the next poll has nothing new
    h.slack.clear();
    const again = await h.run('verify-deployment');
    expect(again.run.status).toBe('noop');
    expect(h.slack.messages).toHaveLength(0);
  });

  it('fails on health alone: the endpoint is down, or the new version is not live', async () => {
    const version = packageVersion(3);
    s.service.set('/health/ready', { status: 503, body: { status: 'failing' } });
    s.service.set('/health/version', { status: 200, body: { build: { version: packageVersion(2) } } });
    // an earlier deployment (superseded before any poll saw it) is what to roll back to
    await deployVersion(h.sim, {
      sameCommit: true,
      project: PROJECT,
      environment: 'health',
      version: packageVersion(2),
    });
    await deployVersion(h.sim, { project: PROJECT, environment: 'health', version });
    h.slack.clear();
    const sentryBefore = h.sentry!.events().length;
    const since = h.sim.mark();

    const { run, result } = await h.run('verify-deployment');
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('FAILED (health readiness, health version)');
    // more than 20 % of the 5 planned samples failed: stopped early, after 2
    expect(s.service.hits('/health/ready')).toBe(2);
    expect(writes(h.sim, since)).toEqual([]);
    const [alert] = h.slack.messages;
    expect(alert!.channel).toBe('oncall');
    const text = JSON.stringify(alert!.payload);
    expect(text).toContain('Deployment failed verification');
    expect(text).toContain('503');
    expect(text).toContain(`expected \\"${version}\\" (the new version is not live)`);
    expect(text).toContain('@oncall-web');
    // rollback: manual (the default) only recommends the command
    expect(text).toContain('release-bot run verify-deployment --environment health --deployment');
    expect(validateBlockKit(alert!.payload)).toEqual([]);
    const events = h.sentry!.events().slice(sentryBefore);
    expect(events.some((e) => JSON.stringify(e).includes('Deployment failed verification: health #'))).toBe(
      true,
    );
    const details = watched(result)[0]!;
    expect(details.window).toMatchObject({ stoppedEarly: true, taken: 2 });
  });

  it('fails on latency alone when answers are slower than maxLatency', async () => {
    s.service.set('/slow', { status: 200, latencyMs: 40 });
    const none = await h.run('verify-deployment', { args: { environment: 'slow' } });
    expect(none.run.summary).toBe('no successful deployment to slow yet');
    await deployVersion(h.sim, {
      sameCommit: true,
      project: PROJECT,
      environment: 'slow',
      version: packageVersion(4),
    });
    h.slack.clear();
    const { run } = await h.run('verify-deployment', { args: { environment: 'slow' } });
    expect(run.summary).toContain('FAILED (health');
    expect(JSON.stringify(h.slack.messages[0]!.payload)).toContain('slower than 20ms');
    expect(s.service.hits('/slow')).toBe(2);
  });

  it('fails on Sentry alone: new unresolved issues of this release above the threshold', async () => {
    const version = packageVersion(5);
    await deployVersion(h.sim, { sameCommit: true, project: PROJECT, environment: 'sentry', version });
    // Not counted: older than the deploy, another release, another environment.
    s.sentry.addIssue({
      project: 'web',
      title: 'Old recurring error',
      release: version,
      environment: 'sentry',
      firstSeen: new Date(h.sim.clock.now().getTime() - 3_600_000).toISOString(),
    });
    s.sentry.addIssue({
      project: 'web',
      title: 'Other release',
      release: packageVersion(4),
      environment: 'sentry',
    });
    s.sentry.addIssue({ project: 'web', title: 'Other env', release: version, environment: 'staging' });
    s.sentry.addIssue({
      project: 'web',
      title: 'NoMethodError in MergeRequestsController',
      release: version,
      environment: 'sentry',
    });
    h.slack.clear();
    const first = await h.run('verify-deployment', { args: { environment: 'sentry' } });
    expect(first.run.summary).toContain('passed'); // one new issue: at the threshold (maxNewIssues: 1)

    s.sentry.addIssue({
      project: 'web',
      title: 'TypeError: cannot read property id',
      release: version,
      environment: 'sentry',
    });
    h.slack.clear();
    const { run } = await h.run('verify-deployment', { args: { environment: 'sentry' } });
    expect(run.summary).toContain('FAILED (sentry acme/web)');
    const text = JSON.stringify(h.slack.messages[0]!.payload);
    expect(text).toContain(`2 new unresolved issues in release ${version} (sentry, max 1)`);
    expect(text).toContain('/organizations/acme/issues/');
    const request = s.sentry.requests.at(-1)!;
    expect(request.authorized).toBe(true);
    expect(decodeURIComponent(request.query)).toContain(`release:"${version}"`);
    // the token never reaches Slack or the run history
    expect(text).not.toContain(s.sentry.token);
    expect(JSON.stringify(run)).not.toContain(s.sentry.token);
  });

  it('fails on metrics alone when the error rate climbs during the window', async () => {
    const deployment = await deployVersion(h.sim, {
      project: PROJECT,
      environment: 'metrics',
      version: packageVersion(6),
    });
    const start = h.sim.clock.now().getTime();
    // fine for the first minute, then 20 % errors
    s.prometheus.set(ERRORS, (at) => (at.getTime() - start >= 60_000 ? 0.2 : 0.01));
    h.slack.clear();
    const { run, result } = await h.run('verify-deployment', {
      args: { environment: 'metrics', deployment: String(deployment.id) },
    });
    expect(run.summary).toContain('FAILED (metrics error rate)');
    const window = watched(result)[0]!.window;
    // samples at 0 and 30 s pass; 60 s and 90 s fail: two in a row
    expect(window.taken).toBe(4);
    expect(window.probes[0]!.reason).toBe('2 consecutive failures (limit 2)');
    const text = JSON.stringify(h.slack.messages[0]!.payload);
    expect(text).toContain('error rate = 0.2 (max 0.05)');
    expect(text).toContain('/graph?g0.expr=');
    expect(s.prometheus.queries.at(-1)!.expression).toBe(ERRORS);
  });

  it('judges flapping health by the failure ratio; a single blip passes', async () => {
    const ok = { status: 200 };
    const down = { status: 502 };
    await deployVersion(h.sim, {
      sameCommit: true,
      project: PROJECT,
      environment: 'flap',
      version: packageVersion(7),
    });
    s.service.sequence('/flap', [ok, ok, ok, down, ok, ok, ok, ok, ok, ok]);
    const blip = await h.run('verify-deployment', { args: { environment: 'flap' } });
    expect(blip.run.summary).toContain('passed');
    expect(JSON.stringify(blip.result!.details)).toContain('9 of 10 samples passed, 1 failed (tolerated)');

    // never 3 in a row, but a third failure in 10 samples is more than 20 %
    s.service.sequence('/flap', [ok, down, ok, down, ok, down, ok, ok, ok, ok]);
    h.slack.clear();
    const flapping = await h.run('verify-deployment', { args: { environment: 'flap' } });
    expect(flapping.run.summary).toContain('FAILED (health');
    expect(JSON.stringify(h.slack.messages[0]!.payload)).toContain(
      '3 of 10 samples failed (at most 2 allowed)',
    );
  });

  it('is inconclusive, never a rollback, when the monitoring system does not answer', async () => {
    await deployVersion(h.sim, {
      sameCommit: true,
      project: PROJECT,
      environment: 'blind',
      version: packageVersion(8),
    });
    s.prometheus.failNext(5, 503);
    h.slack.clear();
    const since = h.sim.mark();
    const { run } = await h.run('verify-deployment', { args: { environment: 'blind' } });
    expect(run.status).toBe('ok');
    expect(run.summary).toContain('inconclusive');
    expect(writes(h.sim, since)).toEqual([]);
    const text = JSON.stringify(h.slack.messages[0]!.payload);
    expect(text).toContain('could not be verified');
    expect(text).toContain('Prometheus answered 503');
  });

  it('refuses bad flags with a usage error', async () => {
    await expect(h.run('verify-deployment', { args: { environment: 'prod' } })).rejects.toThrow(
      /no such target/,
    );
    await expect(h.run('verify-deployment', { args: { deployment: '3' } })).rejects.toThrow(
      /needs --environment/,
    );
    await expect(
      h.run('verify-deployment', { args: { environment: 'pass', deployment: 'x' } }),
    ).rejects.toThrow(/not a deployment id/);
    await expect(
      h.run('verify-deployment', { args: { environment: 'pass', rollback: true } }),
    ).rejects.toThrow(/--rollback needs/);
    await expect(
      h.run('verify-deployment', { args: { environment: 'pass', deployment: '99999' } }),
    ).rejects.toThrow(/no deployment #99999/);
  });
});
