import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchema, SCHEMA_PATH } from '../../app/commands/config.js';
import { ROOT } from '../helpers/cli.js';

describe('config/schema.json', () => {
  it('is generated from the zod schema and up to date (regenerate: npm run schema)', () => {
    const committed = readFileSync(join(ROOT, SCHEMA_PATH), 'utf8');
    expect(committed, 'config/schema.json is stale: run `npm run schema`').toBe(jsonSchema());
  });

  it('describes the jobs and forges', () => {
    const schema = JSON.parse(jsonSchema()) as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['forges', 'slack', 'jobs', 'store']),
    );
    expect(Object.keys(schema.properties.jobs?.properties ?? {})).toContain('heartbeat');
  });
});
