import type { Deployment, Forge } from '../../src/forges/types.js';
import { parseDuration } from '../../src/kit/duration.js';
import type { JobContext } from '../../src/runner/job.js';
import type { Options } from './options.js';
import { cursorKey, type Cursor } from '../../src/domain/post-migration-records.js';
import {
  tryParseVersion,
  type MalformedVersionError,
  type PackageVersion,
} from '../../src/domain/auto-deploy-version.js';

/**
 * New successful deployments of one environment since the last run, oldest first, with the
 * package version each one deployed.
 *
 * Where the version comes from: the adapter's `Deployment.version` when the forge has one (a
 * GitHub deployment payload `version`), else the deployment's `ref`. GitLab deployments carry no
 * payload, so on GitLab the followed project records its deployments on the auto-deploy tag
 * (`14.8.202202080920+97d6e07c2a1.4ce763dbce1`), which is the ref.
 */

const PAGE = 100;
const MAX_PAGES = 10;
/** GitLab's `updated_after` is strict and second-precise in places: re-read one second, skip what was seen. */
const OVERLAP_MS = 1000;

export interface SeenDeployment {
  environment: string;
  deployment: Deployment;
  /** What was read as the version (the ref, or the payload version). */
  raw: string;
  version: PackageVersion | MalformedVersionError;
}

export interface EnvironmentRead {
  environment: string;
  key: string;
  deployments: SeenDeployment[];
  /** The cursor to store once these deployments are recorded; null when nothing moved. */
  cursor: Cursor | null;
}

export function versionText(d: Deployment): string {
  return d.version ?? d.ref;
}

export async function readEnvironment(
  ctx: JobContext,
  forge: Forge,
  options: Options,
  environment: string,
): Promise<EnvironmentRead> {
  const { project } = options.deployments;
  const key = cursorKey(forge.name, project, environment);
  const stored = await ctx.state.get<Cursor>(key);
  const lookbackMs = parseDuration(options.deployments.lookback)!;
  let after = stored ? Date.parse(stored.after) : ctx.now().getTime() - lookbackMs;
  const seen = new Set(stored?.seen ?? []);
  const fresh: Deployment[] = [];

  for (let page = 0; page < MAX_PAGES; page++) {
    const batch = await forge.deployments.list(project, {
      environment,
      status: 'success',
      updatedAfter: new Date(after - OVERLAP_MS).toISOString(),
      sort: 'asc',
      limit: PAGE,
    });
    const unseen = batch.filter((d) => !seen.has(d.id));
    for (const d of unseen) {
      seen.add(d.id);
      fresh.push(d);
      after = Math.max(after, Date.parse(d.updatedAt));
    }
    if (batch.length < PAGE || unseen.length === 0) break;
  }

  // Ids near the new boundary are kept so the overlap re-read skips them; an old seen id was
  // updated at the latest at the old boundary.
  const oldAfter = stored ? Date.parse(stored.after) : -Infinity;
  const boundary = [
    ...fresh.filter((d) => Date.parse(d.updatedAt) >= after - OVERLAP_MS).map((d) => d.id),
    ...(oldAfter >= after - OVERLAP_MS ? (stored?.seen ?? []) : []),
  ];
  const cursor: Cursor | null =
    fresh.length === 0 && stored
      ? null
      : { after: new Date(after).toISOString(), seen: [...new Set(boundary)] };
  fresh.sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.id - b.id);
  return {
    environment,
    key,
    cursor,
    deployments: fresh.map((deployment) => {
      const raw = versionText(deployment);
      return { environment, deployment, raw, version: tryParseVersion(raw) };
    }),
  };
}
