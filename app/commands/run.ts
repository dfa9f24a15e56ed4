import { openApp } from '../app.js';
import { UsageError } from '../../src/errors.js';
import { findJob } from '../../src/runner/runner.js';
import { jobs } from '../jobs.js';
import { exitCodeOfRun } from './exit.js';
import { formatRun, formatSlackPreview } from './format.js';
import { createLogger } from '../../src/log/logger.js';

/** `release-bot run <job>`: one manual run; prints the result (or the plan in dry-run). */

const COMMON = new Set(['dryRun', 'set', 'json', 'trigger']);

export async function runCommand(
  jobName: string,
  options: Record<string, unknown>,
  extra: string[],
  global: { config?: string; logLevel?: string },
): Promise<number> {
  const job = findJob(jobs, jobName);
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options))
    if (!COMMON.has(key) && value !== undefined) args[key] = value;
  if (extra.length > 0) {
    if (!job.acceptUnknownOptions) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    args.unknown = extra;
  }
  const sets = (options.set as string[] | undefined) ?? [];
  for (const o of sets) if (!/^[^=]+=/.test(o)) throw new UsageError(`--set ${o}: expected path=value`);
  const overrides = sets.map((o) => `jobs.${job.name}.${o}`);
  const trigger = (options.trigger as string | undefined) ?? 'manual';
  if (trigger !== 'manual' && trigger !== 'schedule')
    throw new UsageError(`--trigger must be manual or schedule, got "${trigger}"`);
  const json = Boolean(options.json);
  const logger = await createLogger({ level: global.logLevel ?? (json ? 'warn' : 'info') });
  const app = await openApp({ configPath: global.config, overrides, logger });
  try {
    // SIGTERM (a CronJob's deadline, a CI job canceled) aborts the run cleanly: recorded as aborted.
    const shutdown = new AbortController();
    const stop = () => shutdown.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const { run, result } = await app.runner
      .run(job.name, {
        trigger,
        dryRun: Boolean(options.dryRun),
        args,
        signal: shutdown.signal,
      })
      .finally(() => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      });
    if (json) process.stdout.write(`${JSON.stringify({ run, result }, null, 2)}\n`);
    else {
      process.stdout.write(`${formatRun(run, result)}\n`);
      const sent = app.sentMessages();
      if (run.dryRun && sent.length > 0) {
        process.stdout.write(formatSlackPreview(sent));
      }
    }
    await app.sentry.flush(2000);
    return exitCodeOfRun(run, result);
  } finally {
    await app.close();
  }
}
