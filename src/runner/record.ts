import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { RunRecord, Store } from '../store/types.js';

/**
 * Writes a finished run to history. Store calls have time limits (store/deadline.ts), so with the
 * store unreachable this gives up instead of hanging the process: one more try (the first may
 * have died with its connection; the second gets a fresh one once the store is back), then the
 * outcome is logged. The run then stays `running` in history until the job's next run marks it
 * aborted (Store.abortStaleRuns).
 */
export async function recordRun(
  store: Store,
  runId: string,
  record: RunRecord,
  log: Logger,
): Promise<boolean> {
  let failure: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await store.updateRun(runId, record);
      return true;
    } catch (error) {
      failure = error;
    }
  }
  log.error(
    { err: failure, status: record.status, summary: record.summary },
    `could not record run ${runId} as ${record.status} (${errorMessage(failure)}); the job's next run marks it aborted`,
  );
  return false;
}
