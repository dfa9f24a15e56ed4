import { FINISHED_CI_STATUSES, type Forge, type Pipeline } from '../../src/forges/types.js';
import { OVERLAP_MS, type Cursor } from './state.js';

/**
 * What changed on a watched ref since the cursor, in one request when nothing did.
 *
 * GitLab filters by `updated_after` on the server: a quiet ref answers an empty page. GitHub has
 * no such filter (only `created`, and a re-run changes `updated_at`, not `created_at`), so the
 * newest runs of the ref are read in one page and filtered here; the adapter's own
 * `updatedAfter` would page through the whole history to find nothing.
 *
 * A pipeline is new when its (id, updatedAt) was not seen: a retried pipeline comes back with a
 * new `updatedAt` when it finishes again. Only finished pipelines are returned, oldest first.
 */

const SMALL_PAGE = 20;
const BIG_PAGE = 100;

export interface Fetched {
  /** Finished pipelines not handled yet, oldest first. */
  finished: Pipeline[];
  /** The cursor to store once they are handled. */
  next: Cursor;
  /** More changed than one big page holds: the oldest were not looked at. */
  truncated: boolean;
}

async function list(forge: Forge, project: string, ref: string, after: string | null): Promise<Pipeline[]> {
  const read = async (limit: number) => {
    const pipelines = await forge.ci.listPipelines(project, {
      ref,
      sort: 'desc',
      limit,
      ...(forge.capabilities.pipelineUpdatedAfterFilter && after ? { updatedAfter: after } : {}),
    });
    return after ? pipelines.filter((p) => Date.parse(p.updatedAt) >= Date.parse(after)) : pipelines;
  };
  const page = await read(SMALL_PAGE);
  // A full page may hide older changes: read one big page once (rare: a long outage).
  return page.length < SMALL_PAGE || !after ? page : read(BIG_PAGE);
}

function maxTime(times: string[]): string | null {
  let best: string | null = null;
  for (const t of times) if (!best || Date.parse(t) > Date.parse(best)) best = t;
  return best;
}

function nextCursor(previous: Cursor | null, pipelines: Pipeline[], fallback: string): Cursor {
  const at = maxTime([...(previous ? [previous.at] : []), ...pipelines.map((p) => p.updatedAt)]) ?? fallback;
  const floor = Date.parse(at) - OVERLAP_MS;
  const seen: Record<string, string> = {};
  for (const [id, updated] of Object.entries(previous?.seen ?? {}))
    if (Date.parse(updated) >= floor) seen[id] = updated;
  for (const p of pipelines) if (Date.parse(p.updatedAt) >= floor) seen[String(p.id)] = p.updatedAt;
  return { at, seen };
}

/** First sight of a ref (the job's first run, or a ref added to the config): remember where it stands, report nothing. */
export async function startCursor(forge: Forge, project: string, ref: string, now: Date): Promise<Cursor> {
  const pipelines = await list(forge, project, ref, null);
  return nextCursor(null, pipelines, now.toISOString());
}

/**
 * `since` (no cursor yet): a bot branch that appeared after the job started watching; every
 * pipeline it had since then is new.
 */
export async function fetchChanged(
  forge: Forge,
  project: string,
  ref: string,
  from: { cursor: Cursor } | { since: string },
): Promise<Fetched> {
  const cursor = 'cursor' in from ? from.cursor : null;
  const base = 'cursor' in from ? from.cursor.at : from.since;
  const after = new Date(Date.parse(base) - OVERLAP_MS).toISOString();
  const pipelines = await list(forge, project, ref, after);
  const seen = cursor?.seen ?? {};
  const finished = pipelines
    .filter((p) => seen[String(p.id)] !== p.updatedAt && FINISHED_CI_STATUSES.includes(p.status))
    .sort((a, b) => a.id - b.id);
  return {
    finished,
    next: nextCursor(cursor ?? { at: base, seen: {} }, pipelines, base),
    truncated: pipelines.length >= BIG_PAGE,
  };
}
