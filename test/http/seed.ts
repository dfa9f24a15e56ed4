import type { RunRecord, Store } from '../../src/store/types.js';

/** Writes finished runs straight into a store, the way the runner records them. */

let counter = 0;

export function runRecord(input: Partial<RunRecord> & { job: string; startedAt: string }): RunRecord {
  counter++;
  const started = Date.parse(input.startedAt);
  const durationMs = input.durationMs ?? 1200;
  return {
    id: `run-${counter.toString().padStart(6, '0')}`,
    trigger: 'schedule',
    dryRun: false,
    status: 'ok',
    finishedAt: new Date(started + durationMs).toISOString(),
    durationMs,
    summary: 'did a thing',
    error: null,
    attempts: 1,
    slot: input.startedAt,
    holder: 'host:1:abcd',
    result: null,
    logs: [],
    ...input,
  };
}

/** Inserts the run; a finished one also becomes the job's latest finished run (`lastRuns`). */
export async function seedRun(
  store: Store,
  input: Partial<RunRecord> & { job: string; startedAt: string },
): Promise<RunRecord> {
  const run = runRecord(input);
  await store.insertRun({ ...run, status: 'running' });
  if (run.status !== 'running') await store.updateRun(run.id, { status: run.status });
  return run;
}
