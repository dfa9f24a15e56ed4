import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readMarker } from '../../src/kit/marker.js';
import { startDaemonServer, type DaemonServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log/logger.js';
import { postToResponseUrl, slackRoutes } from '../../src/slack-app/routes.js';
import { validateBlockKit } from '../../packages/forge-sandbox/src/receivers/block-kit.js';
import type { SimForge } from '../../packages/forge-sandbox/src/core/model.js';
import { SCENARIO_TIMEOUT, stableWorld, type StableWorld } from '../jobs/move-stable-branches/world.js';
import { click, responseReceiver, SECRET, slackPost } from './support.js';

/**
 * Approve / Decline on the move-stable-branches approval message, on both forges: the buttons
 * carry the plan hash; a click by a non-approver or on an outdated plan is refused with the
 * reason and writes nothing; an approver's click is recorded on the approval issue (a marked
 * note of the bot's) and counts exactly like the issue approval; a run killed after the click
 * converges on the next poll; Decline closes the issue and nothing moves.
 */

const HOUR = 3_600_000;
const JOB = 'move-stable-branches';

interface Button {
  action_id: string;
  value?: string;
  style?: string;
}

describe.each(['gitlab', 'github'] as const)(
  'approval buttons on %s',
  { timeout: SCENARIO_TIMEOUT },
  (forge: SimForge) => {
    let w: StableWorld;
    let server: DaemonServer;
    let responses: Awaited<ReturnType<typeof responseReceiver>>;
    const pending = new Set<Promise<unknown>>();
    const idle = async () => {
      while (pending.size) await Promise.allSettled([...pending]);
    };

    async function serve(): Promise<void> {
      await server?.close();
      const app = w.h.app;
      server = await startDaemonServer({
        config: { host: '127.0.0.1', port: 0 },
        health: async () => ({ ok: true, details: {} }),
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
        selfAuthenticated: slackRoutes({
          app: app.config.slack.app!,
          config: app.config,
          store: app.store,
          jobs: app.jobs,
          runner: app.runner,
          now: () => new Date(),
          log: silentLogger(),
          respond: postToResponseUrl,
          track: (work) => {
            pending.add(work);
            void work.finally(() => pending.delete(work));
          },
        }),
      });
    }

    /** The newest approval message's buttons. */
    function buttons(): Button[] {
      const asked = w.h.slack.messages.filter((m) => (m.payload.text ?? '').includes('approval needed'));
      const last = asked.at(-1);
      expect(last).toBeDefined();
      expect(validateBlockKit(last!.payload)).toEqual([]);
      const blocks = (last!.payload.blocks ?? []) as unknown as { type: string; elements?: Button[] }[];
      return blocks.flatMap((b) =>
        b.type === 'actions' ? (b.elements ?? []).filter((e) => e.action_id.startsWith('release-bot:')) : [],
      );
    }

    async function press(user: string, button: Button): Promise<string> {
      const r = await slackPost(
        server.url,
        '/slack/actions',
        click({ user, actionId: button.action_id, value: button.value!, responseUrl: responses.url }),
      );
      expect(r.status).toBe(200);
      const answer = await responses.next();
      await idle();
      expect(answer).toMatchObject({ replace_original: false });
      return answer.text as string;
    }

    const decisionNotes = (iid: number) =>
      w.notes(iid).filter((n) => readMarker<{ type: string }>(n.body, `${JOB}-note`)?.type === 'decision');

    beforeAll(async () => {
      w = await stableWorld(forge, { sentry: false, repos: ['packit', 'ogr'] });
      const path = join(w.h.dir, 'release-bot.yaml');
      const config = parse(readFileSync(path, 'utf8')) as { slack: Record<string, unknown> };
      config.slack.app = { signingSecret: SECRET, users: { U0ALICE: 'alice', U0BOB: 'bob' } };
      writeFileSync(path, stringify(config));
      await w.h.restart();
      responses = await responseReceiver();
      await serve();
    }, SCENARIO_TIMEOUT);
    afterAll(async () => {
      await idle();
      await server?.close();
      await responses?.close();
      await w?.close();
    }, SCENARIO_TIMEOUT);

    it('the approval message carries Approve and Decline for its plan', async () => {
      await w.push('packit', 'Add packit feature');
      await w.stage('success');
      await w.sim.advance(HOUR);
      const { run } = await w.scheduled();
      expect(run.status).toBe('skipped');
      const hash = readMarker<{ hash: string }>(w.approvalIssues()[0]!.description, JOB)!.hash;
      const [approve, decline] = buttons();
      expect(approve).toMatchObject({
        action_id: 'release-bot:approve',
        style: 'primary',
        value: JSON.stringify({ job: JOB, hash }),
      });
      expect(decline).toMatchObject({ action_id: 'release-bot:decline', style: 'danger' });
    });

    it('refuses a non-approver and an outdated plan, with the reason, writing nothing', async () => {
      const [approve] = buttons();
      const iid = w.approvalIssues()[0]!.iid;
      const since = w.sim.mark();
      expect(await press('U0BOB', approve!)).toContain('bob is not an approver (approvers: alice)');
      expect(await press('U0EVE', approve!)).toContain('not known to release-bot');
      expect(w.writes(since)).toEqual([]);

      const stableBefore = await w.stable('packit');
      await w.push('packit', 'Another packit change');
      await w.sim.advance(HOUR);
      const text = await press('U0ALICE', approve!);
      expect(text).toMatch(
        /Slack decision not recorded: the button was for plan [0-9a-f]+, which is outdated: a source branch moved and the plan is now [0-9a-f]+/,
      );
      expect(w.writes(since)).toEqual([]);
      expect(decisionNotes(iid)).toEqual([]);
      expect(await w.stable('packit')).toBe(stableBefore);
      const [log] = await w.h.app.store.listCommands(1);
      expect(log).toMatchObject({ actor: 'slack:U0ALICE (alice)', ok: false });
    });

    it("an approver's click is recorded on the issue; a run killed after it converges on the next poll", async () => {
      await w.scheduled(); // the poll moves the issue to the new plan and asks again
      const iid = w.approvalIssues()[0]!.iid;
      const [approve] = buttons();
      const target = await w.source('packit');
      // The click's run records the decision, then dies: every later read of the issue's notes fails
      // (the first one, before the decision note, goes through).
      w.sim.addFault({
        forge,
        method: 'GET',
        route: /issues\/:\w+\/(notes|comments)$/,
        after: 1,
        errorRate: 1,
        statuses: [500],
      });
      const text = await press('U0ALICE', approve!);
      w.sim.clearFaults();
      expect(text).toMatch(/^❌/);
      const notes = decisionNotes(iid);
      expect(notes).toHaveLength(1);
      expect(notes[0]!.body).toContain('`alice` approved plan');
      expect(await w.stable('packit')).not.toBe(target);

      const { run } = await w.scheduled();
      expect(run.status).toBe('ok');
      expect(run.summary).toContain('approved by alice (Slack button)');
      expect(await w.stable('packit')).toBe(target);
      expect(w.approvalIssues()[0]!.state).toBe('closed');
      expect(decisionNotes(iid)).toHaveLength(1);
    });

    it('Decline closes the issue, records who declined, and nothing moves', async () => {
      await w.push('packit', 'Next packit change');
      await w.sim.advance(HOUR);
      await w.scheduled();
      const issue = w.approvalIssues().at(-1)!;
      expect(issue.state).toBe('opened');
      const [, decline] = buttons();
      const before = await w.stable('packit');
      expect(await press('U0ALICE', decline!)).toContain('declined by alice on Slack');
      expect(w.approvalIssues().at(-1)!.state).toBe('closed');
      expect(decisionNotes(issue.iid)[0]!.body).toContain('`alice` declined plan');
      const { run } = await w.scheduled();
      expect(run.summary).toContain('closed without approval');
      expect(await w.stable('packit')).toBe(before);
    });
  },
);
