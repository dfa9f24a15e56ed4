import type { Deployment, DeploymentWatchApi, DeploymentStatus, RecordDeploymentInput } from '../types.js';
import type { GithubClient } from './client.js';
import { payloadOf, toDeployment as mapDeployment } from './deployment-map.js';
import type { GhDeployment, GhDeploymentStatus } from './wire.js';

/**
 * `watch` and `record` on GitHub. GitHub lists an environment's deployments newest first with no
 * time filter, and a deployment's state is one more request (its newest status). The cursor
 * keeps the newest deployment id seen and the ids still unfinished then: a read takes the first
 * page, stops at the first id it knows, and asks the status of new and unfinished deployments
 * only. When nothing changed that is one request.
 */

const PAGE = 30;
const MAX_PAGES = 10;
const MAX_OPEN = 50;

interface Cursor {
  v: 1;
  newest: number;
  /** Deployments whose status was not final when last read, with that status. */
  open: Record<string, DeploymentStatus>;
}

function parseCursor(text: string | null): Cursor | null {
  if (!text) return null;
  try {
    const c = JSON.parse(text) as Partial<Cursor>;
    if (c.v === 1 && Number.isInteger(c.newest) && c.open && typeof c.open === 'object')
      return { v: 1, newest: c.newest!, open: c.open };
  } catch {
    // A cursor that does not parse starts over from the newest deployments.
  }
  return null;
}

const FINAL = new Set<DeploymentStatus>(['success', 'failed', 'canceled']);

/** The payload key that marks a deployment the bot recorded (not one it deployed, see create). */
const RECORDED = 'recordedByReleaseBot';

/** `self`: the login this token acts as (the adapter's currentUser), for telling our records apart. */
export function createDeploymentWatch(gh: GithubClient, self: () => Promise<string>): DeploymentWatchApi {
  const toDeployment = (project: string, d: GhDeployment, latest: GhDeploymentStatus | undefined) =>
    mapDeployment(gh.webUrl, project, d, latest);

  /**
   * GitHub records in two writes: the deployment, then its success status. A run killed between
   * them leaves a deployment with no status; recording the same sha again finishes that one
   * instead of adding a second. Only a deployment provably ours is taken: created by this token's
   * account, with our record mark in the payload, of this sha and environment, and no status yet.
   */
  async function unfinishedRecord(
    project: string,
    input: RecordDeploymentInput,
  ): Promise<GhDeployment | null> {
    if (input.unfinished === false) return null;
    const candidates = await gh.request<GhDeployment[]>('GET /repos/{owner}/{repo}/deployments', {
      ...gh.repo(project),
      sha: input.sha,
      environment: input.environment,
      per_page: 10,
    });
    const mine = candidates.filter(
      (d) => d.sha === input.sha && d.environment === input.environment && payloadOf(d)[RECORDED] === true,
    );
    if (mine.length === 0) return null;
    const me = await self();
    for (const d of mine) {
      // Logins compare case-insensitively on GitHub.
      if (d.creator?.login.toLowerCase() !== me.toLowerCase()) continue;
      const statuses = await gh.request<GhDeploymentStatus[]>(
        'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
        { ...gh.repo(project), deployment_id: d.id, per_page: 1 },
      );
      if (statuses.length === 0) return d;
    }
    return null;
  }

  async function withStatus(project: string, d: GhDeployment): Promise<Deployment> {
    const [latest] = await gh.request<GhDeploymentStatus[]>(
      'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      { ...gh.repo(project), deployment_id: d.id, per_page: 1 },
    );
    return toDeployment(project, d, latest);
  }

  return {
    async watch(project, query) {
      const cursor = parseCursor(query.cursor);
      const limit = Math.min(Math.max(query.limit ?? 20, 1), 100);
      const params = {
        ...gh.repo(project),
        environment: query.environment,
        per_page: cursor ? PAGE : limit,
      };
      const fresh: GhDeployment[] = [];
      const listed = new Map<number, GhDeployment>();
      let pages = 0;
      for await (const page of gh.pages<GhDeployment>('GET /repos/{owner}/{repo}/deployments', params)) {
        for (const d of page) listed.set(d.id, d);
        const newer = cursor ? page.filter((d) => d.id > cursor.newest) : page.slice(0, limit);
        fresh.push(...newer);
        pages += 1;
        // Newest first: a known id on the page means the rest is known too.
        if (!cursor || newer.length < page.length || pages >= MAX_PAGES) break;
      }
      const open = Object.entries(cursor?.open ?? {}).map(([id, status]) => ({ id: Number(id), status }));
      const reread = await Promise.all(
        open
          .filter((o) => !fresh.some((d) => d.id === o.id))
          .map(async (o) => {
            const d =
              listed.get(o.id) ??
              (await gh.find<GhDeployment>('GET /repos/{owner}/{repo}/deployments/{deployment_id}', {
                ...gh.repo(project),
                deployment_id: o.id,
              }));
            return d ? { was: o.status, now: await withStatus(project, d) } : null;
          }),
      );
      const created = await Promise.all(fresh.map((d) => withStatus(project, d)));
      const changed = reread.flatMap((r) => (r && r.now.status !== r.was ? [r.now] : []));
      const nextOpen: Record<string, DeploymentStatus> = {};
      for (const d of [...created, ...reread.flatMap((r) => (r ? [r.now] : []))])
        if (!FINAL.has(d.status)) nextOpen[String(d.id)] = d.status;
      const kept = Object.entries(nextOpen)
        .sort(([a], [b]) => Number(b) - Number(a))
        .slice(0, MAX_OPEN);
      const newest = Math.max(cursor?.newest ?? 0, ...fresh.map((d) => d.id));
      const deployments = [...created, ...changed].sort(
        (a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.id - b.id,
      );
      return {
        deployments,
        cursor: JSON.stringify({ v: 1, newest, open: Object.fromEntries(kept) } satisfies Cursor),
      };
    },

    async record(project, input) {
      gh.write(`record a deployment to ${input.environment} in ${project}`);
      const d =
        (await unfinishedRecord(project, input)) ??
        (await gh.request<GhDeployment>('POST /repos/{owner}/{repo}/deployments', {
          ...gh.repo(project),
          ref: input.sha,
          environment: input.environment,
          task: 'deploy',
          auto_merge: false,
          required_contexts: [],
          payload: { ref: input.ref, [RECORDED]: true },
          description: input.description ?? '',
        }));
      const status = await gh.request<GhDeploymentStatus>(
        'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
        { ...gh.repo(project), deployment_id: d.id, state: 'success', description: input.description ?? '' },
      );
      return toDeployment(project, d, status);
    },
  };
}
