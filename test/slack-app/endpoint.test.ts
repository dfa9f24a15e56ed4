import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { activePause } from '../../src/control/pauses.js';
import { parseVersion } from '../../src/domain/auto-deploy-version.js';
import { JOB_NAME, newRecord, packageKey } from '../../src/domain/post-migration-records.js';
import { startDaemonServer, type DaemonServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log/logger.js';
import { defineJob } from '../../src/runner/job.js';
import { postToResponseUrl, slackRoutes } from '../../src/slack-app/routes.js';
import { harness, type Harness } from '../runner/harness.js';
import { click, command, responseReceiver, SECRET, slackPost } from './support.js';

/**
 * The Slack app endpoint on the daemon's real HTTP server: only requests signed with the app's
 * signing secret, within five minutes, once, from an allowed user act; every command is in the
 * command log with who ran it; answers follow Slack's format (JSON with response_type, long
 * work answered through response_url).
 */

const OLD = '16.7.202401091200-aaaaaaaaaaa.bbbbbbbbbbb';
const NEW = '16.7.202401101200-ccccccccccc.ddddddddddd';

describe('Slack app endpoint', () => {
  let h: Harness;
  let server: DaemonServer;
  let responses: Awaited<ReturnType<typeof responseReceiver>>;
  const pending = new Set<Promise<unknown>>();
  const idle = async () => {
    while (pending.size) await Promise.allSettled([...pending]);
  };

  beforeAll(async () => {
    const writer = defineJob({
      name: 'writer',
      description: 'writes',
      schedule: 'manual',
      options: z.object({}),
      slackDecisions: true,
      run: async (ctx) => ({
        status: 'ok',
        summary: ctx.dryRun ? 'would write <!channel>' : 'wrote',
        actions: [],
        links: [],
      }),
    });
    // A job that takes no decisions: no button may start it.
    const other = defineJob({
      name: 'other',
      description: 'writes too',
      schedule: 'manual',
      options: z.object({}),
      run: async () => ({ status: 'ok', summary: 'wrote', actions: [], links: [] }),
    });
    h = await harness({
      jobs: [writer, other],
      config: {
        jobs: { writer: {}, other: {} },
        slack: {
          app: {
            signingSecret: SECRET,
            teamId: 'T0TEAM',
            users: { U0ALICE: 'alice', U0BOB: 'bob' },
            groups: { releasers: ['U0ALICE'] },
            commands: {
              status: { users: ['*'] },
              which: { users: ['*'] },
              'rollback-check': { users: ['*'] },
              trace: { users: ['*'] },
              run: { groups: ['releasers'] },
              pause: { groups: ['releasers'] },
              resume: { users: ['U0ALICE'] },
            },
          },
        },
      },
    });
    for (const [version, migrations, at] of [
      [OLD, [], '2024-01-09T13:00:00Z'],
      [NEW, ['db/post_migrate/20240105120000_drop_old_column.rb'], '2024-01-10T13:00:00Z'],
    ] as const) {
      const record = newRecord(parseVersion(version));
      record.environments = { gprd: { at, deploymentId: 1, url: 'https://ops.example.com/deployments/1' } };
      record.analysis = {
        previous: null,
        migrations: [...migrations],
        sha: 'x',
        compareUrl: null,
        analysedAt: at,
      };
      await h.store.setState(JOB_NAME, packageKey(version), record);
    }
    responses = await responseReceiver();
    server = await startDaemonServer({
      config: { host: '127.0.0.1', port: 0, auth: { token: 'status-page-token' } },
      health: async () => ({ ok: true, details: {} }),
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      selfAuthenticated: slackRoutes({
        app: h.config.slack.app!,
        config: h.config,
        store: h.store,
        jobs: [writer, other],
        runner: h.runner,
        now: () => new Date(),
        log: silentLogger(),
        respond: postToResponseUrl,
        track: (work) => {
          pending.add(work);
          void work.finally(() => pending.delete(work));
        },
      }),
    });
  });
  afterAll(async () => {
    await idle();
    await server?.close();
    await responses?.close();
    await h?.close();
  });

  it('answers a correctly signed command in Slack format, logged with who ran it (no bearer token needed)', async () => {
    const r = await slackPost(server.url, '/slack/commands', command('status'));
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('*writer*') });
    const [last] = await h.store.listCommands(1);
    expect(last).toMatchObject({
      actor: 'slack:U0ALICE (alice)',
      via: 'slack',
      command: '/release-bot status',
      ok: true,
    });
    // The rest of the server still wants its token.
    expect((await fetch(`${server.url}/anything`)).status).toBe(401);
  });

  it('refuses a wrong secret, an old timestamp, a tampered body and missing headers: nothing acts, nothing is logged', async () => {
    const before = (await h.store.listCommands(100)).length;
    const pause = command('pause writer --reason sneaky');
    expect(
      (await slackPost(server.url, '/slack/commands', pause, { secret: 'not-the-secret-123' })).status,
    ).toBe(401);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await slackPost(server.url, '/slack/commands', pause, { timestamp: sixMinutesAgo })).status).toBe(
      401,
    );
    const inFuture = Math.floor(Date.now() / 1000) + 6 * 60;
    expect((await slackPost(server.url, '/slack/commands', pause, { timestamp: inFuture })).status).toBe(401);
    const tampered = new URLSearchParams({
      ...pause,
      user_id: 'U0ALICE',
      text: 'pause writer --reason other',
    }).toString();
    expect(
      (await slackPost(server.url, '/slack/commands', command('status'), { sentBody: tampered })).status,
    ).toBe(401);
    const bare = await fetch(`${server.url}/slack/commands`, { method: 'POST', body: 'text=status' });
    expect(bare.status).toBe(401);
    expect(await activePause(h.store, 'writer', new Date())).toBeNull();
    expect((await h.store.listCommands(100)).length).toBe(before);
  });

  it('acts once on a replayed request within the window', async () => {
    const r = await slackPost(
      server.url,
      '/slack/commands',
      command('pause writer --until 1h --reason deploy in progress'),
    );
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({
      response_type: 'in_channel',
      text: expect.stringContaining('writer paused until'),
    });
    const logged = (await h.store.listCommands(100)).length;
    const again = await r.replay();
    expect(again.status).toBe(401);
    expect((await h.store.listCommands(100)).length).toBe(logged);
    expect(await activePause(h.store, 'writer', new Date())).toMatchObject({
      by: 'slack:U0ALICE (alice)',
      via: 'slack',
      reason: 'deploy in progress',
    });
  });

  it('a user not allowed for a command is refused, and the refusal is logged', async () => {
    const r = await slackPost(server.url, '/slack/commands', command('resume writer', 'U0BOB'));
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('You may not run `resume`'),
    });
    expect(await activePause(h.store, 'writer', new Date())).not.toBeNull();
    const [last] = await h.store.listCommands(1);
    expect(last).toMatchObject({
      actor: 'slack:U0BOB (bob)',
      ok: false,
      command: '/release-bot resume writer',
    });
    const stranger = await slackPost(server.url, '/slack/commands', command('run writer', 'U0EVE'));
    expect((stranger.json() as { text: string }).text).toContain('You may not run `run`');
  });

  it('a request from another workspace is refused', async () => {
    const r = await slackPost(server.url, '/slack/commands', { ...command('status'), team_id: 'T0OTHER' });
    expect(r.status).toBe(403);
  });

  it('resume, then run --dry-run: answered at once, the result follows on response_url, the run says who asked', async () => {
    const resumed = await slackPost(server.url, '/slack/commands', command('resume writer'));
    expect((resumed.json() as { text: string }).text).toContain('writer resumed');
    const r = await slackPost(
      server.url,
      '/slack/commands',
      command('run writer --dry-run', 'U0ALICE', responses.url),
    );
    expect(r.json()).toMatchObject({
      response_type: 'in_channel',
      text: expect.stringContaining('Starting *writer* as a dry run'),
    });
    const follow = await responses.next();
    expect(follow).toMatchObject({ response_type: 'in_channel' });
    // Job text is escaped: no channel ping from a summary.
    expect(follow.text).toContain('would write &lt;!channel&gt;');
    await idle();
    const [run] = await h.store.listRuns({ job: 'writer', limit: 1 });
    expect(run).toMatchObject({ trigger: 'api', dryRun: true });
    expect(run!.summary).toBe('requested on Slack by slack:U0ALICE (alice): would write <!channel>');
  });

  it('which, rollback-check and trace answer from what the jobs recorded', async () => {
    const which = await slackPost(
      server.url,
      '/slack/commands',
      command('which 20240105120000_drop_old_column.rb'),
    );
    expect((which.json() as { text: string }).text).toContain(`introduced by *${NEW}*`);
    const check = await slackPost(server.url, '/slack/commands', command(`rollback-check ${NEW} ${OLD}`));
    expect((check.json() as { text: string }).text).toMatch(/^⛔ UNSAFE: 1 post-deploy migration/);
    const bad = await slackPost(server.url, '/slack/commands', command('rollback-check 16.7 nope'));
    expect((bad.json() as { text: string }).text).toMatch(/^⚠️/);
    const trace = await slackPost(server.url, '/slack/commands', command('trace gitaly abc1234'));
    expect((trace.json() as { text: string }).text).toMatch(
      /^❔ \*gitaly\* `abc1234`: not-found — no merged gitaly bump/,
    );
    const badSha = await slackPost(server.url, '/slack/commands', command('trace gitaly <!channel>'));
    expect((badSha.json() as { text: string }).text).toContain('is not a commit sha');
    const help = await slackPost(server.url, '/slack/commands', command('frobnicate'));
    expect((help.json() as { text: string }).text).toContain('Unknown command');
  });

  it('a button click signed with the wrong secret is refused; a link-button click does nothing', async () => {
    const payload = click({
      user: 'U0ALICE',
      actionId: 'release-bot:approve',
      value: '{"job":"writer","hash":"abcdef12"}',
      responseUrl: responses.url,
    });
    expect(
      (await slackPost(server.url, '/slack/actions', payload, { secret: 'wrong-secret-456' })).status,
    ).toBe(401);
    const link = click({ user: 'U0ALICE', actionId: 'link-0', value: 'x', responseUrl: responses.url });
    expect((await slackPost(server.url, '/slack/actions', link)).status).toBe(200);
    expect(await h.store.listRuns({ job: 'writer', limit: 10 })).toHaveLength(1);
  });

  it('a click naming a job that takes no decisions (an edited button value) starts nothing, even for a known user', async () => {
    const before = (await h.store.listRuns({ job: 'other', limit: 10 })).length;
    const answered = responses.received.length;
    for (const value of [
      '{"job":"other","hash":"abcdef12"}',
      '{"job":"writer","hash":"abcdef12","dryRun":false}',
      '{"job":"writer","hash":"../../x"}',
      '{"job":"__proto__","hash":"abcdef12"}',
    ]) {
      const payload = click({
        user: 'U0BOB',
        actionId: 'release-bot:approve',
        value,
        responseUrl: responses.url,
      });
      expect((await slackPost(server.url, '/slack/actions', payload)).status).toBe(200);
      const [last] = await h.store.listCommands(1);
      expect(last, value).toMatchObject({
        actor: 'slack:U0BOB (bob)',
        ok: false,
        outcome: expect.stringMatching(/^refused/),
      });
    }
    await idle();
    expect(await h.store.listRuns({ job: 'other', limit: 10 })).toHaveLength(before);
    expect(responses.received).toHaveLength(answered);
  });

  it('a body over 64 KiB is refused before anything acts, even correctly signed', async () => {
    const before = (await h.store.listCommands(100)).length;
    for (const size of [70 * 1024, 8 * 1024 * 1024]) {
      const big = command(`pause writer --reason ${'x'.repeat(size)}`);
      const status = await slackPost(server.url, '/slack/commands', big).then(
        (r) => r.status,
        (e: Error) => `connection dropped: ${String((e.cause as Error | undefined)?.message ?? e.message)}`,
      );
      // Answered (Slack shows a failure, not a timeout), nothing kept past 64 KiB.
      expect(status, String(size)).toBe(413);
    }
    expect(await activePause(h.store, 'writer', new Date())).toBeNull();
    expect((await h.store.listCommands(100)).length).toBe(before);
  });

  it('a click for a paused job is refused: nothing is decided, the clicker is told why', async () => {
    await slackPost(server.url, '/slack/commands', command('pause writer --reason change freeze'));
    const payload = click({
      user: 'U0ALICE',
      actionId: 'release-bot:approve',
      value: '{"job":"writer","hash":"abcdef12"}',
      responseUrl: responses.url,
    });
    expect((await slackPost(server.url, '/slack/actions', payload)).status).toBe(200);
    const answer = await responses.next();
    await idle();
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(answer.text).toMatch(
      /^⛔ .*skipped \(paused until resumed by slack:U0ALICE \(alice\): change freeze\)/,
    );
    const [last] = await h.store.listCommands(1);
    expect(last).toMatchObject({ command: 'button approve writer plan abcdef12', ok: false });
  });
});

describe('parsing /release-bot text', () => {
  it('keeps quoted words together (straight or Slack’s curly quotes); --reason takes the rest', async () => {
    const { parseCommand } = await import('../../src/slack-app/commands.js');
    expect(
      parseCommand('pause update-component --until “2026-12-07 09:00” --reason gitaly is "broken"'),
    ).toEqual({
      command: 'pause',
      args: ['update-component'],
      flags: { until: '2026-12-07 09:00', reason: 'gitaly is broken' },
    });
    expect(parseCommand('run writer -n')).toEqual({
      command: 'run',
      args: ['writer'],
      flags: { 'dry-run': true },
    });
    expect(parseCommand('hold gitaly --sha=abc1234 --reason x')).toMatchObject({
      flags: { sha: 'abc1234', reason: 'x' },
    });
    expect(parseCommand('   ').command).toBe('help');
  });
});
