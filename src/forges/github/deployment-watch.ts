import type { Deployment, DeploymentWatchApi, DeploymentStatus } from '../types.js';
import type { GithubClient } from './client.js';
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

/** `inactive` (superseded by a newer deployment) still means it was deployed. */
function statusOf(latest: GhDeploymentStatus | undefined): DeploymentStatus {
  switch (latest?.state) {
    case 'success':
    case 'inactive':
      return 'success';
    case 'failure':
    case 'error':
      return 'failed';
    case 'in_progress':
      return 'running';
    default:
      return 'created';
  }
}

const FINAL = new Set<DeploymentStatus>(['success', 'failed', 'canceled']);

function payloadOf(d: GhDeployment): Record<string, unknown> {
  let payload: unknown = d.payload;
  if (typeof payload === 'string' && payload) {
    try {
      payload = JSON.parse(payload);
    } catch {
      payload = {};
    }
  }
  return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
}

export function createDeploymentWatch(gh: GithubClient): DeploymentWatchApi {
  function toDeployment(
    project: string,
    d: GhDeployment,
    latest: GhDeploymentStatus | undefined,
  ): Deployment {
    const payload = payloadOf(d);
    const ref = typeof payload.ref === 'string' ? payload.ref : d.ref;
    const updatedAt =
      latest && Date.parse(latest.created_at) > Date.parse(d.updated_at) ? latest.created_at : d.updated_at;
    return {
      id: d.id,
      environment: d.environment,
      ref,
      sha: d.sha,
      status: statusOf(latest),
      createdAt: d.created_at,
      updatedAt,
      jobId: null,
      version: typeof payload.version === 'string' ? payload.version : ref,
      webUrl:
        latest?.log_url ||
        latest?.target_url ||
        `${gh.webUrl}/${project}/deployments/${encodeURIComponent(d.environment)}`,
    };
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
      const d = await gh.request<GhDeployment>('POST /repos/{owner}/{repo}/deployments', {
        ...gh.repo(project),
        ref: input.sha,
        environment: input.environment,
        task: 'deploy',
        auto_merge: false,
        required_contexts: [],
        payload: { ref: input.ref },
        description: input.description ?? '',
      });
      const status = await gh.request<GhDeploymentStatus>(
        'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
        { ...gh.repo(project), deployment_id: d.id, state: 'success', description: input.description ?? '' },
      );
      return toDeployment(project, d, status);
    },
  };
}
