import { sleep } from '../../src/kit/sleep.js';
import type { Link } from '../../src/runner/job.js';
import { addSample, emptyTally, failure, overall, verdict, type GateVerdict, type Tally } from './judge.js';
import type { GateKind, Probe, Sample } from './probe.js';

/**
 * The evaluation window: every probe is sampled at once, then again every interval, until the
 * window is over — or until a probe has failed for good, since waiting out the window on a broken
 * deploy only delays the alert and the rollback.
 */

/** Waits `ms` (or until the run is aborted). Tests pass one that moves the simulator clock. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = sleep;

export interface ProbeReport {
  gate: GateKind;
  name: string;
  verdict: GateVerdict;
  /** Why: "3 consecutive failures (limit 3)", "20 of 21 samples passed". */
  reason: string;
  tally: Tally;
  /** The most telling sample: the last failure, else the last sample. */
  evidence: string;
  /** A few samples in order, for the run's details. */
  samples: { at: string; outcome: Sample['outcome']; evidence: string }[];
  links: Link[];
}

export interface WindowReport {
  verdict: GateVerdict;
  probes: ProbeReport[];
  planned: number;
  taken: number;
  /** Stopped before the end because a probe failed. */
  stoppedEarly: boolean;
  startedAt: string;
  endedAt: string;
}

const KEEP_SAMPLES = 30;

export async function runWindow(input: {
  probes: Probe[];
  windowMs: number;
  intervalMs: number;
  sleep: Sleep;
  signal: AbortSignal;
  now: () => Date;
  onTick?: (tick: number, planned: number) => void;
}): Promise<WindowReport> {
  const { probes, intervalMs, sleep, signal, now } = input;
  // Samples at 0, interval, 2×interval, … up to the window's end, both ends included.
  const planned = Math.floor(input.windowMs / intervalMs) + 1;
  const startedAt = now().toISOString();
  const states = probes.map((probe) => ({
    probe,
    tally: emptyTally(),
    samples: [] as ProbeReport['samples'],
    lastFailure: undefined as Sample | undefined,
    last: undefined as Sample | undefined,
    links: new Map<string, Link>(),
  }));
  let taken = 0;
  let stoppedEarly = false;
  for (let tick = 0; tick < planned; tick++) {
    if (tick > 0) await sleep(intervalMs, signal);
    if (signal.aborted) throw signal.reason;
    input.onTick?.(tick, planned);
    const at = now().toISOString();
    const samples = await Promise.all(states.map((s) => s.probe.take(signal)));
    taken++;
    samples.forEach((sample, i) => {
      const state = states[i]!;
      state.tally = addSample(state.tally, sample.outcome);
      state.last = sample;
      if (sample.outcome === 'fail') state.lastFailure = sample;
      for (const link of sample.links ?? []) state.links.set(link.url, link);
      state.samples.push({ at, outcome: sample.outcome, evidence: sample.evidence });
      if (state.samples.length > KEEP_SAMPLES) state.samples.splice(1, 1);
    });
    if (states.some((s) => failure(s.tally, s.probe.tolerance, planned))) {
      stoppedEarly = tick < planned - 1;
      break;
    }
  }
  const reports: ProbeReport[] = states.map((s) => {
    const judged = verdict(s.tally, s.probe.tolerance, planned);
    if (stoppedEarly && judged.verdict === 'pass' && s.tally.failures > 0)
      judged.reason = `${s.tally.failures} of ${s.tally.samples} samples failed before the window stopped`;
    const telling = judged.verdict === 'fail' ? (s.lastFailure ?? s.last) : s.last;
    return {
      gate: s.probe.gate,
      name: s.probe.name,
      verdict: judged.verdict,
      reason: judged.reason,
      tally: s.tally,
      evidence: telling?.evidence ?? 'no sample taken',
      samples: s.samples,
      links: [...s.links.values()].slice(0, 5),
    };
  });
  return {
    verdict: overall(reports.map((r) => r.verdict)),
    probes: reports,
    planned,
    taken,
    stoppedEarly,
    startedAt,
    endedAt: now().toISOString(),
  };
}
