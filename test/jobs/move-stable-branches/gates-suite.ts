import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../../src/runner/runner.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import { snapshot, stableWorld, type StableWorld, SCENARIO_TIMEOUT } from './world.js';

/**
 * Each stage gate failing on its own stops everything with a clear report: a failing stage check
 * (and a re-run that passed replacing it), a stale check, a new Sentry issue served by the fake
 * Sentry API (and Sentry unreachable), an unhealthy URL. Scheduled runs alert Sentry and Slack
 * once per failure; manual runs print it and fail.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** `sentry`: this world receives Sentry events (one per test file: the SDK is process-global). */
export function gatesSuite(forge: SimForge, sentry: boolean): void {
  describe(`move-stable-branches gates on ${forge}`, { timeout: SCENARIO_TIMEOUT }, () => {
    let w: StableWorld;
    let before: Record<string, string>;

    async function expectNothingMoved(run: () => Promise<RunOutcome>): Promise<RunOutcome> {
      const since = w.sim.mark();
      const outcome = await run();
      expect(await snapshot(w)).toEqual(before);
      expect(w.writes(since)).toEqual([]);
      return outcome;
    }

    beforeAll(async () => {
      w = await stableWorld(forge, { canaryCi: true, sentry, repos: ['packit', 'dashboard'] });
      await w.push('packit', 'Add packit feature');
      await w.push('dashboard', 'Dashboard: new graphs');
      await w.stage('success');
      await w.sim.advance(MINUTE);
      before = await snapshot(w);
    }, SCENARIO_TIMEOUT);
    afterAll(() => w.close(), SCENARIO_TIMEOUT);

    it('all gates pass: a dry run shows each with its evidence and moves nothing', async () => {
      const { run, result } = await expectNothingMoved(() => w.run({ dryRun: true }));
      expect(run.status).toBe('ok');
      const gates = result!.items!.filter((i) => i.name.startsWith('gate:'));
      expect(gates.map((g) => [g.name, g.status])).toEqual([
        ['gate:ci', 'ok'],
        ['gate:sentry', 'ok'],
        ['gate:health', 'ok'],
      ]);
      expect(result!.actions.map((a) => [a.kind, a.done])).toEqual([
        ['ask-approval', false],
        ['move-branch', false],
        ['move-branch', false],
      ]);
    });

    it('a failing stage check stops the move; a re-run that passed replaces the failure', async () => {
      await w.stage('failed', ['stage/dashboard']);
      const { run, result } = await expectNothingMoved(() => w.run({ args: { yes: true } }));
      expect(run.status).toBe('failed');
      expect(run.summary).toContain('stage gate failed, nothing moved: ci: 1 of 2 stage check(s)');
      expect(run.summary).toContain('stage/dashboard: failed');
      const ci = result!.items!.find((i) => i.name === 'gate:ci')!;
      expect(ci.links).toEqual([expect.objectContaining({ url: 'https://stage.example/stage/dashboard' })]);

      await w.sim.advance(MINUTE);
      await w.stage('success', ['stage/dashboard']);
      const { run: again } = await w.run({ dryRun: true });
      expect(again.status).toBe('ok');
    });

    it('judges CI jobs (check runs on GitHub) newest attempt first, and refuses stale checks', async () => {
      await w.push('hello-world', 'Validate stage [ci:flaky=stage-e2e]');
      await w.sim.advance(10 * MINUTE);
      const red = await expectNothingMoved(() => w.run({ args: { yes: true } }));
      expect(red.run.summary).toContain('stage-e2e: failed');

      const hello = w.sim.project(forge, 'packit/hello-world');
      const failed = w.sim.world.jobs.find((j) => j.projectId === hello.id && j.status === 'failed')!;
      await w.sim.ci.retryJob(failed, failed.userId);
      await w.sim.advance(10 * MINUTE);
      expect((await w.run({ dryRun: true })).run.status).toBe('ok');

      await w.sim.advance(13 * HOUR);
      const stale = await expectNothingMoved(() => w.run({ args: { yes: true } }));
      expect(stale.run.status).toBe('failed');
      expect(stale.run.summary).toMatch(/stage-e2e: success at .* older than 12h/);

      await w.push('hello-world', 'Morning validation');
      await w.sim.advance(10 * MINUTE);
      expect((await w.run({ dryRun: true })).run.status).toBe('ok');
    });

    it('a new unresolved Sentry issue on stage stops the move, with its link; others do not count', async () => {
      const now = w.sim.clock.now().getTime();
      w.sentry.addIssue({
        project: 'packit-service',
        title: 'Old crash',
        environment: 'stage',
        firstSeen: new Date(now - 8 * 24 * HOUR).toISOString(),
      });
      w.sentry.addIssue({ project: 'packit-service', title: 'Prod only', environment: 'production' });
      w.sentry.addIssue({
        project: 'packit-service',
        title: 'Fixed',
        environment: 'stage',
        status: 'resolved',
      });
      w.sentry.addIssue({ project: 'ogr', title: 'Not watched', environment: 'stage' });
      expect((await w.run({ dryRun: true })).run.status).toBe('ok');

      const issue = w.sentry.addIssue({
        project: 'dashboard',
        title: 'TypeError: graph is undefined',
        environment: 'stage',
      });
      const { run, result } = await expectNothingMoved(() => w.run({ args: { yes: true } }));
      expect(run.status).toBe('failed');
      expect(run.summary).toContain('sentry: 1 new unresolved Sentry issue(s)');
      expect(run.summary).toContain('more than the threshold of 0');
      const sentry = result!.items!.find((i) => i.name === 'gate:sentry')!;
      expect(sentry.links![0]!.text).toContain('TypeError: graph is undefined');
      expect(sentry.links![0]!.url).toContain(`/issues/${issue.id}/`);
      const query = w.sentry.requests.at(-1)!;
      expect(query.authorized).toBe(true);
      expect(decodeURIComponent(query.query)).toContain('query=is:unresolved firstSeen:-7d');
      expect(query.query).toContain('environment=stage');
      // the Sentry token is a secret: never in the run record
      expect(JSON.stringify(run)).not.toContain(w.sentry.token);

      w.sentry.clear();
      w.sentry.failNext(4, 503);
      const down = await expectNothingMoved(() => w.run({ args: { yes: true } }));
      expect(down.run.status).toBe('failed');
      expect(down.run.summary).toContain('could not query Sentry for packit-service: HTTP 503');
      w.sentry.clear();
    });

    it('an unhealthy stage URL stops the move: wrong status, or the JSON field is off', async () => {
      w.health.set('/api/healthz', { status: 503, body: { status: 'down' } });
      const down = await expectNothingMoved(() => w.run({ args: { yes: true } }));
      expect(down.run.status).toBe('failed');
      expect(down.run.summary).toContain(
        'health: 1 of 1 stage URL(s) unhealthy: stage API: HTTP 503, expected 200',
      );

      w.health.set('/api/healthz', { status: 200, body: { status: 'degraded' } });
      const degraded = await expectNothingMoved(() => w.run({ args: { yes: true } }));
      expect(degraded.run.summary).toContain('stage API: status is degraded, expected ok');
    });

    it('a scheduled run alerts Sentry and Slack once per failure, polls stay quiet, no approval issue', async () => {
      w.h.slack.clear();
      const alerts = () =>
        w.h.slack.messages.filter((m) => (m.payload.text ?? '').includes('stage gate failed'));
      const events = () =>
        (w.h.sentry?.events() ?? []).filter((e) =>
          JSON.stringify(e.message ?? '').includes('stage gates failed'),
        );
      const first = await expectNothingMoved(() => w.scheduled());
      expect(first.run.status).toBe('skipped');
      await expectNothingMoved(() => w.scheduled());
      expect(alerts()).toHaveLength(1);
      expect(validateBlockKit(alerts()[0]!.payload)).toEqual([]);
      expect(JSON.stringify(alerts()[0]!.payload)).toContain('status is degraded');
      if (sentry) {
        expect(events()).toHaveLength(1);
        expect(events()[0]!.fingerprint).toEqual(['move-stable-branches', 'gates', 'health']);
      }
      expect(w.approvalIssues()).toHaveLength(0);

      // a different failure is a new alert
      w.health.set('/api/healthz', { status: 500 });
      await w.scheduled();
      expect(alerts()).toHaveLength(2);
      if (sentry) expect(events()).toHaveLength(2);

      // a manual run prints the failure and sends nothing itself
      w.h.slack.clear();
      const manual = await w.run();
      expect(manual.run.status).toBe('failed');
      expect(alerts()).toHaveLength(0);
      w.health.set('/api/healthz', { status: 200, body: { status: 'ok' } });
    });
  });
}
