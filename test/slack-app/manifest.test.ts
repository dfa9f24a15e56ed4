import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jobs } from '../../app/jobs.js';
import { validateConfig } from '../../src/config/load.js';
import { buildConfigSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { ROOT } from '../helpers/cli.js';

/** deploy/slack: the manifest points Slack at the daemon's two paths; the example config validates. */

describe('deploy/slack', () => {
  it('the manifest sends the slash command and interactivity to /slack/commands and /slack/actions', () => {
    const manifest = parse(readFileSync(join(ROOT, 'deploy/slack/manifest.yaml'), 'utf8')) as {
      features: { slash_commands: { command: string; url: string }[] };
      settings: { interactivity: { is_enabled: boolean; request_url: string } };
    };
    expect(manifest.features.slash_commands[0]).toMatchObject({ command: '/release-bot' });
    expect(new URL(manifest.features.slash_commands[0]!.url).pathname).toBe('/slack/commands');
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe('/slack/actions');
  });

  it('the example slack.app config is valid, and a group that does not exist is named by its path', () => {
    const example = parse(readFileSync(join(ROOT, 'deploy/slack/release-bot-slack-app.yaml'), 'utf8')) as {
      slack: { app: Record<string, unknown> };
    };
    const schema = buildConfigSchema(jobs);
    const config = validateConfig(
      {
        ...example,
        slack: { ...example.slack, app: { ...example.slack.app, signingSecret: 'an-example-secret' } },
      },
      schema,
      'test',
    );
    expect(config.slack.app?.commands.run?.groups).toEqual(['release-managers']);
    const broken = {
      slack: { app: { signingSecret: 'an-example-secret', commands: { run: { groups: ['nobody'] } } } },
    };
    expect(() => validateConfig(broken, schema, 'test')).toThrow(ConfigError);
    try {
      validateConfig(broken, schema, 'test');
    } catch (error) {
      expect((error as ConfigError).problems.join('\n')).toMatch(
        /slack\.app\.commands\.run\.groups\[0\].*unknown group "nobody"/,
      );
    }
  });
});
