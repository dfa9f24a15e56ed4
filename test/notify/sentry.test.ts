import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ForgeError } from '../../src/errors.js';
import { loadSentry, type SentryReporter } from '../../src/notify/sentry-loader.js';
import { MASK_TEXT, registerSecret } from '../../src/secrets/masker.js';
import { assertNoCanary, canaryToken } from '../support/canary.js';
import {
  startSentryReceiver,
  type SentryReceiver,
} from '../../packages/forge-sandbox/src/receivers/sentry-receiver.js';

// The SDK is process-global: this file initialises it once (vitest runs each file in its own process).
describe('Sentry reporter (real @sentry/node SDK → local ingest endpoint)', () => {
  let receiver: SentryReceiver;
  let sentry: SentryReporter;
  const canary = canaryToken('gitlab');
  const run = { job: 'update-component', runId: 'run-42', trigger: 'schedule', dryRun: false };
  const monitor = {
    monitorSlug: 'release-bot-update-component',
    schedule: '0 * * * *',
    timezone: 'Europe/Amsterdam',
    checkinMargin: 5,
    maxRuntime: 30,
  };

  beforeAll(async () => {
    receiver = await startSentryReceiver();
    registerSecret(canary);
    sentry = await loadSentry({ dsn: receiver.dsn, environment: 'test', release: 'release-bot@test' });
  });
  afterAll(async () => {
    await sentry.close(2000);
    await receiver.close();
  });
  beforeEach(() => receiver.clear());

  it('is enabled with a DSN, initialises only once and installs no module-loader hooks', async () => {
    expect(sentry.enabled).toBe(true);
    expect(await loadSentry({ dsn: receiver.dsn })).toBe(sentry);
    // Set by the SDK's runtime diagnostics-channel injection, which patches every later import.
    expect((globalThis as { __SENTRY_ORCHESTRION__?: unknown }).__SENTRY_ORCHESTRION__).toBeUndefined();
  });

  it('sends a run failure as an event with the run tags, the fingerprint and typed error details', async () => {
    const error = new ForgeError(
      'GitLab answered 409 on MR !12',
      409,
      'gitlab.com',
      'PUT /merge_requests/12',
    );
    const id = sentry.captureRunFailure(error, {
      ...run,
      fingerprint: ['pipeline-failure', 'org/gitaly', 'main'],
      extra: { pipeline: 981 },
    });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await sentry.flush(30_000)).toBe(true);

    const [event] = receiver.events();
    expect(event).toBeDefined();
    expect(event?.event_id).toBe(id);
    expect(event?.level).toBe('error');
    expect(event?.environment).toBe('test');
    expect(event?.release).toBe('release-bot@test');
    expect(event?.tags).toMatchObject({
      job: 'update-component',
      run_id: 'run-42',
      trigger: 'schedule',
      dry_run: 'false',
    });
    expect(event?.fingerprint).toEqual(['pipeline-failure', 'org/gitaly', 'main']);
    expect(event?.exception?.values?.[0]).toMatchObject({
      type: 'ForgeError',
      value: 'GitLab answered 409 on MR !12',
    });
    expect(event?.extra).toMatchObject({
      pipeline: 981,
      error: { status: 409, forge: 'gitlab.com', route: 'PUT /merge_requests/12' },
    });
    // The DSN key is a registered secret, yet the envelope keeps it where Sentry needs it.
    expect(receiver.items[0]?.envelopeHeader.trace).toMatchObject({ public_key: receiver.publicKey });
  });

  it('sends the error cause chain (linked errors)', async () => {
    const error = new Error('update-component failed', { cause: new TypeError('fetch failed') });
    sentry.captureRunFailure(error, run);
    await sentry.flush(30_000);
    const values = receiver.events()[0]?.exception?.values ?? [];
    expect(values.map((v) => v.value)).toEqual(['fetch failed', 'update-component failed']);
  });

  it('sends a non-exception alert as a message event', async () => {
    sentry.captureMessage('package gitlab-ee 17.2.1 failed to promote', {
      ...run,
      job: 'promote-packages',
      level: 'error',
      tags: { package: 'gitlab-ee' },
      fingerprint: ['promote', 'gitlab-ee'],
    });
    await sentry.flush(30_000);
    const [event] = receiver.events();
    expect(event?.message).toBe('package gitlab-ee 17.2.1 failed to promote');
    expect(event?.level).toBe('error');
    expect(event?.tags).toMatchObject({ job: 'promote-packages', package: 'gitlab-ee', dry_run: 'false' });
    expect(event?.fingerprint).toEqual(['promote', 'gitlab-ee']);
  });

  it('sends check-ins in_progress then ok around a good run, with the monitor config', async () => {
    const result = await sentry.withCheckIn(monitor, async () => 'done');
    expect(result).toBe('done');
    await sentry.flush(30_000);
    const checkIns = receiver.checkIns();
    expect(checkIns.map((c) => c.status)).toEqual(['in_progress', 'ok']);
    expect(checkIns[1]?.check_in_id).toBe(checkIns[0]?.check_in_id);
    expect(checkIns[1]?.duration).toBeGreaterThanOrEqual(0);
    for (const checkIn of checkIns) {
      expect(checkIn.monitor_slug).toBe('release-bot-update-component');
      expect(checkIn.environment).toBe('test');
      expect(checkIn.monitor_config).toEqual({
        schedule: { type: 'crontab', value: '0 * * * *' },
        timezone: 'Europe/Amsterdam',
        checkin_margin: 5,
        max_runtime: 30,
      });
    }
  });

  it('sends check-ins in_progress then error when the run throws, and rethrows', async () => {
    await expect(
      sentry.withCheckIn(monitor, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await sentry.flush(30_000);
    expect(receiver.checkIns().map((c) => c.status)).toEqual(['in_progress', 'error']);
    expect(receiver.checkIns()[0]?.monitor_config?.schedule).toEqual({ type: 'crontab', value: '0 * * * *' });
  });

  it('closes the check-in as error when the result says the run failed', async () => {
    const result = await sentry.withCheckIn(monitor, async () => ({ status: 'failed' }), {
      isFailure: (r) => r.status === 'failed',
    });
    expect(result).toEqual({ status: 'failed' });
    await sentry.flush(30_000);
    expect(receiver.checkIns().map((c) => c.status)).toEqual(['in_progress', 'error']);
  });

  it('never sends a registered secret: message, exception, cause, extra, tags, fingerprint, breadcrumbs', async () => {
    const late = canaryToken('late');
    Sentry.addBreadcrumb({ category: 'http', message: `GET /api/v4/projects?private_token=${canary}` });
    Sentry.addBreadcrumb({ category: 'http', data: { authorization: `Bearer ${late}` } });
    // Registered after the breadcrumb was recorded: masking at send time still catches it.
    registerSecret(late);

    const error = new Error(`request to https://gitlab.example/api?private_token=${canary} failed`, {
      cause: new Error(`token ${late} rejected`),
    });
    sentry.captureRunFailure(error, {
      ...run,
      fingerprint: ['leak', canary],
      tags: { token: canary },
      extra: {
        token: canary,
        nested: { header: `Bearer ${canary}`, basic: Buffer.from(canary).toString('base64') },
        list: [`${late}`],
      },
    });
    sentry.captureMessage(`promotion failed with token ${canary}`, { ...run, extra: { late } });
    await sentry.flush(30_000);

    expect(receiver.events()).toHaveLength(2);
    const raw = receiver.envelopes.map((e) => e.raw);
    assertNoCanary(canary, raw, 'Sentry envelopes');
    assertNoCanary(late, raw, 'Sentry envelopes');
    const [failure] = receiver.events();
    expect(failure?.exception?.values?.at(-1)?.value).toBe(
      `request to https://gitlab.example/api?private_token=${MASK_TEXT} failed`,
    );
    expect(failure?.breadcrumbs?.map((b) => b.message ?? b.data)).toEqual([
      `GET /api/v4/projects?private_token=${MASK_TEXT}`,
      { authorization: `Bearer ${MASK_TEXT}` },
    ]);
  });

  it('sends no transactions or sessions: tracing is off unless configured', async () => {
    await Sentry.startSpan({ name: 'run update-component' }, async () => undefined);
    sentry.captureMessage('after a span', run);
    await sentry.flush(30_000);
    expect(receiver.items.map((i) => i.type)).toEqual(['event']);
  });

  it('gives up quietly when the ingest endpoint refuses (a run never fails because Sentry is down)', async () => {
    receiver.failNext(1, 503);
    sentry.captureMessage('first', run);
    await sentry.flush(30_000);
    expect(receiver.events()).toHaveLength(0);
    sentry.captureMessage('second', run);
    await sentry.flush(30_000);
    expect(receiver.events().map((e) => e.message)).toEqual(['second']);
  });
});
