import type { NotifyMessage } from './types.js';

/**
 * What the notifier remembers of a conversation (an incident, or a subject's progress), per
 * channel and key: in bot-token mode the parent message (its channel id and `ts`) so later news
 * goes in its thread and the parent shows the count or the progress; in webhook mode when it last
 * spoke, so "still failing" is said at most once an hour, and which progress steps were said.
 * Kept in the store (app/app.ts), so a restart continues the conversation.
 */

export interface ThreadRecord {
  mode: 'thread' | 'webhook';
  /** Slack's channel id and the parent's ts (bot-token mode). */
  channelId?: string;
  ts?: string;
  /** Messages of the incident so far (the first included). */
  count: number;
  openedAt: string;
  lastPostAt: string;
  /** Incident: the first message, re-rendered when the parent is updated. Progress: the latest summary. Masked. */
  parent: NotifyMessage;
  /** Progress: the steps said so far (`ProgressRef.step`), so a repeated step is not said twice. */
  steps?: string[];
}

/** The store's state namespace for conversations (not a job name: job names have no `@`). */
export const SLACK_THREADS = '@slack-threads';

/** A progress conversation quiet this long is over (its subject settled days ago): forgotten. */
export const PROGRESS_KEPT_MS = 30 * 86_400_000;

/**
 * Keys of progress conversations (a bump followed through the environments) nothing was said in
 * for `keptMs`. Incidents are never expired here: one stays until its recovery is said.
 */
export function expiredProgress(
  records: { key: string; value: ThreadRecord }[],
  nowMs: number,
  keptMs = PROGRESS_KEPT_MS,
): string[] {
  return records
    .filter(({ value }) => Array.isArray(value.steps) && nowMs - Date.parse(value.lastPostAt) > keptMs)
    .map(({ key }) => key);
}

export interface ThreadStore {
  get(key: string): Promise<ThreadRecord | undefined>;
  set(key: string, value: ThreadRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * The parent as it should read now: `failing` (bot: the count on the parent), `still-failing`
 * (webhook reminder: the latest message with the count), `resolved` (bot: the parent marked
 * recovered).
 */
export function incidentMessage(
  thread: ThreadRecord,
  phase: 'failing' | 'still-failing' | 'resolved',
  latest?: NotifyMessage,
): NotifyMessage {
  const parent = thread.parent;
  const count = { label: 'Failures so far', value: String(thread.count) };
  if (phase === 'still-failing') {
    const base = latest ?? parent;
    return {
      ...base,
      title: `still failing (${thread.count}): ${base.title}`,
      fields: [...(base.fields ?? []), count],
    };
  }
  if (phase === 'failing')
    return {
      ...parent,
      title: `${parent.title} — still failing (${thread.count})`,
      fields: [...(parent.fields ?? []), count],
      reason: parent.reason ?? parent.sections?.[0],
      nextStep: parent.nextStep
        ? `${parent.nextStep} Later failures are in the thread.`
        : 'Later failures are in the thread.',
    };
  return {
    ...parent,
    title: `Recovered: ${parent.title}`,
    severity: 'success',
    reason: latest?.title ?? 'recovered',
    sections: [latest?.title ?? 'Recovered.', ...(parent.sections ?? [])],
    fields: [...(parent.fields ?? []), { label: 'Failures', value: String(thread.count) }],
    nextStep: 'Nothing to do: it recovered (see the thread).',
    mention: undefined,
  };
}
