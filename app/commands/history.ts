import { loadAppConfig } from '../app.js';
import { UsageError } from '../../src/errors.js';
import type { RunStatus } from '../../src/runner/job.js';
import { openExistingStore } from '../../src/store/open.js';
import { EXIT } from './exit.js';
import { formatHistory, formatLogs, formatRun } from './format.js';
import type { JobResult } from '../../src/runner/job.js';

const STATUSES = ['ok', 'noop', 'failed', 'skipped', 'aborted', 'refused', 'running'];

export async function historyCommand(
  job: string | undefined,
  options: Record<string, string | boolean>,
  global: { config?: string },
): Promise<number> {
  const limit = Number(options.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new UsageError(`--limit must be 1..10000, got ${String(options.limit)}`);
  const status = options.status as string | undefined;
  if (status && !STATUSES.includes(status))
    throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
  const { config } = await loadAppConfig({ configPath: global.config });
  const store = await openExistingStore(config.store);
  try {
    const runs = store
      ? await store.listRuns({
          job,
          limit,
          status: status as RunStatus | undefined,
          withoutLogs: true,
        })
      : [];
    if (options.json)
      process.stdout.write(
        `${JSON.stringify(
          runs.map(({ logs: _logs, ...r }) => r),
          null,
          2,
        )}\n`,
      );
    else process.stdout.write(`${formatHistory(runs)}\n`);
    return EXIT.ok;
  } finally {
    await store?.close();
  }
}

export async function showCommand(
  runId: string,
  options: { json?: boolean },
  global: { config?: string },
): Promise<number> {
  const { config } = await loadAppConfig({ configPath: global.config });
  const store = await openExistingStore(config.store);
  try {
    const run = store ? await store.getRun(runId) : null;
    if (!run) throw new UsageError(`no run with id ${runId} (see \`release-bot history\`)`);
    if (options.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    else {
      process.stdout.write(`${formatRun(run, run.result as JobResult | null)}\n`);
      if (run.logs.length) process.stdout.write(formatLogs(run.logs));
    }
    return EXIT.ok;
  } finally {
    await store?.close();
  }
}
