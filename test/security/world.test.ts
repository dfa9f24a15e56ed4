import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeMentions, slackStrings } from '../../packages/forge-sandbox/src/receivers/block-kit.js';
import { writePart } from '../reliability/support/figures.js';
import {
  ONCALL_MENTION,
  startWorld,
  TEAM_MENTION,
  type ReliabilityWorld,
} from '../reliability/support/world.js';

/**
 * Every job over the reliability world's scenario (test/reliability/support/world.ts), watched
 * for what a release bot must never do:
 * - ping people through forge text: a component commit and a packit commit titled
 *   `fix <!channel> @here <@U123>`, and a human retitling the bump MR to it, flow into a
 *   report-pipeline-failures regression report, the release notes of move-stable-branches and
 *   update-component's stale warning — and Slack sees only the configured team mentions;
 * - force-update a branch it does not own: every forced ref update, whether the request asked
 *   for it (`force` in the request log: GitLab commits API, GitHub `PATCH git/refs`) or the
 *   simulator saw history rewritten (API commits, ref updates and git pushes alike), is on a
 *   `release-bot/` branch.
 */

const CYCLES = 8;
const ALLOWED = new Set([TEAM_MENTION, ONCALL_MENTION]);
/** The injected title as it shows once neutralised (escaped, `@here` broken). */
const NEUTRALISED = /fix\s*\S*channel\S*\s+\S*here\s+\S*U123/;

describe('no surprises from forge text or force pushes', () => {
  let w: ReliabilityWorld;
  const runs: string[] = [];

  beforeAll(async () => {
    w = await startWorld();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await w.events(cycle, 100);
      for (const { job, args } of w.runs()) {
        const { run } = await w.run(job, args);
        runs.push(`${cycle} ${job}: ${run.status} ${run.summary}`);
      }
    }
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });

  function carrying(job: RegExp) {
    return w.slack.messages.filter(
      (m) => NEUTRALISED.test(slackStrings(m.payload).join('\n')) && job.test(JSON.stringify(m.payload)),
    );
  }

  it('neutralises mentions from commit titles and MR titles: only the configured team mention pings', () => {
    expect(w.slack.messages.length).toBeGreaterThan(10);
    const pings = w.slack.messages.flatMap((m) =>
      activeMentions(m.payload)
        .filter((mention) => !ALLOWED.has(mention))
        .map((mention) => `${mention} in "${m.payload.text?.split('\n')[0]}"`),
    );
    expect(pings).toEqual([]);
    // The injection really reached each message (else the test would prove nothing).
    const regression = carrying(/regression/);
    const releaseNotes = carrying(/move-stable-branches: moved/);
    const stale = carrying(/version MR has been open/);
    expect(regression.length, runs.join('\n')).toBeGreaterThan(0);
    expect(releaseNotes.length, runs.join('\n')).toBeGreaterThan(0);
    expect(stale.length, runs.join('\n')).toBeGreaterThan(0);
    for (const m of [...regression, ...releaseNotes, ...stale]) {
      expect(activeMentions(m.payload).every((mention) => ALLOWED.has(mention))).toBe(true);
      expect(JSON.stringify(m.payload)).not.toContain('<!channel>');
    }
    writePart('security-mentions', {
      summary: `mention injection: ${w.slack.messages.length} Slack messages, the injected title in ${regression.length + releaseNotes.length + stale.length} (regression report, release notes, stale warning), no mention but the configured team's`,
      checked: 1,
      held: 1,
    });
  });

  it('never force-updates a branch outside release-bot/', async () => {
    const bot = w.sim.world.userByName('release-bot')!.id;
    const requested = w.sim
      .requests()
      .filter((r) => r.user === 'release-bot' && r.detail?.force === true)
      .map((r) => ({
        route: r.route,
        branch:
          r.forge === 'gitlab'
            ? String(r.detail!.branch)
            : decodeURIComponent(r.path).replace(/^.*\/git\/refs\/heads\//, ''),
      }));
    const rewritten = w.pushes.filter((p) => p.forced && p.userId === bot).map((p) => p.ref);
    // The audit sees force updates (update-component resets its own branch on both forges).
    expect(requested.map((r) => r.route)).toEqual(
      expect.arrayContaining([
        'POST /api/v4/projects/:id/repository/commits',
        'PATCH /repos/:owner/:repo/git/refs/:ref*',
      ]),
    );
    expect(rewritten.length).toBeGreaterThan(0);
    expect(requested.filter((r) => !r.branch.startsWith('release-bot/'))).toEqual([]);
    expect(rewritten.filter((ref) => !ref.startsWith('release-bot/'))).toEqual([]);
    // Branches the bot moved that are not its own (stable, via git push) only ever fast-forwarded.
    const others = w.pushes.filter((p) => p.userId === bot && !p.ref.startsWith('release-bot/') && p.after);
    expect(others.map((p) => p.ref)).toContain('stable');
    expect(others.filter((p) => p.forced)).toEqual([]);
    writePart('security-force', {
      summary: `force updates: ${requested.length} requested and ${rewritten.length} history rewrites by the bot, all on release-bot/ branches; ${others.length} updates of other branches, all fast-forwards`,
      checked: 1,
      held: 1,
    });
  });
});
