import type { Deployment } from '../../src/forges/types.js';
import type { Verdict } from '../../src/runner/job.js';
import { targetName, type Target } from './options.js';
import type { VerdictRecord } from './records.js';
import { describeDeployment } from './subject.js';

/**
 * The deployment's verdict for the runner's alerts, per target (`deployment:<target>`): a failed
 * deployment opens an alert on its target, the next deployment to the same target that passes
 * closes it; an inconclusive window changes nothing, and neither does a run with no new deployment.
 */

export function subjectKey(target: Target): string {
  return `deployment:${targetName(target)}`;
}

export function deploymentVerdict(input: {
  target: Target;
  deployment: Deployment;
  verdict: VerdictRecord | null;
  /** What the bot did about it: "rolled back to #41", "rollback not allowed: …". */
  rollback: string | null;
  /** A later successful deployment to the environment exists (this one was asked for by id). */
  supersededBy?: number;
}): Verdict | undefined {
  const { target, deployment, verdict } = input;
  if (!verdict) return undefined;
  const what = describeDeployment(deployment);
  const subject = subjectKey(target);
  if (verdict.verdict === 'pass' && input.supersededBy !== undefined)
    // What runs now is the later deployment: this pass must not close its alert.
    return {
      subject,
      verdict: 'unknown',
      title: `${what} passed verification, but #${input.supersededBy} is the latest deployment`,
      url: deployment.webUrl,
    };
  if (verdict.verdict === 'pass')
    return { subject, verdict: 'healthy', title: `${what} passed verification`, url: deployment.webUrl };
  if (verdict.verdict !== 'fail')
    return {
      subject,
      verdict: 'unknown',
      title: `${what}: verification inconclusive`,
      reason: verdict.summary,
      url: deployment.webUrl,
    };
  const evidence = verdict.failed.map(
    (f) => `${f.gate} ${f.name}: ${f.reason}${f.evidence ? ` (${f.evidence})` : ''}`,
  );
  return {
    subject,
    verdict: 'alert',
    title: `${what} failed verification`,
    reason: evidence.join('; ') || verdict.summary,
    url: deployment.webUrl,
    nextStep: `${input.rollback ? `${input.rollback}. ` : ''}Roll back or fix forward; the alert closes when a later deployment to ${target.environment} passes verification.`,
  };
}
