import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../packages/forge-sandbox/src/receivers/local-server.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { collect, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { command, SECRET, slackPost } from './support.js';

/**
 * `release-bot start` as a real process with `slack.app`: Slack's signed requests reach the
 * daemon without the server's bearer token (everything else still needs it); a pause given on
 * Slack stops the scheduled runs (recorded skipped), the status page shows it, resume restarts them.
 */
async function until(check: () => Promise<boolean | undefined>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the Slack app in the daemon', () => {
  const tmp = tempDir('release-bot-slack-daemon-');
  const db = join(tmp.dir, 'state.db');
  const config = join(tmp.dir, 'config.yaml');
  const auth = { authorization: 'Bearer status-page-token' };

  beforeAll(() => {
    writeFileSync(
      config,
      [
        `store: { path: ${JSON.stringify(db)} }`,
        'server: { host: 127.0.0.1, port: 0, auth: { token: status-page-token } }',
        'runner: { shutdownGraceSeconds: 1 }',
        'slack:',
        '  app:',
        `    signingSecret: ${SECRET}`,
        '    users: { U0ALICE: alice }',
        "    commands: { pause: { users: [U0ALICE] }, resume: { users: [U0ALICE] }, status: { users: ['*'] } }",
        'jobs:',
        "  heartbeat: { schedule: '*/2 * * * * *', forges: [] }",
      ].join('\n'),
    );
  });
  afterAll(() => tmp.cleanup());

  it('verifies Slack requests itself, pauses and resumes scheduled runs', async () => {
    const child = spawnCli(['--config', config, 'start'], { env: { RELEASE_BOT_LOG_LEVEL: 'info' } });
    const done = collect(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await pollUntil(
        () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr)?.[1],
        60_000,
        'the daemon',
      );
      expect((await fetch(`${url}/`)).status).toBe(401);
      expect((await fetch(`${url}/slack/commands`, { method: 'POST', body: 'text=status' })).status).toBe(
        401,
      );
      expect(
        (await slackPost(url, '/slack/commands', command('status'), { secret: 'wrong-secret-789' })).status,
      ).toBe(401);

      const paused = await slackPost(
        url,
        '/slack/commands',
        command('pause heartbeat --until 1h --reason maintenance'),
      );
      expect(paused.status).toBe(200);
      expect(paused.json()).toMatchObject({ response_type: 'in_channel' });
      const store = openSqliteStore(db);
      try {
        await until(
          async () => (await store.listRuns({ job: 'heartbeat', limit: 1 }))[0]?.status === 'skipped',
        );
        expect((await store.listRuns({ job: 'heartbeat', limit: 1 }))[0]!.summary).toMatch(
          /^skipped \(paused until .* by slack:U0ALICE \(alice\): maintenance\)$/,
        );
        const page = await (await fetch(`${url}/`, { headers: auth })).text();
        expect(page).toContain('Paused, held, frozen');
        expect(page).toContain('slack:U0ALICE (alice)');

        await slackPost(url, '/slack/commands', command('resume heartbeat'));
        await until(async () => (await store.listRuns({ job: 'heartbeat', limit: 1 }))[0]?.status === 'noop');
        const log = await store.listCommands(5);
        expect(log.map((c) => [c.actor, c.command])).toEqual(
          expect.arrayContaining([
            ['slack:U0ALICE (alice)', '/release-bot pause heartbeat --until 1h --reason maintenance'],
            ['slack:U0ALICE (alice)', '/release-bot resume heartbeat'],
          ]),
        );
      } finally {
        await store.close();
      }
    } finally {
      child.kill('SIGTERM');
      expect((await done).code).toBe(0);
    }
  }, 120_000);
});
