import type { CiJob, Deployment, Forge } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { MigrationsAnswer, PostMigrationsBetween } from './migrations.js';
import { targetName, type Options, type Target } from './options.js';
import { keys, rollbackProducing, type RollbackRecord, type VerdictRecord } from './records.js';
import { describeDeployment, versionOf } from './subject.js';

/**
 * Whether and how a failed deployment is rolled back to the previous good one:
 * - never twice: not when the store says it was done, not when a newer deployment already
 *   replaced the failed one (a rollback deployment, or a fix), and on GitLab not when the deploy
 *   job to re-run already has a newer attempt (a run killed right after retrying it);
 * - the target is the newest earlier successful deployment of something else (another version
 *   or another commit: a GitLab deployer deploys every package from the same commit, the package
 *   is in the ref) that did not itself fail verification;
 * - never past post-deploy migrations (nor when they are unknown);
 * - never a rollback of a rollback: a human decides then.
 * GitLab re-runs the previous deployment's job (what "Rollback environment" does); GitHub gets
 * a new deployment of the previous sha for its deploy workflow to act on.
 */

export type RollbackDecision =
  | { kind: 'retry-job'; to: Deployment; jobId: number; jobUrl: string }
  | { kind: 'create-deployment'; to: Deployment }
  | { kind: 'recommend'; to: Deployment; command: string; how: string }
  | { kind: 'refuse'; to: Deployment; reason: string; migrations: MigrationsAnswer }
  | { kind: 'done'; reason: string; url?: string }
  | { kind: 'impossible'; reason: string };

export type RollbackMode = 'auto' | 'manual';

const IN_PROGRESS = new Set([
  'created',
  'pending',
  'running',
  'preparing',
  'waiting_for_resource',
  'scheduled',
]);

export function rollbackCommand(target: Target, failed: Deployment): string {
  return `release-bot run verify-deployment --environment ${targetName(target)} --deployment ${failed.id} --rollback`;
}

async function previousGood(
  ctx: JobContext,
  forge: Forge,
  target: Target,
  failed: Deployment,
  lookback: number,
): Promise<Deployment | null> {
  const earlier = await forge.deployments.list(target.project, {
    environment: target.environment,
    status: 'success',
    sort: 'desc',
    limit: lookback,
  });
  for (const d of earlier) {
    if (d.id >= failed.id || (d.sha === failed.sha && versionOf(d) === versionOf(failed))) continue;
    const verdict = await ctx.state.get<VerdictRecord>(keys.verdict(target, d.id));
    if (verdict?.verdict === 'fail') continue;
    return d;
  }
  return null;
}

/** The deploy job's attempts in its pipeline, oldest first (GitLab). */
async function attemptsOf(forge: Forge, project: string, deployment: Deployment): Promise<CiJob[] | null> {
  const pipelines = await forge.ci.listPipelines(project, {
    sha: deployment.sha,
    ref: deployment.ref,
    limit: 20,
  });
  for (const pipeline of pipelines) {
    const jobs = await forge.ci.listJobs(project, pipeline.id, { includeRetried: true });
    const original = jobs.find((j) => j.id === deployment.jobId);
    if (original) return jobs.filter((j) => j.name === original.name).sort((a, b) => a.id - b.id);
  }
  return null;
}

export async function decideRollback(input: {
  ctx: JobContext;
  options: Options;
  target: Target;
  failed: Deployment;
  mode: RollbackMode;
  postMigrations: PostMigrationsBetween;
}): Promise<RollbackDecision> {
  const { ctx, options, target, failed, mode } = input;
  const forge = ctx.forge(target.forge);

  const done = await ctx.state.get<RollbackRecord>(keys.rollback(target, failed.id));
  if (done)
    return {
      kind: 'done',
      reason: `already rolled back at ${done.at} to #${done.to.id} (${done.to.version})`,
      url: done.url,
    };

  const [newest] = await forge.deployments.list(target.project, {
    environment: target.environment,
    sort: 'desc',
    limit: 1,
  });
  if (newest && newest.id > failed.id)
    return {
      kind: 'done',
      reason: `a newer deployment, ${describeDeployment(newest)} (${newest.status}), already replaced it`,
      url: newest.webUrl,
    };

  if (await rollbackProducing(ctx.state, target, failed))
    return {
      kind: 'impossible',
      reason:
        'this deployment is itself a rollback by the bot; rolling back further is for a human to decide',
    };

  const to = await previousGood(ctx, forge, target, failed, options.lookback);
  if (!to)
    return {
      kind: 'impossible',
      reason: `no earlier successful deployment of another version to ${target.environment} in the last ${options.lookback}`,
    };

  if (target.checkPostDeployMigrations) {
    const from = versionOf(to);
    const into = versionOf(failed);
    const migrations = await input.postMigrations(from, into);
    if (migrations.unknown.length > 0)
      return {
        kind: 'refuse',
        to,
        migrations,
        reason: `the post-deploy migrations between ${from} and ${into} are not known (${migrations.unknown.join('; ')}): a rollback cannot be proven safe`,
      };
    if (migrations.migrations.length > 0)
      return {
        kind: 'refuse',
        to,
        migrations,
        reason: `${migrations.migrations.length} post-deploy migration${migrations.migrations.length === 1 ? ' was' : 's were'} introduced between ${from} and ${into}; once run, rolling back past them is unsafe`,
      };
  }

  if (forge.capabilities.redeploy === 'retry-deploy-job') {
    if (to.jobId === null)
      return {
        kind: 'impossible',
        reason: `${describeDeployment(to)} was recorded through the API, with no job to re-run: redeploy it by hand`,
      };
    const attempts = await attemptsOf(forge, target.project, to);
    if (!attempts)
      return {
        kind: 'impossible',
        reason: `the deploy job #${to.jobId} of ${describeDeployment(to)} was not found`,
      };
    const latest = attempts[attempts.length - 1]!;
    if (latest.id !== to.jobId) {
      const startedAfter = latest.startedAt && Date.parse(latest.startedAt) >= Date.parse(failed.createdAt);
      if (IN_PROGRESS.has(latest.status) || startedAfter)
        return {
          kind: 'done',
          reason: `job ${latest.name} of ${describeDeployment(to)} was already re-run after the failed deploy (job #${latest.id}, ${latest.status})`,
          url: latest.webUrl,
        };
    }
    if (mode === 'manual')
      return {
        kind: 'recommend',
        to,
        command: rollbackCommand(target, failed),
        how: `re-runs job #${latest.id} (${latest.name}), which redeploys ${describeDeployment(to)}: ${latest.webUrl}`,
      };
    return { kind: 'retry-job', to, jobId: latest.id, jobUrl: latest.webUrl };
  }

  if (mode === 'manual')
    return {
      kind: 'recommend',
      to,
      command: rollbackCommand(target, failed),
      how: `creates a deployment of ${to.sha} to ${target.environment} for the deploy workflow`,
    };
  return { kind: 'create-deployment', to };
}

/** Performs a `retry-job` or `create-deployment` decision and remembers it. */
export async function performRollback(
  ctx: JobContext,
  target: Target,
  failed: Deployment,
  decision: Extract<RollbackDecision, { kind: 'retry-job' | 'create-deployment' }>,
): Promise<RollbackRecord> {
  const forge = ctx.forge(target.forge);
  const to = { id: decision.to.id, sha: decision.to.sha, version: versionOf(decision.to) };
  let record: RollbackRecord;
  if (decision.kind === 'retry-job') {
    const job = await forge.ci.retryJob(target.project, decision.jobId);
    record = {
      state: 'triggered',
      at: ctx.now().toISOString(),
      method: 'retry-job',
      to,
      jobId: job.id,
      url: job.webUrl,
    };
  } else {
    const created = await forge.deployments.create(target.project, {
      environment: target.environment,
      ref: decision.to.ref,
      sha: decision.to.sha,
      version: decision.to.version ?? undefined,
      description: `Rollback of deployment #${failed.id} by release-bot (verify-deployment)`,
    });
    record = {
      state: 'triggered',
      at: ctx.now().toISOString(),
      method: 'create-deployment',
      to,
      deploymentId: created.id,
      url: created.webUrl,
    };
  }
  await ctx.state.set(keys.rollback(target, failed.id), record);
  return record;
}

export function describeRollback(target: Target, failed: Deployment, decision: RollbackDecision): string {
  switch (decision.kind) {
    case 'retry-job':
      return `roll back ${describeDeployment(failed)} to ${describeDeployment(decision.to)} by re-running its deploy job #${decision.jobId}`;
    case 'create-deployment':
      return `roll back ${describeDeployment(failed)} to ${describeDeployment(decision.to)} by creating a deployment of ${decision.to.sha.slice(0, 11)} to ${target.environment}`;
    case 'recommend':
      return `recommend rolling back to ${describeDeployment(decision.to)}: ${decision.command}`;
    case 'refuse':
      return `refuse to roll back to ${describeDeployment(decision.to)}: ${decision.reason}`;
    case 'done':
      return `no rollback: ${decision.reason}`;
    case 'impossible':
      return `no rollback: ${decision.reason}`;
  }
}
