/**
 * What a job found about one subject of the world (a deployment target, a ref, a package, a
 * component), next to whether the run itself worked. A job returns them in `JobResult.verdicts`;
 * the runner keeps alerts open from `alert` until the same subject is reported `healthy`
 * (src/runner/verdicts.ts). A subject a run does not mention keeps its alert as it is: a no-op
 * run closes nothing.
 */

export type VerdictKind =
  /** Seen fine: closes an open alert on the subject. */
  | 'healthy'
  /** Something is wrong and a human must act: opens (or keeps open) an alert. */
  | 'alert'
  /** Waiting on a human or on time (an approval, a deployment still in its window): changes nothing. */
  | 'waiting'
  /** Could not tell (an inconclusive gate): changes nothing. */
  | 'unknown';

export const VERDICT_KINDS: readonly VerdictKind[] = ['healthy', 'alert', 'waiting', 'unknown'];

export interface Verdict {
  /** Stable across runs: `deployment:production`, `ref:gitlab:org/app:main`. */
  subject: string;
  verdict: VerdictKind;
  /** One line: "production #42 (14.8.1) failed verification". */
  title: string;
  /** Why, with the evidence in a sentence: shown on the page, in logs and in Slack fallbacks. */
  reason?: string;
  /** Where a human looks or acts; http(s) only. */
  url?: string;
  /** What to do next. */
  nextStep?: string;
}
