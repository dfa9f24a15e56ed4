import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatMarkdown, jsonSchema } from '../../app/commands/config.js';
import { configReference, REFERENCE_PATH } from '../../app/commands/config-reference.js';
import { ROOT } from '../helpers/cli.js';

type Json = { properties?: Record<string, Json>; additionalProperties?: Json; description?: string };

/** Descriptions come from the zod schema (`.describe()`) into config/schema.json and the Markdown reference. */
describe('config reference', () => {
  const schema = JSON.parse(jsonSchema()) as Json;

  it('describes every top-level, forge, Slack, Sentry, store, server and runner key, and every common job key', () => {
    const undescribed: string[] = [];
    const check = (node: Json | undefined, path: string) => {
      for (const [key, child] of Object.entries(node?.properties ?? {}))
        if (!child.description && child.properties === undefined) undescribed.push(`${path}${key}`);
    };
    check(schema, '');
    check(schema.properties!.forges!.additionalProperties, 'forges.<name>.');
    for (const key of ['sentry', 'store', 'runner'] as const) check(schema.properties![key], `${key}.`);
    // The keys every job section shares (each job's own options are described in jobs/*/options.ts).
    const common = [
      'enabled',
      'schedule',
      'timezone',
      'timeoutSeconds',
      'retries',
      'slackChannel',
      'dryRun',
      'catchUp',
    ];
    for (const key of common)
      if (!schema.properties!.jobs!.properties!.heartbeat!.properties![key]?.description)
        undescribed.push(`jobs.<job>.${key}`);
    expect(undescribed).toEqual([]);
    expect(schema.properties!.forges!.additionalProperties!.properties!.token!.description).toContain(
      'token',
    );
  });

  it('docs/config-reference.md is generated from the schema and up to date (regenerate: npm run schema)', async () => {
    const committed = readFileSync(join(ROOT, REFERENCE_PATH), 'utf8');
    expect(committed, `${REFERENCE_PATH} is stale: run \`npm run schema\``).toBe(
      await formatMarkdown(configReference(schema as Record<string, unknown>)),
    );
    expect(committed).toContain('| `store.path`');
    expect(committed).toContain('A relative path is relative to the config file.');
  });
});
