import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { jobs as allJobs } from './jobs.js';
import { interpolateEnv } from '../src/config/env.js';
import { configPath as resolveConfigPath, parseYaml } from '../src/config/load.js';
import { baseConfigShape, forgeSchema, jobCommonShape, type Config } from '../src/config/schema.js';
import { ConfigError } from '../src/errors.js';
import type { JobDefinition } from '../src/runner/job.js';
import { jobSettings } from '../src/runner/settings.js';
import { loadAppConfig } from './app.js';

/**
 * Every problem of a config file in one pass: the schema (with missing variables), then the
 * cross-references and channels of every job section that is itself well-formed, even when some
 * other part of the file is not. A user fixing a config sees the whole list once, not three
 * rounds of it.
 */

export interface Validation {
  path: string;
  /** The validated config, when there is no problem at all. */
  config?: Config;
  problems: string[];
}

type Raw = Record<string, unknown>;

function asObject(value: unknown): Raw {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {};
}

/**
 * A config made of whatever parts of the raw document parse on their own, so cross-references
 * can be checked while the schema fails elsewhere. An invalid forge is kept by name and type
 * (it is reported already; a job naming it should not also hear "unknown forge").
 */
function partialConfig(raw: Raw): Config {
  const out: Raw = {};
  const failed = new Set<string>();
  for (const [key, schema] of Object.entries(baseConfigShape)) {
    const parsed = (schema as z.ZodType).safeParse(raw[key]);
    if (!parsed.success) failed.add(key);
    out[key] = parsed.success ? parsed.data : (schema as z.ZodType).safeParse(undefined).data;
  }
  const forges: Raw = {};
  for (const [name, forge] of Object.entries(asObject(raw.forges))) {
    const parsed = forgeSchema.safeParse(forge);
    forges[name] = parsed.success ? parsed.data : asObject(forge);
  }
  out.forges = forges;
  const slack = asObject(raw.slack);
  if (failed.has('slack'))
    out.slack = {
      defaultChannel: typeof slack.defaultChannel === 'string' ? slack.defaultChannel : undefined,
      channels: asObject(slack.channels),
    };
  out.jobs = asObject(raw.jobs);
  return out as unknown as Config;
}

function crossProblems(config: Config, jobs: JobDefinition[]): string[] {
  const problems: string[] = [];
  for (const job of jobs) {
    const section = config.jobs[job.name];
    if (!section) continue;
    // A section that fails its own schema is reported by the schema pass already.
    if (
      !z
        .object({ ...jobCommonShape, ...job.options.shape })
        .strict()
        .safeParse(section).success
    )
      continue;
    try {
      jobSettings(config, job);
    } catch (error) {
      if (error instanceof ConfigError) problems.push(...error.problems);
      else throw error;
    }
  }
  return problems;
}

export async function validateConfigFile(
  configPath: string | undefined,
  options: { env?: NodeJS.ProcessEnv; jobs?: JobDefinition[] } = {},
): Promise<Validation> {
  const jobs = options.jobs ?? allJobs;
  const env = options.env ?? process.env;
  let loaded: { config: Config; path: string };
  try {
    loaded = await loadAppConfig({ configPath, env, jobs });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const path = resolveConfigPath(configPath, env);
    let raw: Raw;
    try {
      // Unreadable or not YAML: the error already says all there is to say.
      raw = asObject(interpolateEnv(parseYaml(await readFile(path, 'utf8'), path), env).value);
    } catch {
      throw error;
    }
    const problems = [...error.problems, ...crossProblems(partialConfig(raw), jobs)];
    return { path, problems: [...new Set(problems)] };
  }
  const problems = crossProblems(loaded.config, jobs);
  return problems.length
    ? { path: loaded.path, problems }
    : { path: loaded.path, config: loaded.config, problems };
}
