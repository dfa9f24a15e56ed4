import type { Logger } from 'pino';
import type { Notifier } from '../notify/types.js';
import type { RunRecord, Store } from '../store/types.js';

/**
 * On-call hears of a failing job once per failure streak, and once when it recovers — not on
 * every hourly failure. The streak lives in the store so restarts do not repeat the alert.
 */

const KEY = 'runner:failure-streak';

/** With a bot token the recovery replies in the failure's thread and marks it recovered. */
const incidentKey = (job: string) => `job-failing:${job}`;

interface Streak {
  since: string;
  firstRunId: string;
  failures: number;
}

export async function notifyStreak(input: {
  store: Store;
  notifier: Notifier;
  channel: string | undefined;
  record: RunRecord;
  log: Logger;
}): Promise<void> {
  const { store, notifier, channel, record } = input;
  const streak = await store.getState<Streak>(record.job, KEY);
  if (record.status === 'failed') {
    if (streak) {
      await store.setState(record.job, KEY, { ...streak, failures: streak.failures + 1 });
      return;
    }
    await store.setState(record.job, KEY, { since: record.startedAt, firstRunId: record.id, failures: 1 });
    if (!channel) return;
    await notifier.send(
      channel,
      {
        title: `${record.job} failed`,
        severity: 'error',
        sections: [record.error ?? record.summary],
        fields: [
          { label: 'Trigger', value: record.trigger },
          { label: 'Attempts', value: String(record.attempts) },
        ],
        nextStep: `See \`release-bot history ${record.job}\` and the run's log (run ${record.id}). You will not be told again until it recovers.`,
        context: { job: record.job, runId: record.id },
      },
      { incident: { key: incidentKey(record.job) } },
    );
    return;
  }
  if ((record.status === 'ok' || record.status === 'noop') && streak) {
    await store.deleteState(record.job, KEY);
    if (!channel) return;
    await notifier.send(
      channel,
      {
        title: `${record.job} recovered`,
        severity: 'success',
        sections: [record.summary],
        fields: [
          { label: 'Failed runs', value: String(streak.failures) },
          { label: 'Failing since', value: streak.since },
        ],
        nextStep: `Nothing to do: ${record.job} works again after ${streak.failures} failed run${streak.failures === 1 ? '' : 's'}.`,
        context: { job: record.job, runId: record.id },
      },
      { incident: { key: incidentKey(record.job), resolved: true } },
    );
  }
}
