import { z } from 'zod';
import { formatIssues } from '../config/issues.js';
import { jobCommonShape, type Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { JobDefinition } from './job.js';
import { checkProjectKinds } from '../kit/config-checks.js';

/** A job's effective settings: its config section (or defaults) merged with the job's own defaults. */
export interface JobSettings {
  enabled: boolean;
  /** Whether the config has a section for this job (only configured jobs are scheduled). */
  configured: boolean;
  schedule: string;
  timezone: string;
  timeoutSeconds: number;
  retries: number;
  slackChannel: string | undefined;
  dryRun: boolean;
  /** Misfire policy as configured (`2h`, `none`); unset: by schedule frequency (runner/misfire.ts). */
  catchUp: string | undefined;
  options: Record<string, unknown>;
}

export const DEFAULT_TIMEOUT_SECONDS = 600;
export const DEFAULT_RETRIES = 2;

export function jobSettings(config: Config, job: JobDefinition): JobSettings {
  const section = config.jobs[job.name];
  const schema = z.object({ ...jobCommonShape, ...job.options.shape }).strict();
  const parsed = schema.safeParse(section ?? {});
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues, schema, section ?? {}).map(
      (line) => `jobs.${job.name}.${line}`,
    );
    throw new ConfigError(
      section
        ? `jobs.${job.name}: invalid options`
        : `jobs.${job.name}: this job needs a section in the config`,
      problems,
    );
  }
  const data = parsed.data as Record<string, unknown> & z.infer<z.ZodObject<typeof jobCommonShape>>;
  const { enabled, schedule, timezone, timeoutSeconds, retries, slackChannel, dryRun, catchUp, ...options } =
    data;
  // Cross-references and the channel together: one pass reports them all.
  const crossProblems = [
    ...(job.checkConfig?.(options as never, config) ?? []),
    ...checkProjectKinds(config, options),
  ].map((p) => `jobs.${job.name}.${p}`);
  if (slackChannel && !config.slack.channels[slackChannel]) {
    const known = Object.keys(config.slack.channels);
    crossProblems.push(
      `jobs.${job.name}.slackChannel: unknown channel "${slackChannel}" (slack.channels has: ${known.join(', ') || 'none'})`,
    );
  }
  if (crossProblems.length > 0)
    throw new ConfigError(`jobs.${job.name}: ${crossProblems.length} problem(s)`, crossProblems);
  return {
    enabled,
    configured: section !== undefined,
    schedule: schedule ?? job.schedule,
    timezone: timezone ?? config.timezone,
    timeoutSeconds: timeoutSeconds ?? job.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    retries: retries ?? job.retries ?? DEFAULT_RETRIES,
    slackChannel: slackChannel ?? config.slack.defaultChannel,
    dryRun,
    catchUp,
    options,
  };
}
