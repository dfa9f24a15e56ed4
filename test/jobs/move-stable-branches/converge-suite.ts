import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMarker } from '../../../src/kit/marker.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import { ACCESS } from '../../../packages/forge-sandbox/src/core/world.js';
import { ORG, stableWorld, type RepoName, type StableWorld, SCENARIO_TIMEOUT } from './world.js';

/**
 * A run killed after moving some repos converges on the next run (moved repos are even, the
 * approval still holds, one issue, one report); one killed after every move but before the
 * report finishes the issue. With `approval.required: false` a scheduled run moves once the gates
 * pass, and a failed move reaches Sentry and Slack.
 */

const HOUR = 3_600_000;

/** What a killed run leaves behind: the ref moved, nothing else. */
async function moveByHand(w: StableWorld, repo: RepoName): Promise<void> {
  const p = w.sim.project(w.forge, `${ORG}/${repo}`);
  const bot = w.sim.world.userByName('release-bot')!;
  await w.sim.world.setBranch(p, 'stable', await w.source(repo), { userId: bot.id });
}

/** `sentry`: this file's Sentry receiver belongs to this forge's worlds (the SDK is process-global). */
export function convergeSuite(forge: SimForge, sentry: boolean): void {
  describe(`move-stable-branches without approval on ${forge}`, { timeout: SCENARIO_TIMEOUT }, () => {
    let w: StableWorld;

    beforeAll(async () => {
      w = await stableWorld(forge, {
        sentry,
        repos: ['packit', 'sandcastle'],
        job: ({ healthUrl }) => ({
          forge,
          repos: [{ project: `${ORG}/packit` }, { project: `${ORG}/sandcastle` }],
          validation: { health: [{ url: `${healthUrl}/api/healthz`, status: 200 }] },
          approval: { required: false },
        }),
      });
    }, SCENARIO_TIMEOUT);
    afterAll(() => w.close(), SCENARIO_TIMEOUT);

    it('moves on schedule once the gates pass; a failed move reaches Sentry and Slack', async () => {
      await w.push('packit', 'packit: change');
      await w.push('sandcastle', 'sandcastle: change');
      const sandcastle = w.sim.project(forge, `${ORG}/sandcastle`);
      const bot = w.sim.world.userByName('release-bot')!;
      sandcastle.members.set(bot.id, ACCESS.developer);
      sandcastle.protectedBranches.set('stable', {
        pushAccessLevel: ACCESS.maintainer,
        allowForcePush: false,
      });

      const { run } = await w.scheduled();
      expect(run.status).toBe('failed');
      expect(run.summary).toContain('approved by nobody (approval.required: false; every gate passed)');
      expect(await w.stable('packit')).toBe(await w.source('packit'));
      expect(w.approvalIssues()).toHaveLength(0);
      if (sentry) {
        const events = w.h.sentry!.events().filter((e) => JSON.stringify(e).includes('sandcastle'));
        expect(events.length).toBeGreaterThanOrEqual(1);
      }
      expect(w.h.slack.messages.some((m) => (m.payload.text ?? '').includes('not moved'))).toBe(true);
    });
  });

  describe(`move-stable-branches convergence on ${forge}`, { timeout: SCENARIO_TIMEOUT }, () => {
    let w: StableWorld;
    const approve = (iid: number) =>
      forge === 'gitlab' ? w.tick('alice', iid) : w.comment('alice', iid, '/approve');

    beforeAll(async () => {
      w = await stableWorld(forge, { sentry: false, repos: ['packit', 'packit-service', 'sandcastle'] });
      await w.stage('success');
    }, SCENARIO_TIMEOUT);
    afterAll(() => w.close(), SCENARIO_TIMEOUT);

    it('converges after a run killed between two moves: no second issue, the report covers both runs', async () => {
      await w.push('packit', 'packit: change A');
      await w.push('packit-service', 'packit-service: change B');
      await w.sim.advance(HOUR);
      // The run dies between opening the issue and asking on Slack (Slack refuses the message).
      w.h.slack.clear();
      w.h.slack.failNext(1, { status: 403, body: 'action_prohibited' });
      expect((await w.scheduled()).run.status).toBe('failed');
      expect(w.approvalIssues()).toHaveLength(1);
      expect((await w.scheduled()).run.status).toBe('skipped');
      await w.scheduled();
      expect(w.approvalIssues()).toHaveLength(1);
      const asked = w.h.slack.messages.filter((m) => (m.payload.text ?? '').includes('approval needed'));
      expect(asked).toHaveLength(1);

      const iid = w.approvalIssues()[0]!.iid;
      await approve(iid);
      await moveByHand(w, 'packit');

      const since = w.sim.mark();
      const { run } = await w.scheduled();
      expect(run.status).toBe('ok');
      expect(run.summary).toContain('moved 2 stable branch(es) (packit, packit-service)');
      expect(
        w.writes(since).filter((r) => r.route.endsWith('git-receive-pack') || r.route.includes('/git/refs/')),
      ).toHaveLength(1);
      expect(await w.stable('packit-service')).toBe(await w.source('packit-service'));
      expect(w.approvalIssues()).toHaveLength(1);
      const report = w.notes(iid).filter((n) => n.body.includes('### Release notes'));
      expect(report).toHaveLength(1);
      expect(report[0]!.body).toContain('packit: change A');
      expect(report[0]!.body).toMatch(
        /\| packit \| .* \| 1 \| ✅ moved, fast-forward \(by an earlier run of this plan\) \|/,
      );
    });

    it('finishes the issue when a run was killed after every move but before the report', async () => {
      await w.push('sandcastle', 'sandcastle: change D');
      await w.push('packit-service', 'packit-service: change E');
      await w.sim.advance(HOUR);
      await w.scheduled();
      const issue = w.approvalIssues()[1]!;
      await approve(issue.iid);
      await moveByHand(w, 'packit-service');
      await moveByHand(w, 'sandcastle');

      w.h.slack.clear();
      const { run } = await w.scheduled();
      expect(run.status).toBe('ok');
      expect(run.summary).toContain('finished the open approval issue');
      const slack = w.h.slack.messages.filter((m) =>
        (m.payload.text ?? '').includes('moved 2 stable branch(es)'),
      );
      expect(slack).toHaveLength(1);
      const closed = w.approvalIssues()[1]!;
      expect(closed.state).toBe('closed');
      expect(readMarker<{ executed: boolean }>(closed.description, 'move-stable-branches')!.executed).toBe(
        true,
      );
      const report = w.notes(issue.iid).filter((n) => n.body.includes('### Release notes'));
      expect(report).toHaveLength(1);
      expect(report[0]!.body).toContain('packit-service: change E');
      expect(report[0]!.body).toContain('sandcastle: change D');

      const since = w.sim.mark();
      expect((await w.scheduled()).run.status).toBe('noop');
      expect(w.writes(since)).toEqual([]);
      expect(w.approvalIssues()).toHaveLength(2);
    });

    it('does not ask again for a plan whose approval issue a human closed', async () => {
      await w.push('sandcastle', 'sandcastle: risky change');
      await w.sim.advance(HOUR);
      await w.scheduled();
      const issue = w.approvalIssues()[2]!;
      await w.closeIssue('alice', issue.iid);
      const since = w.sim.mark();
      const { run } = await w.scheduled();
      expect(run.status).toBe('skipped');
      expect(run.summary).toContain('was closed without approval');
      expect(w.writes(since)).toEqual([]);
      expect(w.approvalIssues()).toHaveLength(3);
      await moveByHand(w, 'sandcastle');
    });
  });
}
