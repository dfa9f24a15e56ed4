import { describe, expect, it } from 'vitest';
import { configSchema } from '../../app/app.js';
import { registerConfigSecrets } from '../../src/config/load.js';
import { mask } from '../../src/secrets/masker.js';

/** slack.botToken, channels.<name>.channel and server.publicUrl: validated with paths, the token masked. */

function problems(config: unknown): string[] {
  const parsed = configSchema().safeParse(config);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('Slack bot token and public URL config', () => {
  it('accepts a bot-token channel, with or without a webhook, and a public URL', () => {
    expect(
      problems({
        slack: {
          botToken: 'xoxb-1-abc',
          channels: {
            oncall: { channel: 'C0ONCALL' },
            releases: { channel: '#releases', webhookUrl: 'https://hooks.example.com/x' },
          },
        },
        server: { publicUrl: 'https://release-bot.example.com' },
      }),
    ).toEqual([]);
  });

  it('names the path of each problem', () => {
    expect(problems({ slack: { channels: { oncall: { channel: 'C0ONCALL' } } } })).toEqual([
      'slack.channels.oncall.webhookUrl: required: `channel` alone needs slack.botToken',
    ]);
    expect(problems({ slack: { channels: { oncall: {} } } })).toEqual([
      'slack.channels.oncall.webhookUrl: required (or `channel` with slack.botToken)',
    ]);
    expect(problems({ slack: { botToken: 'hunter2', channels: {} } })).toEqual([
      'slack.botToken: expected a Slack bot token (xoxb-…)',
    ]);
    expect(problems({ server: { publicUrl: 'javascript:alert(1)' } })).toEqual([
      'server.publicUrl: must be an http(s) URL',
    ]);
  });

  it('masks the bot token wherever it appears', () => {
    registerConfigSecrets({ slack: { botToken: 'xoxb-999-secret-token' } });
    expect(mask('auth failed for xoxb-999-secret-token')).not.toContain('xoxb-999-secret-token');
  });
});
