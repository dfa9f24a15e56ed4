import { safeUrl } from './html.js';

/**
 * "Waiting for a human": the convention by which a job tells the status page what someone has to
 * do (tick an approval, look at a stale MR, retry a failed promotion). See docs/dev/JOBS.md.
 *
 * A job that tracks such things returns `details.pending: PendingAction[]` on every real
 * (non-dry-run) run — an empty array when nothing waits, so a resolved action disappears. The
 * page shows, per job, the list from the newest non-dry-run run among its last 50 that carries
 * `details.pending`; runs without it (crashed before deciding, other jobs) change nothing.
 */

export interface PendingAction {
  /** `approval`, `stale-mr`, `failed-promotion`, … (free text; known kinds get a label). */
  kind: string;
  /** One line for a human: "Approve moving stable for 3 repos (plan a1b2c3)". */
  title: string;
  /** Where the human acts (the approval issue, the MR, the failed pipeline); http(s) only. */
  url?: string;
  /** ISO time since when it waits. */
  since?: string;
}

export const PENDING_LABELS: Record<string, string> = {
  approval: 'approval waiting',
  'stale-mr': 'stale MR',
  'failed-promotion': 'failed promotion',
};

const MAX_PER_JOB = 50;

/**
 * The pending actions a run declares: undefined when the run does not carry the key (so an older
 * run's list still stands), else the well-formed entries. Run results are JSON from the store and
 * job code is written in parallel, so nothing is assumed about the shape.
 */
export function readPending(result: unknown): PendingAction[] | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const details = (result as { details?: unknown }).details;
  if (typeof details !== 'object' || details === null) return undefined;
  const pending = (details as { pending?: unknown }).pending;
  if (!Array.isArray(pending)) return undefined;
  const out: PendingAction[] = [];
  for (const entry of pending.slice(0, MAX_PER_JOB)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { kind, title, url, since } = entry as Record<string, unknown>;
    if (typeof title !== 'string' || title.trim() === '') continue;
    const action: PendingAction = { kind: typeof kind === 'string' && kind ? kind : 'action', title };
    const href = safeUrl(url);
    if (href) action.url = href;
    if (typeof since === 'string' && !Number.isNaN(Date.parse(since))) action.since = since;
    out.push(action);
  }
  return out;
}
