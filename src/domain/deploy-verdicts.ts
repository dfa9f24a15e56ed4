import { z } from 'zod';
import type { Store } from '../store/types.js';

/**
 * What verify-deployment concluded about each deployment, kept per version so other jobs can ask
 * "did this version work where it was deployed?" (promote-packages refuses to publish a version
 * whose production verification failed or was rolled back). verify-deployment owns the records:
 * it writes them into its own job state through `recordDeployVerdict`; readers go through
 * `deployVerdicts` and never a forge.
 */

export const VERIFY_JOB = 'verify-deployment';
const PREFIX = 'deploy-verdict:';

export const deployVerdictSchema = z.object({
  /** The deployed version as verify-deployment saw it (the deployment's version, else its ref). */
  version: z.string().min(1),
  /** The verify-deployment target (its name) and what it watches. */
  target: z.string().min(1),
  environment: z.string().min(1),
  forge: z.string(),
  project: z.string(),
  deployment: z.object({ id: z.number().int(), sha: z.string(), url: z.string() }),
  /** `null`: not judged, only rolled back (`verify-deployment --rollback`). */
  verdict: z.enum(['pass', 'fail', 'unknown']).nullable(),
  summary: z.string(),
  /** Set when a rollback away from this deployment was triggered (or found already done). */
  rolledBack: z.object({ at: z.string(), to: z.string().optional(), url: z.string().optional() }).nullable(),
  /** When the verdict was recorded (ISO). */
  at: z.string(),
  /** The verify-deployment run that recorded it (`release-bot show <runId>`, status page `/runs/<runId>`). */
  runId: z.string(),
  /** Evidence links of the failing gates (Sentry issues, graphs). */
  links: z.array(z.object({ text: z.string(), url: z.string() })).default([]),
});

export type DeployVerdict = z.infer<typeof deployVerdictSchema>;

function key(v: Pick<DeployVerdict, 'version' | 'target' | 'deployment'>): string {
  return `${PREFIX}${v.version}:${v.target}:${v.deployment.id}`;
}

/** One record per deployment: writing it again (a resumed run) replaces it. */
export async function recordDeployVerdict(
  state: { set(key: string, value: unknown): Promise<void> },
  verdict: DeployVerdict,
): Promise<void> {
  await state.set(key(verdict), deployVerdictSchema.parse(verdict));
}

/**
 * Every recorded verdict of these versions (exact spellings, e.g. `16.1.0` and `16.1.0+ee.0`),
 * oldest first. A record that does not parse is left out rather than trusted.
 */
export async function deployVerdicts(
  store: Pick<Store, 'listState'>,
  versions: string[],
): Promise<DeployVerdict[]> {
  const found: DeployVerdict[] = [];
  for (const version of new Set(versions)) {
    // ':' ends the version in the key, so 16.1.0 does not pick up 16.1.0+ee.0 or 16.1.01.
    for (const row of await store.listState<unknown>(VERIFY_JOB, `${PREFIX}${version}:`)) {
      const parsed = deployVerdictSchema.safeParse(row.value);
      if (parsed.success) found.push(parsed.data);
    }
  }
  return found.sort((a, b) => a.at.localeCompare(b.at) || a.deployment.id - b.deployment.id);
}

/** The newest verdict per environment (a version redeployed later is judged by its latest deploy). */
export function newestPerEnvironment(verdicts: DeployVerdict[]): DeployVerdict[] {
  const newest = new Map<string, DeployVerdict>();
  for (const v of verdicts) newest.set(`${v.forge}:${v.project}:${v.environment}`, v);
  return [...newest.values()];
}
