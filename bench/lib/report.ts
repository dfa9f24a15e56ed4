import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Benchmark figures: each bench script writes bench/results/<name>.json; bench/run.ts gathers
 * them into bench/RESULTS.md. A figure carries its target so the summary says met or not, and
 * when not, the note says why.
 */

export interface Figure {
  /** Section in RESULTS.md, e.g. "Requests per decision". */
  group: string;
  name: string;
  value: number;
  unit: string;
  /** `value <= max` or `value >= min`. */
  target?: { max?: number; min?: number };
  note?: string;
}

export interface BenchResult {
  bench: string;
  date: string;
  machine: string;
  figures: Figure[];
}

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const RESULTS_DIR = join(BENCH_DIR, 'results');

export function machine(): string {
  const cpu = cpus();
  return `${type()} ${process.arch}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function met(figure: Figure): boolean | undefined {
  if (!figure.target) return undefined;
  if (figure.target.max !== undefined && figure.value > figure.target.max) return false;
  if (figure.target.min !== undefined && figure.value < figure.target.min) return false;
  return true;
}

export function targetText(figure: Figure): string {
  if (!figure.target) return '';
  const parts = [];
  if (figure.target.max !== undefined) parts.push(`≤ ${figure.target.max} ${figure.unit}`);
  if (figure.target.min !== undefined) parts.push(`≥ ${figure.target.min} ${figure.unit}`);
  return parts.join(', ');
}

export function writeResult(bench: string, figures: Figure[]): BenchResult {
  const result: BenchResult = { bench, date: new Date().toISOString(), machine: machine(), figures };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${bench}.json`), `${JSON.stringify(result, null, 2)}\n`);
  for (const f of figures) {
    const ok = met(f);
    console.log(
      `${ok === undefined ? ' ' : ok ? '✓' : '✗'} ${f.group} · ${f.name}: ${round(f.value)} ${f.unit}${f.target ? ` (target ${targetText(f)})` : ''}${f.note ? ` — ${f.note}` : ''}`,
    );
  }
  return result;
}

export function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
