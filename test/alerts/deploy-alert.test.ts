import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../app/app.js';
import { EXIT, exitCodeOfRun } from '../../app/commands/exit.js';
import { createMetrics, type Metrics } from '../../src/http/metrics.js';
import { createStatusReader } from '../../src/http/status/data.js';
import { renderRunPage } from '../../src/http/status/run-page.js';
import { renderStatusPage } from '../../src/http/status/status-page.js';
import { silentLogger } from '../../src/log/logger.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';
import {
  clockOf,
  deployVersion,
  packageVersion,
  startServices,
  testJob,
  type Services,
  type SimRef,
} from '../jobs/verify-deployment/fixtures.js';

/**
 * A failed production deploy is an alert, not a green "ok": open on the status page (red, on top,
 * with its link and next step), in /api/status, in /metrics, in the exit code and the log level;
 * a later no-op run keeps it open; a later deploy to the same target that passes closes it.
 */

const PROJECT = 'org/deployer';
const JOB = 'verify-deployment';
const SUBJECT = 'deployment:production';
const PINO_ERROR = 50;
const PINO_WARN = 40;

function levelOf(lines: string[], fragment: string): number | undefined {
  for (const line of lines) {
    const parsed = JSON.parse(line) as { level?: number; msg?: string };
    if (parsed.msg?.includes(fragment)) return parsed.level;
  }
  return undefined;
}

async function scrape(metrics: Metrics): Promise<string> {
  return metrics.registry.metrics();
}

describe('verify-deployment: a failed deploy stays an open alert until a later deploy passes', () => {
  const ref: SimRef = {};
  let h: JobHarness;
  let s: Services;
  let app: App;
  let metrics: Metrics;
  let failedRunId = '';
  let firstDeploymentId = 0;

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
      extra: () => ({ server: { publicUrl: 'https://release-bot.example.com/' } }),
      jobsConfig: () => ({
        [JOB]: {
          slackChannel: 'oncall',
          window: '1m',
          interval: '30s',
          targets: [
            {
              forge: 'gitlab',
              project: PROJECT,
              environment: 'production',
              checkPostDeployMigrations: false,
              health: { checks: [{ name: 'readiness', url: `${s.service.url}/prod/ready` }] },
            },
          ],
        },
      }),
    });
    // The runs go through an app with metrics, as in `release-bot start`.
    metrics = createMetrics();
    app = await openApp({
      configPath: join(h.dir, 'release-bot.yaml'),
      logger: silentLogger(),
      jobs: [testJob(ref)],
      now: () => h.sim.clock.now(),
      metrics,
      retryBaseMs: 5,
    });
    await metrics.preload({ jobs: [JOB], store: app.store });
    const firstDeployment = await deployVersion(h.sim, {
      sameCommit: true,
      project: PROJECT,
      environment: 'production',
      version: packageVersion(1),
    });
    firstDeploymentId = firstDeployment.id;
    const first = await app.runner.run(JOB, { trigger: 'manual' });
    expect(first.run.status).toBe('noop');
  });
  afterAll(async () => {
    await app.close();
    await h.close();
    await s.close();
  });

  it('has every series of the job from the start', async () => {
    const fresh = createMetrics();
    await fresh.preload({ jobs: [JOB], store: app.store });
    const text = await scrape(fresh);
    expect(text).toContain(`release_bot_runs_total{job="${JOB}",status="failed"} 0`);
    expect(text).toContain(`release_bot_verdicts_total{job="${JOB}",verdict="alert"} 0`);
    expect(text).toContain(`release_bot_job_alerts_open{job="${JOB}"} 0`);
    // The first run (noop) counts as a success, read back from the store.
    expect(text).toMatch(new RegExp(`release_bot_last_success_timestamp_seconds\\{job="${JOB}"\\} \\d+`));
  });

  it('opens an alert on a failed deploy: page, API, metrics, exit code, log level', async () => {
    s.service.set('/prod/ready', { status: 503, body: { status: 'failing' } });
    await deployVersion(h.sim, { project: PROJECT, environment: 'production', version: packageVersion(2) });
    const { run, result } = await app.runner.run(JOB, { trigger: 'manual' });
    failedRunId = run.id;
    // The bot did its job (status ok); the world did not pass (an alert, exit 4).
    expect(run.status).toBe('ok');
    expect(exitCodeOfRun(run, result)).toBe(EXIT.alert);
    expect(result!.verdicts).toEqual([expect.objectContaining({ subject: SUBJECT, verdict: 'alert' })]);
    expect(levelOf(run.logs, 'alert opened')).toBe(PINO_ERROR);

    const alert = await app.store.getAlert(JOB, SUBJECT);
    expect(alert).toMatchObject({ state: 'open', openedBy: run.id });
    expect(alert!.title).toMatch(/^production #\d+ .* failed verification$/);
    expect(alert!.reason).toContain('readiness');
    expect(alert!.nextStep).toContain('closes when a later deployment to production passes');

    const reader = createStatusReader({ config: app.config, jobs: app.jobs, store: app.store });
    const status = await reader.status();
    expect(status.alerts).toHaveLength(1);
    expect(status.alerts[0]).toMatchObject({
      job: JOB,
      subject: SUBJECT,
      url: expect.stringMatching(/^http/),
    });
    expect(status.jobs.find((j) => j.name === JOB)!.alerts).toBe(1);
    const html = renderStatusPage(status);
    const pending = html.indexOf('id="pending"');
    expect(pending).toBeGreaterThan(-1);
    expect(html.indexOf('class="alert"')).toBeGreaterThan(pending);
    expect(html.indexOf('class="alert"')).toBeLessThan(html.indexOf('id="job-'));
    expect(html).toContain('Next step:');
    expect(html).toContain('1 alert open');

    // The run page shows the failed gate's evidence in plain view.
    const detail = await reader.run(run.id);
    const page = renderRunPage(detail!);
    expect(page).toContain('class="evidence"');
    expect(page).toContain('readiness');

    const text = await scrape(metrics);
    expect(text).toContain(`release_bot_alerts_open{job="${JOB}",subject="${SUBJECT}"} 1`);
    expect(text).toContain(`release_bot_verdicts_total{job="${JOB}",verdict="alert"} 1`);
    expect(text).toContain(`release_bot_runs_total{job="${JOB}",status="ok"} 1`);

    // Sentry and Slack link back to the run page.
    await app.sentry.flush(30_000);
    const event = h.sentry!.events().find((e) => e.extra?.runUrl !== undefined);
    expect(event?.extra?.runUrl).toBe(`https://release-bot.example.com/runs/${run.id}`);
    const alertMessage = h.slack.messagesTo('oncall').at(-1)!;
    expect(JSON.stringify(alertMessage.payload)).toContain(`https://release-bot.example.com/runs/${run.id}`);
  });

  it('keeps it open through a no-op run and a restart', async () => {
    const { run, result } = await app.runner.run(JOB, { trigger: 'manual' });
    expect(run.status).toBe('noop');
    expect(exitCodeOfRun(run, result)).toBe(EXIT.ok);
    expect((await app.store.getAlert(JOB, SUBJECT))!.state).toBe('open');

    const restarted = createMetrics();
    await restarted.preload({ jobs: [JOB], store: app.store });
    expect(await scrape(restarted)).toContain(`release_bot_alerts_open{job="${JOB}",subject="${SUBJECT}"} 1`);
    const reader = createStatusReader({ config: app.config, jobs: app.jobs, store: app.store });
    expect((await reader.status()).alerts.map((a) => a.openedBy)).toEqual([failedRunId]);
  });

  it('keeps it open when an older deployment, asked for by id, passes (it is not what runs now)', async () => {
    s.service.set('/prod/ready', { status: 200, body: { status: 'ok' } });
    const { result } = await app.runner.run(JOB, {
      trigger: 'manual',
      args: { deployment: String(firstDeploymentId), environment: 'production' },
    });
    expect(result!.verdicts).toEqual([expect.objectContaining({ subject: SUBJECT, verdict: 'unknown' })]);
    expect(result!.verdicts![0]!.title).toMatch(/is the latest deployment/);
    expect((await app.store.getAlert(JOB, SUBJECT))!.state).toBe('open');
    s.service.set('/prod/ready', { status: 503, body: { status: 'failing' } });
  });

  it('closes it when a later deploy to the same target passes', async () => {
    s.service.set('/prod/ready', { status: 200, body: { status: 'ok' } });
    await deployVersion(h.sim, { project: PROJECT, environment: 'production', version: packageVersion(3) });
    const { run, result } = await app.runner.run(JOB, { trigger: 'manual' });
    expect(exitCodeOfRun(run, result)).toBe(EXIT.ok);
    expect(result!.verdicts).toEqual([expect.objectContaining({ subject: SUBJECT, verdict: 'healthy' })]);
    expect(await app.store.getAlert(JOB, SUBJECT)).toMatchObject({ state: 'closed', closedBy: run.id });
    expect(levelOf(run.logs, 'alert closed')).toBeLessThan(PINO_WARN);

    const reader = createStatusReader({ config: app.config, jobs: app.jobs, store: app.store });
    const status = await reader.status();
    expect(status.alerts).toEqual([]);
    expect(renderStatusPage(status)).not.toContain('class="alert"');
    const text = await scrape(metrics);
    expect(text).not.toContain(`release_bot_alerts_open{job="${JOB}",subject="${SUBJECT}"}`);
    expect(text).toContain(`release_bot_verdicts_total{job="${JOB}",verdict="healthy"} 1`);
  });
});
