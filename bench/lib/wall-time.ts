import { availableParallelism, loadavg } from 'node:os';
import { round, type Figure } from './report.js';

/**
 * Wall time against the critical-path bound. The bound is max(dependent chain, requests ÷ allowed
 * concurrency) × per-request latency. Two readings, side by side:
 *
 * - at the injected latency (the figure): assumes the forge answers in exactly that time.
 *   The simulator is not free, though — it runs in the bot's process, on the same cores (its git
 *   reads go through one long-lived `git cat-file` per repository, the rest is in-process) — so
 *   its answers can take longer than the injected latency;
 * - at the latency the forge actually gave (mean of the request log's durations): what the bot's
 *   scheduling achieves with the forge it had. Near 1× means the bot kept its requests in flight
 *   and the rest of the gap is the forge's own service time.
 *
 * Mean requests in flight (sum of request durations ÷ wall time) shows the same from the other side.
 */

export interface WallTimeInput {
  /** e.g. "update-component update". */
  label: string;
  group: string;
  wallMs: number;
  /** Durations (ms) of the requests the run made, from the simulator's request log. */
  durations: number[];
  chain: number;
  concurrency: number;
  latencyMs: number;
  /** The same run with no injected latency (the simulator's own work), when measured. */
  baselineMs?: number;
  status: string;
}

export function wallTimeFigures(input: WallTimeInput): Figure[] {
  const total = input.durations.length;
  const steps = Math.max(input.chain, Math.ceil(total / input.concurrency));
  const bound = steps * input.latencyMs;
  const observed = total ? input.durations.reduce((a, b) => a + b, 0) / total : 0;
  const observedBound = steps * observed;
  const inFlight = total ? (observed * total) / input.wallMs : 0;
  const baseline =
    input.baselineMs === undefined
      ? ''
      : `; the same run with no injected latency takes ${round(input.baselineMs / 1000)} s (the simulator's own work and the bot's)`;
  const gap =
    input.wallMs / bound > 1.3
      ? ` Gap: the simulator answered in ${round(observed)} ms on average, not ${input.latencyMs} ms (the simulator works in the bot's process, and other processes share the ${availableParallelism()} cores: see the load average); see the next figure.`
      : '';
  return [
    {
      group: input.group,
      name: `${input.label}: wall time / critical-path bound at the injected latency`,
      value: input.wallMs / bound,
      unit: '×',
      target: { max: 1.3 },
      note: `${round(input.wallMs / 1000)} s for ${total} requests (bound ${round(bound / 1000)} s = max(chain ${input.chain}, ${total}/${input.concurrency}) × ${input.latencyMs} ms)${baseline}; run ${input.status}; load average ${loadavg()
        .map((l) => round(l))
        .join(', ')} (1, 5, 15 min) at the end.${gap}`,
    },
    {
      group: input.group,
      name: `${input.label}: wall time / critical-path bound at the forge's observed latency`,
      value: input.wallMs / observedBound,
      unit: '×',
      target: { max: 1.3 },
      note: `mean answer ${round(observed)} ms → bound ${round(observedBound / 1000)} s; ${round(inFlight)} of ${input.concurrency} requests in flight on average`,
    },
  ];
}
