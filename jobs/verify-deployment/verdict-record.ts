import { recordDeployVerdict, type DeployVerdict } from '../../src/domain/deploy-verdicts.js';
import type { JobContext } from '../../src/runner/job.js';
import type { RollbackOutcome } from './messages.js';
import { targetName } from './options.js';
import type { DeploymentPlan } from './plan.js';

/**
 * The verdict of one deployment as other jobs read it (src/domain/deploy-verdicts.ts): whether
 * its version passed, failed or was rolled back. Written after the plan was applied, so a
 * rollback that was triggered is in it; a resumed run writes the same key again.
 */

function rolledBack(ctx: JobContext, rollback: RollbackOutcome | null): DeployVerdict['rolledBack'] {
  if (!rollback || rollback.error) return null;
  const { decision } = rollback;
  const at = ctx.now().toISOString();
  if ((decision.kind === 'retry-job' || decision.kind === 'create-deployment') && rollback.triggeredUrl)
    return { at, to: decision.to.version ?? decision.to.ref, url: rollback.triggeredUrl };
  if (decision.kind === 'done') return { at, ...(decision.url ? { url: decision.url } : {}) };
  return null;
}

export async function recordVerdict(
  ctx: JobContext,
  plan: DeploymentPlan,
  rollback: RollbackOutcome | null,
): Promise<void> {
  const { target, subject, verdict } = plan;
  const back = rolledBack(ctx, rollback);
  // A rollback request that was refused judged nothing: there is nothing to tell.
  if (!verdict && !back) return;
  await recordDeployVerdict(ctx.state, {
    version: subject.version,
    target: targetName(target),
    environment: subject.deployment.environment,
    forge: target.forge,
    project: target.project,
    deployment: { id: subject.deployment.id, sha: subject.deployment.sha, url: subject.deployment.webUrl },
    verdict: verdict?.verdict ?? null,
    summary: verdict?.summary ?? 'rolled back on request',
    rolledBack: back,
    at: ctx.now().toISOString(),
    runId: ctx.runId,
    links: verdict?.links ?? [],
  });
}
