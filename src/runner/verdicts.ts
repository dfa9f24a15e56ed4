import type { Logger } from 'pino';
import { maskDeep } from '../secrets/masker.js';
import type { AlertRecord } from '../store/alerts.js';
import type { Store } from '../store/types.js';
import type { Verdict } from './verdict.js';

/**
 * Turns a run's verdicts into alerts in the store: `alert` opens one (or keeps it open, counted),
 * `healthy` closes the subject's open alert, anything else and subjects not mentioned change
 * nothing. New alerts are logged at error, still-open ones at warn, so log-based paging sees the
 * world's state and not only whether the run worked. Dry runs never get here.
 */

export type AlertChange = 'opened' | 'kept' | 'closed';

export interface AlertTransition {
  change: AlertChange;
  alert: AlertRecord;
}

function httpUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** True when the result carries at least one `alert` verdict: the run worked and found a problem. */
export function foundProblem(verdicts: Verdict[] | undefined): boolean {
  return Boolean(verdicts?.some((v) => v.verdict === 'alert'));
}

export async function applyVerdicts(input: {
  store: Store;
  job: string;
  runId: string;
  verdicts: Verdict[];
  now: Date;
  log: Logger;
}): Promise<AlertTransition[]> {
  const { store, job, runId, log } = input;
  const at = input.now.toISOString();
  const transitions: AlertTransition[] = [];
  // In order: a run that saw deployment #42 fail and then #43 pass ends with the subject healthy.
  for (const raw of input.verdicts) {
    if (typeof raw?.subject !== 'string' || raw.subject === '') continue;
    const verdict = maskDeep(raw);
    const current = await store.getAlert(job, verdict.subject);
    const open = current?.state === 'open' ? current : null;
    if (verdict.verdict === 'alert') {
      const alert: AlertRecord = {
        job,
        subject: verdict.subject,
        state: 'open',
        title: verdict.title,
        reason: verdict.reason ?? '',
        url: httpUrl(verdict.url),
        nextStep: verdict.nextStep ?? null,
        openedAt: open?.openedAt ?? at,
        updatedAt: at,
        closedAt: null,
        openedBy: open?.openedBy ?? runId,
        lastRunId: runId,
        closedBy: null,
        seen: (open?.seen ?? 0) + 1,
        resolution: null,
      };
      await store.putAlert(alert);
      const change: AlertChange = open ? 'kept' : 'opened';
      transitions.push({ change, alert });
      const fields = { subject: alert.subject, alert: change, url: alert.url ?? undefined };
      if (open)
        log.warn(
          fields,
          `alert still open (${alert.seen} runs): ${alert.title}${alert.reason ? ` — ${alert.reason}` : ''}`,
        );
      else log.error(fields, `alert opened: ${alert.title}${alert.reason ? ` — ${alert.reason}` : ''}`);
    } else if (verdict.verdict === 'healthy' && open) {
      const alert: AlertRecord = {
        ...open,
        state: 'closed',
        updatedAt: at,
        closedAt: at,
        closedBy: runId,
        resolution: verdict.reason ? `${verdict.title}: ${verdict.reason}` : verdict.title,
      };
      await store.putAlert(alert);
      transitions.push({ change: 'closed', alert });
      log.info(
        { subject: alert.subject, alert: 'closed' },
        `alert closed: ${open.title} — ${alert.resolution}`,
      );
    }
  }
  return transitions;
}
