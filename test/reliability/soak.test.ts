import { afterAll, describe, expect, it } from 'vitest';
import { writeArtifact, writePart } from './support/figures.js';
import { formatSoak, runSoak, type SoakReport } from './support/soak.js';

/**
 * The fault soak, short: 12 scheduled cycles of every job over the reliability world with 20 %
 * of the bot's API requests failing (5xx, 429 with Retry-After, resets) and latency, against the
 * same scenario without faults. `npm run soak` runs 100 cycles (bench/soak.ts).
 */

const CYCLES = 12;

describe('fault soak (short)', () => {
  let report: SoakReport;

  afterAll(() => {
    if (!report) return;
    writeArtifact('soak-short.json', report);
    writePart('soak', {
      summary: `fault soak: ${report.cycles} cycles × ${report.jobs} jobs, ${Object.entries(
        report.faultsInjected,
      )
        .map(([k, v]) => `${v} ${k}`)
        .join(
          ', ',
        )} injected (${Math.round(report.faultRate * 100)} % of the bot's requests), ${report.held}/${report.invariants.length} invariants held`,
      checked: report.invariants.length,
      held: report.held,
      cycles: report.cycles,
      runs: report.runs,
      faultsInjected: report.faultsInjected,
      faultRate: report.faultRate,
    });
  });

  it('holds every invariant and ends where the fault-free run ends', async () => {
    report = await runSoak({ cycles: CYCLES });
    console.log(formatSoak(report));
    expect(report.faultRate).toBeGreaterThan(0.12);
    for (const kind of ['error', 'rate_limit', 'reset'])
      expect(report.faultsInjected[kind]).toBeGreaterThan(0);
    expect(report.invariants.filter((i) => !i.held)).toEqual([]);
  }, 240_000);
});
