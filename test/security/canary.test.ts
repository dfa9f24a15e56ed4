import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startLocalServer,
  type LocalServer,
} from '../../packages/forge-sandbox/src/receivers/local-server.js';
import {
  startSentryReceiver,
  type SentryReceiver,
} from '../../packages/forge-sandbox/src/receivers/sentry-receiver.js';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { assertNoCanary, canaryToken } from '../support/canary.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * A canary token is configured as a forge token (and another as a Slack webhook path). The forge
 * misbehaves and echoes the token in its error body, the worst case for a leak. The token must
 * not appear in stdout, logs, the stored history, Slack payloads or Sentry envelopes.
 */
describe('secrets never leave', () => {
  const tmp = tempDir();
  const token = canaryToken('glpat');
  const hook = canaryToken('hook');
  let forge: LocalServer;
  let slack: SlackReceiver;
  let sentry: SentryReceiver;
  let config: string;
  const outputs: CliResult[] = [];

  beforeAll(async () => {
    forge = await startLocalServer((req, res) => {
      const sent = String(req.headers['private-token'] ?? req.headers.authorization ?? '');
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `403 Forbidden - token ${sent} lacks the api scope (${req.url})` }));
    });
    slack = await startSlackReceiver();
    sentry = await startSentryReceiver();
    config = join(tmp.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'forges:',
        `  gl: { type: gitlab, url: "${forge.baseUrl}", token: "\${CANARY_TOKEN}", retries: 0 }`,
        `slack: { defaultChannel: ops, channels: { ops: { webhookUrl: "${slack.url(hook)}" } } }`,
        `sentry: { dsn: "${sentry.dsn}" }`,
        `store: { path: ${JSON.stringify(join(tmp.dir, 'state.db'))} }`,
        'jobs:',
        '  heartbeat: {}',
      ].join('\n'),
    );
    const env = { CANARY_TOKEN: token, RELEASE_BOT_LOG_LEVEL: 'debug' };
    outputs.push(await runCli(['--config', config, 'run', 'heartbeat'], { env }));
    outputs.push(await runCli(['--config', config, 'run', 'heartbeat', '--json'], { env }));
    outputs.push(await runCli(['--config', config, 'history', '--json'], { env }));
    const runId = (JSON.parse(outputs[2]!.stdout) as { id: string }[])[0]!.id;
    outputs.push(await runCli(['--config', config, 'show', runId, '--json'], { env }));
    outputs.push(await runCli(['--config', config, 'config', 'validate'], { env }));
  }, 120_000);
  afterAll(async () => {
    await forge.close();
    await slack.close();
    await sentry.close();
    tmp.cleanup();
  });

  it('the forge really echoed the token and the run failed (the test would catch a leak)', () => {
    expect(outputs[0]!.code).toBe(1);
    expect(outputs[0]!.stdout).toContain('403 Forbidden - token [MASKED]');
  });

  it('is absent from stdout, stderr (debug logs) and command output', () => {
    assertNoCanary(
      token,
      outputs.map((o) => o.stdout),
      'stdout',
    );
    assertNoCanary(
      token,
      outputs.map((o) => o.stderr),
      'stderr',
    );
    assertNoCanary(
      hook,
      outputs.flatMap((o) => [o.stdout, o.stderr]),
      'output',
    );
  });

  it('is absent from the stored history', async () => {
    const store = openSqliteStore(join(tmp.dir, 'state.db'));
    const runs = await store.listRuns({ limit: 100 });
    await store.close();
    expect(runs.length).toBe(2);
    assertNoCanary(token, runs, 'history');
    assertNoCanary(token, [readFileSync(join(tmp.dir, 'state.db'))], 'the database file');
  });

  it('is absent from Slack and Sentry', () => {
    expect(slack.messages.length).toBe(1); // one alert for the failure streak
    assertNoCanary(
      token,
      slack.requests.map((r) => r.body),
      'Slack',
    );
    assertNoCanary(
      hook,
      slack.requests.map((r) => r.body),
      'Slack payloads',
    );
    expect(sentry.events().length).toBeGreaterThan(0);
    assertNoCanary(
      token,
      sentry.envelopes.map((e) => e.raw),
      'Sentry',
    );
    assertNoCanary(
      hook,
      sentry.envelopes.map((e) => e.raw),
      'Sentry',
    );
  });
});
