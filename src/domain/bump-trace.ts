import type { Store } from '../store/types.js';
import { MalformedVersionError } from './auto-deploy-version.js';
import { loadBumpRecords, type BumpRecord, type DeploymentRef } from './bump-deployments.js';
import { deployVerdicts, type DeployVerdict } from './deploy-verdicts.js';
import { postMigrationsBetween } from './post-migration-lookup.js';

/**
 * `release-bot trace <component> <sha>` and the status page's `/trace/<component>/<sha>`: from a
 * component commit to the bump MR that carried it, the deployments that took it to each
 * environment, verify-deployment's verdicts on them, and whether rolling back past it is safe
 * (post-deploy migrations recorded by track-post-deploy-migrations). Reads the store only.
 */

export type TraceStatus = 'not-found' | 'merged' | 'deploying' | 'production' | 'rolled-back';

/** Exit codes of `release-bot trace` (README): distinct per answer, 1 and 2 keep their usual meaning. */
export const TRACE_EXIT: Record<TraceStatus, number> = {
  production: 0,
  'not-found': 3,
  merged: 4,
  deploying: 5,
  'rolled-back': 6,
};

export interface TraceEnvironment {
  name: string;
  label: string;
  reachedAt: string | null;
  deployment: DeploymentRef | null;
  /** A later deployment went back past the bump here (and it has not come back). */
  rolledBack: { deploymentId: number; at: string } | null;
  failed: { deploymentId: number; url: string; at: string }[];
}

export interface TraceRollback {
  /** null: cannot tell (no previous version, or versions that are not auto-deploy versions). */
  safe: boolean | null;
  from: string | null;
  to: string | null;
  migrations: { file: string; package: string }[];
  reason: string;
}

export interface TraceAnswer {
  component: string;
  sha: string;
  status: TraceStatus;
  summary: string;
  bump: {
    url: string;
    iid: number;
    project: string;
    title: string;
    sha: string;
    from: string | null;
    mergeSha: string;
    mergedAt: string;
  } | null;
  environments: TraceEnvironment[];
  verdicts: DeployVerdict[];
  rollback: TraceRollback | null;
}

const SHA_PREFIX = /^[0-9a-f]{7,64}$/;

export function isShaPrefix(sha: string): boolean {
  return SHA_PREFIX.test(sha);
}

/** The oldest merged bump of `component` that carried `sha` (a component commit, or the merge commit). */
export function findBump(records: BumpRecord[], component: string, sha: string): BumpRecord | undefined {
  const s = sha.toLowerCase();
  return records
    .filter((r) => r.component === component)
    .sort((a, b) => a.mergedAt.localeCompare(b.mergedAt) || a.iid - b.iid)
    .find((r) => r.commits.some((c) => c.startsWith(s)) || r.mergeSha.startsWith(s));
}

function statusOf(record: BumpRecord): TraceStatus {
  if (Object.keys(record.rolledBack).length > 0) return 'rolled-back';
  const last = record.environments.at(-1);
  if (last && record.reached[last.name]) return 'production';
  return Object.keys(record.reached).length > 0 ? 'deploying' : 'merged';
}

async function rollbackOf(
  store: Pick<Store, 'listState'>,
  record: BumpRecord,
): Promise<TraceRollback | null> {
  // The furthest environment it reached: going back from there to what ran before it.
  const furthest = [...record.environments].reverse().find((e) => record.reached[e.name]);
  if (!furthest) return null;
  const arrival = record.reached[furthest.name]!;
  const from = arrival.deployment.version;
  const to = arrival.previous?.version ?? null;
  if (!to)
    return { safe: null, from, to, migrations: [], reason: `nothing recorded before it on ${furthest.name}` };
  try {
    const between = await postMigrationsBetween(store, from, to);
    return {
      safe: between.safe,
      from,
      to,
      migrations: between.migrations,
      reason: between.safe
        ? `no post-deploy migration between ${to} and ${from}: rolling ${furthest.name} back to ${to} is safe`
        : between.migrations.length
          ? `${between.migrations.length} post-deploy migration(s) between ${to} and ${from}: do not roll back past it`
          : `unknown: ${between.unknown.map((u) => `${u.version} ${u.reason}`).join('; ')}`,
    };
  } catch (error) {
    if (error instanceof MalformedVersionError)
      return {
        safe: null,
        from,
        to,
        migrations: [],
        reason: `${from} and ${to} are not auto-deploy versions: post-deploy migrations unknown`,
      };
    throw error;
  }
}

function when(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 16)} UTC`;
}

export async function traceSha(
  store: Pick<Store, 'listState'>,
  component: string,
  sha: string,
): Promise<TraceAnswer> {
  const records = await loadBumpRecords(store);
  const record = findBump(records, component, sha);
  if (!record)
    return {
      component,
      sha,
      status: 'not-found',
      summary: `no merged ${component} bump followed by follow-deployments carries ${sha} (not merged yet, or merged before the bot followed ${component})`,
      bump: null,
      environments: [],
      verdicts: [],
      rollback: null,
    };
  const environments: TraceEnvironment[] = record.environments.map((e) => {
    const arrival = record.reached[e.name];
    return {
      name: e.name,
      label: e.label,
      reachedAt: arrival?.at ?? null,
      deployment: arrival?.deployment ?? null,
      rolledBack: record.rolledBack[e.name] ?? null,
      failed: record.events
        .filter((ev) => ev.kind === 'failed' && ev.environment === e.name)
        .map((ev) => ({ deploymentId: ev.deployment.id, url: ev.deployment.url, at: ev.at })),
    };
  });
  const arrivals = Object.values(record.reached);
  const failedRefs = record.events.map((e) => e.deployment);
  const ids = new Set([...arrivals.map((a) => a.deployment.id), ...failedRefs.map((d) => d.id)]);
  const versions = [...arrivals.map((a) => a.deployment.version), ...failedRefs.map((d) => d.version)];
  const verdicts = (await deployVerdicts(store, versions)).filter(
    (v) => ids.has(v.deployment.id) && v.project === record.project,
  );
  const status = statusOf(record);
  const bumpName = `${record.project}!${record.iid}`;
  const reached = environments.filter((e) => e.reachedAt);
  const summary =
    status === 'merged'
      ? `merged in ${bumpName} at ${when(record.mergedAt)}; not deployed yet`
      : status === 'rolled-back'
        ? `rolled back on ${Object.keys(record.rolledBack).join(', ')} (carried by ${bumpName})`
        : status === 'production'
          ? `on ${reached.at(-1)!.name} since ${when(reached.at(-1)!.reachedAt!)} (${bumpName})`
          : `on ${reached.map((e) => e.name).join(', ')}; not on ${record.environments.at(-1)!.name} yet (${bumpName})`;
  return {
    component,
    sha,
    status,
    summary,
    bump: {
      url: record.url,
      iid: record.iid,
      project: record.project,
      title: record.title,
      sha: record.sha,
      from: record.from,
      mergeSha: record.mergeSha,
      mergedAt: record.mergedAt,
    },
    environments,
    verdicts,
    rollback: await rollbackOf(store, record),
  };
}
