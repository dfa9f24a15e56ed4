import { z } from 'zod';
import type { Store } from '../store/types.js';

/**
 * Where each merged bump of update-component went: the environments it reached, with the
 * deployment that carried it there, and what happened after (a failed deployment that carried
 * it, a rollback past it). follow-deployments owns the records (its job state, one per bump MR);
 * `release-bot trace` and the status page read them through `src/domain/bump-trace.ts`.
 */

export const FOLLOW_JOB = 'follow-deployments';
export const BUMP_RECORD_PREFIX = 'bump:';

const deploymentRef = z.object({
  id: z.number().int(),
  sha: z.string(),
  url: z.string(),
  ref: z.string(),
  /** The deployment's version (GitHub payload), else its ref (an auto-deploy package tag). */
  version: z.string(),
});

export const arrivalSchema = z.object({
  deployment: deploymentRef,
  /** When the deployment finished (its updated time, ISO). */
  at: z.string(),
  /** What the environment ran before (for a rollback: where it would go back to). */
  previous: deploymentRef.nullable(),
  /** Effects already performed, so a killed run finishes the rest and repeats none. */
  done: z.object({ label: z.boolean(), note: z.boolean(), slack: z.boolean(), component: z.boolean() }),
});

export const bumpEventSchema = z.object({
  kind: z.enum(['failed', 'rolled-back']),
  environment: z.string(),
  deployment: deploymentRef,
  at: z.string(),
  done: z.object({ note: z.boolean(), slack: z.boolean() }),
});

export const bumpRecordSchema = z.object({
  component: z.string(),
  forge: z.string(),
  project: z.string(),
  iid: z.number().int(),
  url: z.string(),
  title: z.string(),
  /** The component commit the bump set, and the one it replaced. */
  sha: z.string(),
  from: z.string().nullable(),
  /** Component commits the bump carried (oldest first, `sha` last); complete unless the compare was cut. */
  commits: z.array(z.string()),
  commitsComplete: z.boolean(),
  /** The commit the merge put on the consuming project's branch. */
  mergeSha: z.string(),
  mergedAt: z.string(),
  /** The followed environments in order, with the workflow label of each. */
  environments: z.array(z.object({ name: z.string(), label: z.string() })),
  reached: z.record(z.string(), arrivalSchema),
  events: z.array(bumpEventSchema),
  /** Environments where a later deployment went back past it (cleared when it comes back). */
  rolledBack: z.record(z.string(), z.object({ deploymentId: z.number().int(), at: z.string() })),
  /** Set when it has been on the last environment long enough: no longer followed. */
  settledAt: z.string().nullable(),
});

export type BumpRecord = z.infer<typeof bumpRecordSchema>;
export type Arrival = z.infer<typeof arrivalSchema>;
export type BumpEvent = z.infer<typeof bumpEventSchema>;
export type DeploymentRef = z.infer<typeof deploymentRef>;

export function bumpRecordKey(r: Pick<BumpRecord, 'component' | 'forge' | 'project' | 'iid'>): string {
  return `${BUMP_RECORD_PREFIX}${r.component}:${r.forge}:${r.project}:${r.iid}`;
}

/** Every record that parses (a record that does not is left out rather than trusted). */
export async function loadBumpRecords(store: Pick<Store, 'listState'>): Promise<BumpRecord[]> {
  const rows = await store.listState<unknown>(FOLLOW_JOB, BUMP_RECORD_PREFIX);
  return rows.flatMap((row) => {
    const parsed = bumpRecordSchema.safeParse(row.value);
    return parsed.success ? [parsed.data] : [];
  });
}
