import { describe, expect, it } from 'vitest';
import { issueDescription } from '../../jobs/move-stable-branches/report.js';
import { renderSlackMessage } from '../../src/notify/slack-blocks.js';
import { runUrlOf } from '../../src/runner/run-url.js';
import type { Config } from '../../src/config/schema.js';

/** server.publicUrl: the run page link in Slack messages (blocks and fallback) and approval issues. */

describe('links back to the run page', () => {
  it('builds the run URL from server.publicUrl, or none without it', () => {
    const config = {
      server: { host: '127.0.0.1', port: 9464, publicUrl: 'https://bot.example.com/' },
    } as Config;
    expect(runUrlOf(config, 'abc-1')).toBe('https://bot.example.com/runs/abc-1');
    expect(runUrlOf({ server: { host: '127.0.0.1', port: 9464 } } as Config, 'abc-1')).toBeUndefined();
  });

  it('puts it in the Slack footer and the fallback text, with the reason', () => {
    const payload = renderSlackMessage({
      title: 'production #42 failed verification',
      severity: 'error',
      reason: 'health readiness: 503 in 5 of 6 samples',
      context: { job: 'verify-deployment', runId: 'r1', runUrl: 'https://bot.example.com/runs/r1' },
    });
    expect(payload.text).toContain('health readiness: 503 in 5 of 6 samples');
    expect(payload.text).toContain('https://bot.example.com/runs/r1');
    expect(JSON.stringify(payload.blocks)).toContain('<https://bot.example.com/runs/r1|run page>');
  });

  it('links the approval issue to the run that opened it', () => {
    const body = issueDescription({
      checkboxes: true,
      hash: 'a1b2c3',
      outcomes: [],
      gates: [],
      approvers: ['alice'],
      marker: { hash: 'a1b2c3' } as never,
      runUrl: 'https://bot.example.com/runs/r9',
    });
    expect(body).toContain('[the run](https://bot.example.com/runs/r9)');
  });
});
