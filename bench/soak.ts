import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSoak, runSoak } from '../test/reliability/support/soak.js';
import { RESULTS_DIR, writeResult, type Figure } from './lib/report.js';

/**
 * `npm run soak`: the fault soak at full length (100 scheduled cycles of every job, 20 % of the
 * bot's API requests failing with 5xx, 429 + Retry-After or a reset, latency on the busy
 * routes) against a fault-free run of the same scenario; figures and invariants in
 * bench/results/soak.json. `npm run soak -- 30` runs 30 cycles. The short version runs in
 * `npm test` (test/reliability/soak.test.ts).
 */

const cycles = Number(process.argv[2] ?? 100);
const report = await runSoak({ cycles, progress: (line) => console.log(line) });
console.log(formatSoak(report));

const figures: Figure[] = [
  {
    group: 'Fault soak',
    name: 'scheduled cycles',
    value: report.cycles,
    unit: 'cycles',
    target: { min: 100 },
  },
  { group: 'Fault soak', name: 'runs recorded', value: report.runs, unit: 'runs' },
  { group: 'Fault soak', name: 'whole-run retries', value: report.runRetries, unit: 'retries' },
  { group: 'Fault soak', name: "bot's API requests", value: report.requests.faulty, unit: 'requests' },
  {
    group: 'Fault soak',
    name: "share of the bot's requests faulted",
    value: Math.round(report.faultRate * 100),
    unit: '%',
    target: { min: 15 },
  },
  ...Object.entries(report.faultsInjected).map(([kind, value]) => ({
    group: 'Fault soak',
    name: `faults injected: ${kind}`,
    value,
    unit: 'faults',
  })),
  {
    group: 'Fault soak',
    name: 'invariants held',
    value: report.held,
    unit: `of ${report.invariants.length}`,
    target: { min: report.invariants.length },
  },
  { group: 'Fault soak', name: 'wall time', value: report.seconds, unit: 's' },
];
const result = writeResult('soak', figures);
// The invariants themselves, next to the figures.
writeFileSync(join(RESULTS_DIR, 'soak.json'), `${JSON.stringify({ ...result, report }, null, 2)}\n`);
process.exit(report.held === report.invariants.length ? 0 : 1);
