import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../app/app.js';
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { mask, resetSecrets } from '../../src/secrets/masker.js';
import { tempDir } from '../helpers/tmp.js';

const schema = configSchema();

function problemsOf(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    validateConfig(raw, schema, 'test.yaml', { env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading', () => {
  const tmp = tempDir();
  afterAll(() => {
    tmp.cleanup();
    resetSecrets();
  });

  it('interpolates ${ENV} and ${ENV:-default}, and masks the secrets it read', () => {
    const config = validateConfig(
      {
        forges: { gl: { type: 'gitlab', url: 'https://gitlab.example.com', token: '${GL_TOKEN}' } },
        slack: { channels: { ops: { webhookUrl: '${HOOK:-https://hooks.example.com/x/y}' } } },
        jobs: { heartbeat: { schedule: '*/5 * * * *' } },
      },
      schema,
      'test.yaml',
      { env: { GL_TOKEN: 'glpat-abcdef123456' } },
    );
    expect(config.forges.gl?.token).toBe('glpat-abcdef123456');
    expect(config.slack.channels.ops?.webhookUrl).toBe('https://hooks.example.com/x/y');
    expect(mask('token=glpat-abcdef123456')).toBe('token=[MASKED]');
  });

  it('reports every problem at once, each naming its path', () => {
    const problems = problemsOf(
      {
        timezone: 'Mars/Olympus',
        forges: {
          gl: { type: 'gitlub', url: 'not a url', token: '${MISSING_TOKEN}', concurency: 3 },
        },
        jobs: { heartbeat: { schedule: '61 * * * *', enabled: 'yes' }, hartbeat: {} },
        sentri: {},
      },
      {},
    );
    const text = problems.join('\n');
    expect(text).toContain('forges.gl.token: environment variable MISSING_TOKEN is not set');
    expect(text).toContain('timezone: unknown time zone "Mars/Olympus"');
    expect(text).toMatch(/forges\.gl\.type: must be one of "gitlab", "github", got "gitlub"/);
    expect(text).toContain('forges.gl.url: must be an http(s) URL');
    expect(text).toContain('forges.gl.concurency: unknown key (did you mean "concurrency"?)');
    expect(text).toContain('jobs.heartbeat.schedule: invalid cron expression "61 * * * *"');
    expect(text).toContain('jobs.heartbeat.enabled: expected boolean, got string ("yes")');
    expect(text).toContain('jobs.hartbeat: unknown key (did you mean "heartbeat"?)');
    expect(text).toContain('sentri: unknown key (did you mean "sentry"?)');
    expect(problems.length).toBeGreaterThanOrEqual(9);
  });

  it('names a missing required field as required', () => {
    const problems = problemsOf({ forges: { gl: { type: 'gitlab', url: 'https://x.example' } } });
    expect(problems).toContain('forges.gl.token: required');
  });

  it('points at the line of a YAML syntax error and at a missing file', async () => {
    const file = join(tmp.dir, 'bad.yaml');
    writeFileSync(file, 'forges:\n  gl:\n    type: gitlab\n   url: [unclosed\n');
    const error = await loadConfig(file, schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/bad\.yaml:\d+:\d+/);
    const missing = await loadConfig(join(tmp.dir, 'nope.yaml'), schema).catch((e: unknown) => e);
    expect((missing as ConfigError).problems[0]).toContain('file not found');
  });

  it('applies --set overrides before validation, keeping YAML types', () => {
    const config = validateConfig({ jobs: { heartbeat: {} } }, schema, 'x', {
      overrides: ['jobs.heartbeat.enabled=false', 'jobs.heartbeat.timeoutSeconds=42'],
    });
    expect(config.jobs.heartbeat).toMatchObject({ enabled: false, timeoutSeconds: 42 });
    expect(() => validateConfig({}, schema, 'x', { overrides: ['nonsense'] })).toThrow(/expected path=value/);
  });
});
