import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { configSchema } from '../app.js';
import { validateConfigFile } from '../validate.js';
import { ConfigError } from '../../src/errors.js';
import { jobs } from '../jobs.js';
import { configReference, REFERENCE_PATH } from './config-reference.js';
import { EXIT } from './exit.js';

export const SCHEMA_PATH = 'config/schema.json';

/** The JSON Schema of the config file, for editors (yaml-language-server) and CI linting. */
export function jsonSchema(): string {
  const schema = z.toJSONSchema(configSchema(), { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return `${JSON.stringify({ ...schema, title: 'release-bot configuration' }, null, 2)}\n`;
}

export async function validateCommand(
  file: string | undefined,
  options: { json?: boolean },
): Promise<number> {
  // Schema, cross-references and channels in one pass, so a bad config is fixed in one round.
  const { config, path, problems } = await validateConfigFile(file);
  if (!config)
    throw new ConfigError(
      `${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration`,
      problems,
    );
  const enabled = jobs
    .filter((j) => config.jobs[j.name] && config.jobs[j.name]?.enabled !== false)
    .map((j) => j.name);
  if (options.json)
    process.stdout.write(`${JSON.stringify({ valid: true, path, jobs: enabled }, null, 2)}\n`);
  else
    process.stdout.write(
      `${path}: valid (${Object.keys(config.forges).length} forge(s), jobs: ${enabled.join(', ') || 'none'})\n`,
    );
  return EXIT.ok;
}

export async function schemaCommand(options: { write?: string | boolean }): Promise<number> {
  const text = jsonSchema();
  if (options.write) {
    const target = typeof options.write === 'string' ? options.write : SCHEMA_PATH;
    await writeFile(target, text);
    process.stderr.write(`wrote ${target}\n`);
    // The default target also refreshes the Markdown reference generated from the same schema.
    if (target === SCHEMA_PATH) {
      await writeFile(
        REFERENCE_PATH,
        await formatMarkdown(configReference(JSON.parse(text) as Record<string, unknown>)),
      );
      process.stderr.write(`wrote ${REFERENCE_PATH}\n`);
    }
  } else process.stdout.write(text);
  return EXIT.ok;
}

/** The reference as prettier would format it (the repo's Markdown passes `prettier --check`). */
export async function formatMarkdown(text: string): Promise<string> {
  // prettier is a dev dependency: an installed bot writes the table unformatted.
  const prettier = await import('prettier').catch(() => undefined);
  if (!prettier) return text;
  const options = (await prettier.resolveConfig(REFERENCE_PATH)) ?? {};
  return prettier.format(text, { ...options, parser: 'markdown' });
}
