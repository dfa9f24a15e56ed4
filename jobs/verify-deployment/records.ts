import type { Deployment } from '../../src/forges/types.js';
import type { JobState } from '../../src/runner/job.js';
import type { GateVerdict } from './judge.js';
import type { Target } from './options.js';
import { targetName } from './options.js';

/**
 * What the job keeps in the store, per target (its name):
 * - `cursor:<target>`: the newest deployment id seen, so each deployment is picked up once (the
 *   first run records it without verifying history);
 * - `pending:<target>:<id>`: a deployment picked up but not finished with (verify, roll back,
 *   tell): a run killed half-way resumes it, and the key is deleted once on-call has been told;
 * - `verdict:<target>:<id>`: the verdict, so a deployment that failed is never a rollback target;
 * - `rollback:<target>:<id>`: the rollback triggered (or refused) for a failed deployment, so
 *   it is never done twice, and so the deployment a rollback produces is recognised.
 */

export interface Cursor {
  project: string;
  forge: string;
  id: number;
  at: string;
}

export interface PendingRecord {
  deployment: Deployment;
  discoveredAt: string;
  /** Set once the window is over: a resumed run acts on it instead of watching again. */
  verdict?: VerdictRecord;
  /**
   * A later successful deployment to the same environment (a manual `--deployment` of an older
   * one): its pass says nothing about what runs now, so it closes no alert.
   */
  supersededBy?: number;
}

export interface VerdictRecord {
  verdict: GateVerdict;
  at: string;
  summary: string;
  failed: { gate: string; name: string; reason: string; evidence: string }[];
  /** Links gathered by failing probes (Sentry issues, Prometheus graphs). */
  links: { text: string; url: string }[];
}

export interface RollbackRecord {
  state: 'triggered';
  at: string;
  method: 'retry-job' | 'create-deployment';
  to: { id: number; sha: string; version: string };
  /** GitLab: the job attempt that redeploys `to` (its deployment is the rollback). */
  jobId?: number;
  /** GitHub: the deployment created. */
  deploymentId?: number;
  url?: string;
}

function name(target: Target): string {
  return targetName(target);
}

export const keys = {
  cursor: (target: Target) => `cursor:${name(target)}`,
  pending: (target: Target, id?: number) => `pending:${name(target)}:${id ?? ''}`,
  verdict: (target: Target, id: number) => `verdict:${name(target)}:${id}`,
  rollback: (target: Target, id?: number) => `rollback:${name(target)}:${id ?? ''}`,
};

export async function readCursor(state: JobState, target: Target): Promise<Cursor | undefined> {
  const cursor = await state.get<Cursor>(keys.cursor(target));
  // A target moved to another project starts over, as on a first run.
  if (!cursor || cursor.project !== target.project || cursor.forge !== target.forge) return undefined;
  return cursor;
}

export async function pendingOf(state: JobState, target: Target): Promise<PendingRecord[]> {
  const found = await state.list<PendingRecord>(keys.pending(target));
  return found.map((f) => f.value).sort((a, b) => a.deployment.id - b.deployment.id);
}

/** The rollback this bot triggered whose result is `deployment`, if any. */
export async function rollbackProducing(
  state: JobState,
  target: Target,
  deployment: Deployment,
): Promise<RollbackRecord | undefined> {
  const all = await state.list<RollbackRecord>(keys.rollback(target));
  return all
    .map((r) => r.value)
    .find(
      (r) =>
        (r.jobId !== undefined && r.jobId === deployment.jobId) ||
        (r.deploymentId !== undefined && r.deploymentId === deployment.id),
    );
}
