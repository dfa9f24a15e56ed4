/**
 * What one stage gate answers. Its own file so that each gate (ci-gate.ts, health-gate.ts,
 * sentry-gate.ts) and the module that runs them all (gates.ts) share it without a circle.
 */

export interface Evidence {
  ok: boolean;
  text: string;
  url?: string;
  /** Identity without times: the same failure seen on the next poll has the same key. */
  key: string;
}

export interface GateResult {
  gate: 'ci' | 'sentry' | 'health';
  ok: boolean;
  /** One line: what was judged and the verdict. */
  summary: string;
  evidence: Evidence[];
}
