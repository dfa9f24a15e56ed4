import {
  deployVerdicts,
  newestPerEnvironment,
  type DeployVerdict,
} from '../../src/domain/deploy-verdicts.js';
import { render } from '../../src/kit/template.js';
import type { JobContext, Link } from '../../src/runner/job.js';
import { runUrlOf } from '../../src/runner/run-url.js';
import { tagTemplates, type Options } from './options.js';

/**
 * Publish only what passed: before a version is promoted, what verify-deployment recorded for it
 * (src/domain/deploy-verdicts.ts) is read. The newest verdict per environment counts (a version
 * redeployed later is judged by its latest deploy):
 * - any failed, or rolled back → refused (the run fails with the reason and where to look),
 *   unless `--force --reason "…"`: then it is promoted and the reason is recorded;
 * - none at all → a warning (promoted: the bot cannot tell, a human may know better);
 * - some inconclusive → a warning;
 * - all passed → promoted.
 */

export type VerificationState = 'passed' | 'refused' | 'forced' | 'unverified' | 'inconclusive' | 'off';

export interface VerificationCheck {
  state: VerificationState;
  /** One line saying why (with the verify-deployment run ids to look at). */
  reason: string;
  /** The deployed spellings looked for. */
  versions: string[];
  /** The verdicts that decided (newest per environment). */
  verdicts: DeployVerdict[];
  /** Deployments, rollbacks and the failing gates' evidence. */
  links: Link[];
  /** `--force --reason`: why a human overrode a refusal. */
  forcedReason?: string;
}

const AUTO_DEPLOY = /^(\d+\.\d+\.\d{12})[-+]([0-9a-f]{11,40}\.[0-9a-f]{11,40})$/;

/** How the version is spelled where it was deployed. */
export function deployedSpellings(options: Options, version: string): string[] {
  const templates = options.verification.deployedAs ?? [
    '{version}',
    ...(options.mode === 'pipeline' && options.pipeline ? tagTemplates(options.pipeline) : []),
  ];
  const spellings = templates.map((t) => render(t, { version }));
  // An auto-deploy package is deployed on its tag (`+`) and named with `-`: either spelling counts.
  for (const s of [...spellings])
    if (AUTO_DEPLOY.test(s)) spellings.push(s.replace(AUTO_DEPLOY, '$1-$2'), s.replace(AUTO_DEPLOY, '$1+$2'));
  return [...new Set(spellings)];
}

function counts(options: Options, v: DeployVerdict): boolean {
  const wanted = options.verification.environments;
  return !wanted || wanted.includes(v.target) || wanted.includes(v.environment);
}

function bad(v: DeployVerdict): boolean {
  return v.verdict === 'fail' || v.rolledBack !== null;
}

function describe(v: DeployVerdict): string {
  const what =
    v.verdict === 'fail'
      ? 'failed verification'
      : v.verdict === 'pass'
        ? 'passed verification'
        : v.verdict === 'unknown'
          ? 'could not be verified'
          : 'was not judged';
  const back = v.rolledBack ? `, rolled back${v.rolledBack.to ? ` to ${v.rolledBack.to}` : ''}` : '';
  return `${v.environment} #${v.deployment.id} (${v.version}) ${what}${back}: ${v.summary} (verify-deployment run ${v.runId}: release-bot show ${v.runId})`;
}

function linksOf(ctx: JobContext, verdicts: DeployVerdict[]): Link[] {
  const links: Link[] = [];
  for (const v of verdicts) {
    // The verify-deployment run's page, where the status page is reachable (`server.publicUrl`).
    const run = bad(v) ? runUrlOf(ctx.config, v.runId) : undefined;
    if (run) links.push({ text: `verify-deployment run ${v.runId}`, url: run });
    links.push({ text: `${v.environment} deployment #${v.deployment.id}`, url: v.deployment.url });
    if (v.rolledBack?.url) links.push({ text: `rollback of #${v.deployment.id}`, url: v.rolledBack.url });
    if (bad(v)) links.push(...v.links);
  }
  return links.filter((l) => /^https?:\/\//.test(l.url));
}

export async function checkVerification(
  ctx: JobContext,
  options: Options,
  version: string,
  forcedReason: string | undefined,
): Promise<VerificationCheck> {
  const versions = deployedSpellings(options, version);
  if (!options.verification.enabled)
    return {
      state: 'off',
      reason: 'verification is not checked (verification.enabled: false)',
      versions,
      verdicts: [],
      links: [],
    };
  const all = (await deployVerdicts(ctx.store, versions)).filter((v) => counts(options, v));
  const verdicts = newestPerEnvironment(all);
  const where = options.verification.environments?.join(', ') ?? 'any environment';
  if (verdicts.length === 0)
    return {
      state: 'unverified',
      reason: `${version} was never verified by verify-deployment (${where}; looked for ${versions.join(', ')})`,
      versions,
      verdicts,
      links: [],
    };
  const refused = verdicts.filter(bad);
  if (refused.length > 0) {
    const reason = refused.map(describe).join('; ');
    return {
      state: forcedReason ? 'forced' : 'refused',
      reason,
      versions,
      verdicts,
      links: linksOf(ctx, verdicts),
      ...(forcedReason ? { forcedReason } : {}),
    };
  }
  const inconclusive = verdicts.filter((v) => v.verdict !== 'pass');
  if (inconclusive.length > 0)
    return {
      state: 'inconclusive',
      reason: inconclusive.map(describe).join('; '),
      versions,
      verdicts,
      links: linksOf(ctx, verdicts),
    };
  return {
    state: 'passed',
    reason: verdicts.map(describe).join('; '),
    versions,
    verdicts,
    links: linksOf(ctx, verdicts),
  };
}

/** Shown with the run (Slack field, run details). */
export function verificationLine(check: VerificationCheck): string {
  switch (check.state) {
    case 'passed':
      return `passed: ${check.reason}`;
    case 'refused':
      return `REFUSED: ${check.reason}`;
    case 'forced':
      return `forced past a failed verification (reason: ${check.forcedReason}): ${check.reason}`;
    case 'unverified':
      return `warning: ${check.reason}`;
    case 'inconclusive':
      return `warning: not conclusive: ${check.reason}`;
    case 'off':
      return check.reason;
  }
}

/** Appended to the run summary (history) when the verification is worth a word. */
export function verificationSuffix(check: VerificationCheck): string {
  switch (check.state) {
    case 'forced':
      return ` — forced past a failed verification, reason: ${check.forcedReason}`;
    case 'unverified':
      return ' — warning: never verified by verify-deployment';
    case 'inconclusive':
      return ' — warning: verification not conclusive';
    default:
      return '';
  }
}
