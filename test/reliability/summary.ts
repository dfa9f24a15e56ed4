import { clearParts, readParts, writeArtifact } from './support/figures.js';

/**
 * Global setup/teardown: forget the previous run's reliability figures, and at the end print this
 * run's (cycles, faults injected, crashes, bad inputs, invariants held) and write them to
 * test-artifacts/reliability.json. Silent when no reliability test ran.
 */
export default function setup(): () => void {
  clearParts();
  return () => {
    const parts = readParts();
    const names = Object.keys(parts);
    if (names.length === 0) return;
    const checked = names.reduce((n, k) => n + parts[k]!.checked, 0);
    const held = names.reduce((n, k) => n + parts[k]!.held, 0);
    writeArtifact('reliability.json', { date: new Date().toISOString(), checked, held, parts });
    const lines = [
      '',
      `Reliability and security suite: ${held}/${checked} invariants held (test-artifacts/reliability.json)`,
      ...names.map((k) => `  ${parts[k]!.held === parts[k]!.checked ? '✓' : '✗'} ${parts[k]!.summary}`),
    ];
    console.log(lines.join('\n'));
  };
}
