import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSentryReceiver,
  type SentryReceiver,
} from '../../packages/forge-sandbox/src/receivers/sentry-receiver.js';
import { crashSuite, type CrashReport, type CrashScenario } from './support/crash.js';
import { writePart } from './support/figures.js';

/**
 * Runs the crash points of some jobs' scenarios (one test file per group, so groups run in
 * parallel) and writes the group's figures.
 */
export function describeCrashes(group: string, scenarios: CrashScenario[]): void {
  describe(`crash points: ${group}`, () => {
    let sentry: SentryReceiver;
    const reports: CrashReport[] = [];
    // Whole hours back, so every world of a scenario starts at the same simulated time.
    const start = new Date(Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR);

    beforeAll(async () => {
      sentry = await startSentryReceiver();
    });
    afterAll(async () => {
      await sentry.close();
      const points = reports.flatMap((r) => r.points);
      writePart(`crash-${group}`, {
        summary: `crash points (${reports.map((r) => `${r.job} ${r.points.length}`).join(', ')}): ${points.length} SIGKILLs after a write, ${points.filter((p) => p.problems.length === 0).length} converged${points.some((p) => p.notResent.length) ? `, ${points.filter((p) => p.notResent.length).length} at-most-once Slack window(s) not resent as designed` : ''}`,
        checked: points.length,
        held: points.filter((p) => p.problems.length === 0).length,
        crashes: points.length,
        jobs: reports.map((r) => ({
          job: r.job,
          scenario: r.title,
          writes: r.writes,
          points: r.points,
        })),
      });
    });

    for (const scenario of scenarios)
      it(`${scenario.job}: ${scenario.title}`, async () => {
        const report = await crashSuite(scenario, { start, sentry });
        reports.push(report);
        expect(report.writes.length).toBeGreaterThan(1);
        expect(report.points.map((p) => p.hung?.kind ?? null)).not.toContain(null);
        expect(report.points.filter((p) => p.problems.length > 0)).toEqual([]);
      }, 120_000);
  });
}

const HOUR = 3_600_000;
