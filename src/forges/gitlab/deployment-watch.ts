import type { Deployment, DeploymentWatchApi } from '../types.js';
import type { GitlabClient } from './client.js';
import { toDeployment } from './map.js';

type Json = Record<string, unknown>;

/**
 * `watch` and `record` on GitLab. The cursor is the newest `updated_at` seen plus the deployments
 * seen in the last second before it: GitLab filters `updated_after` strictly and a deployment
 * updated within the same second as the previous read must not be lost, so each read starts a
 * second early and drops what it already saw. When nothing changed that is one request.
 */

const OVERLAP_MS = 1000;
const PAGE = 100;

interface Cursor {
  v: 1;
  /** The newest updated_at seen (ISO). */
  after: string;
  /** `id@updatedAt` of the deployments seen within OVERLAP_MS of `after`. */
  seen: string[];
}

function parseCursor(text: string | null): Cursor | null {
  if (!text) return null;
  try {
    const c = JSON.parse(text) as Partial<Cursor>;
    if (
      c.v === 1 &&
      typeof c.after === 'string' &&
      !Number.isNaN(Date.parse(c.after)) &&
      Array.isArray(c.seen)
    )
      return { v: 1, after: c.after, seen: c.seen.map(String) };
  } catch {
    // A cursor that does not parse starts over from the newest deployments.
  }
  return null;
}

const seenKey = (d: Deployment) => `${d.id}@${Date.parse(d.updatedAt)}`;

function nextCursor(previous: Cursor | null, read: Deployment[]): Cursor {
  const all = [...read];
  let after = previous?.after ?? new Date(0).toISOString();
  for (const d of all) if (Date.parse(d.updatedAt) > Date.parse(after)) after = d.updatedAt;
  const floor = Date.parse(after) - OVERLAP_MS;
  const seen = new Set((previous?.seen ?? []).filter((k) => Number(k.split('@')[1]) >= floor));
  for (const d of all) if (Date.parse(d.updatedAt) >= floor) seen.add(seenKey(d));
  return { v: 1, after, seen: [...seen] };
}

export function createDeploymentWatch(client: GitlabClient): DeploymentWatchApi {
  const { api } = client;
  const projectWeb = (project: string) => `${client.webUrl}/${project}`;
  const read = async (project: string, params: Json): Promise<Deployment[]> =>
    ((await api.Deployments.all(project, { ...params, maxPages: 1 } as never)) as unknown as Json[]).map(
      (d) => toDeployment(d, projectWeb(project)),
    );

  return {
    async watch(project, query) {
      const cursor = parseCursor(query.cursor);
      if (!cursor) {
        const limit = Math.min(Math.max(query.limit ?? 20, 1), PAGE);
        const newest = await read(project, {
          environment: query.environment,
          orderBy: 'updated_at',
          sort: 'desc',
          perPage: limit,
        });
        const deployments = newest.reverse();
        return { deployments, cursor: JSON.stringify(nextCursor(null, deployments)) };
      }
      // GitLab insists on `order_by=updated_at` with `updated_after` (400 otherwise).
      const changed = await read(project, {
        environment: query.environment,
        orderBy: 'updated_at',
        sort: 'asc',
        updatedAfter: new Date(Date.parse(cursor.after) - OVERLAP_MS).toISOString(),
        perPage: PAGE,
      });
      const seen = new Set(cursor.seen);
      const deployments = changed.filter((d) => !seen.has(seenKey(d)));
      // More than a page changed: the rest comes on the next call (the cursor stops at this page).
      return { deployments, cursor: JSON.stringify(nextCursor(cursor, changed)) };
    },

    async record(project, input) {
      client.write(`record a deployment to ${input.environment} in ${project}`);
      const d = await api.Deployments.create(project, input.environment, input.sha, input.ref, false, {
        status: 'success',
      } as never);
      return toDeployment(d as unknown as Json, projectWeb(project));
    },
  };
}
