/**
 * The words a run record is made of. They live with the store (which records them) so that the
 * runner depends on the store and never the other way round; src/runner/job.ts re-exports them
 * for jobs.
 */

export type Trigger = 'schedule' | 'manual' | 'api';

export type ResultStatus = 'ok' | 'noop' | 'failed' | 'skipped';

/** Terminal status of a recorded run: a job result, or what the runner decided. */
export type RunStatus = ResultStatus | 'aborted' | 'refused' | 'running';
