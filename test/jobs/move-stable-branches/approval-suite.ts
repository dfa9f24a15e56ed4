import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import { readMarker } from '../../../src/kit/marker.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import {
  expectDependencyOrder,
  moveOrder,
  REPOS,
  snapshot,
  stableWorld,
  type StableWorld,
  SCENARIO_TIMEOUT,
} from './world.js';

/**
 * The Friday story on each forge: even repos are skipped; gates pass → one approval issue →
 * a bystander's approval is ignored and reported once → an approver's approval → moved in
 * dependency order, verified, reported on the issue and Slack; `main` moving after an approval
 * voids it (said once).
 */

const HOUR = 3_600_000;

export function approvalSuite(forge: SimForge): void {
  describe(`move-stable-branches approval on ${forge}`, { timeout: SCENARIO_TIMEOUT }, () => {
    let w: StableWorld;
    const approve = (user: 'alice' | 'bob', iid: number) =>
      forge === 'gitlab' ? w.tick(user, iid) : w.comment(user, iid, '/approve');

    beforeAll(async () => {
      w = await stableWorld(forge, {
        sentry: false,
        repos: ['packit', 'ogr', 'packit-service', 'sandcastle'],
      });
    }, SCENARIO_TIMEOUT);
    afterAll(() => w.close(), SCENARIO_TIMEOUT);

    it('skips repos that are even: nothing to move, nothing written', async () => {
      const since = w.sim.mark();
      const { run, result } = await w.scheduled();
      expect(run.status).toBe('noop');
      expect(run.summary).toContain('all 4 stable branch(es) are even');
      expect(result!.items!.map((i) => i.summary)).toEqual(
        REPOS.slice(0, 4).map(() => expect.stringContaining('even')),
      );
      expect(result!.items![0]!.summary).toMatch(/even with main [0-9a-f]{12}, skipping/);
      expect(w.writes(since)).toEqual([]);
      // no gate is consulted when nothing would move
      expect(w.sentry.requests).toHaveLength(0);
    });

    it('opens one approval issue with the plan, the gate evidence and how to approve; polls add nothing', async () => {
      await w.push('packit', 'Add packit feature');
      await w.push('packit-service', 'Fix @someone crash <!-- x -->');
      await w.push('packit-service', 'Add API endpoint');
      await w.push('sandcastle', 'Harden sandbox');
      await w.stage('success');
      await w.sim.advance(HOUR);
      const before = await snapshot(w);
      w.h.slack.clear();

      const { run } = await w.scheduled();
      expect(run.status).toBe('skipped');
      expect(run.summary).toMatch(/waiting for approval in packit\/deployment#1 \(plan [0-9a-f]{12}/);
      expect(await snapshot(w)).toEqual(before);
      const issues = w.approvalIssues();
      expect(issues).toHaveLength(1);
      const body = issues[0]!.description;
      const hash = readMarker<{ hash: string }>(body, 'move-stable-branches')!.hash;
      expect(body).toContain('| packit | stable ← main |');
      expect(body).toMatch(/\| ogr \| stable ← master \| .* \| 0 \| even, skipping \|/);
      expect(body).toContain('| packit-service | stable ← main |');
      expect(body).toContain('stage/packit-service: success');
      expect(body).toContain('stage API: HTTP 200, status=ok');
      expect(body).toContain('0 new unresolved Sentry issue(s)');
      expect(body).toContain('Add API endpoint');
      // untrusted commit titles cannot mention people or close the marker's comment
      expect(body).toContain('Fix @\u200bsomeone crash');
      expect(body).not.toContain('<!-- x -->');
      if (forge === 'gitlab') expect(body).toContain(`- [ ] I approve plan ${hash}`);
      else {
        expect(body).not.toContain('- [ ]');
        expect(body).toContain('GitHub does not tell the bot who ticked a checkbox');
      }
      expect(body).toContain('`alice`');
      const asked = w.h.slack.messages.filter((m) => (m.payload.text ?? '').includes('approval needed'));
      expect(asked).toHaveLength(1);
      expect(validateBlockKit(asked[0]!.payload)).toEqual([]);

      const since = w.sim.mark();
      expect((await w.scheduled()).run.status).toBe('skipped');
      expect((await w.scheduled()).run.status).toBe('skipped');
      expect(w.writes(since)).toEqual([]);
      expect(w.approvalIssues()).toHaveLength(1);
    });

    it('ignores an approval by someone not on the list, says so once, moves nothing', async () => {
      const iid = w.approvalIssues()[0]!.iid;
      const before = await snapshot(w);
      await approve('bob', iid);
      const { run, result } = await w.scheduled();
      expect(run.status).toBe('skipped');
      expect(run.summary).toContain('ignored: bob');
      expect(result!.details!.ignored).toEqual([expect.objectContaining({ user: 'bob' })]);
      expect(await snapshot(w)).toEqual(before);
      await w.scheduled();
      const said = w.notes(iid).filter((n) => n.body.includes('Ignored: `bob`'));
      expect(said).toHaveLength(1);
      expect(said[0]!.body).toContain('not an approver');
    });

    it('moves the branches in dependency order once an approver approves, verifies and reports', async () => {
      const iid = w.approvalIssues()[0]!.iid;
      if (forge === 'gitlab') {
        // bob's tick is still there: alice unticks and ticks it again, as the bot's note says
        const p = w.sim.project(forge, 'packit/deployment');
        const issue = w.sim.world.issues.find((i) => i.projectId === p.id && i.iid === iid)!;
        const unticked = issue.description.replace('- [x] I approve plan', '- [ ] I approve plan');
        await fetch(`${w.sim.gitlab.url}/api/v4/projects/${p.id}/issues/${iid}`, {
          method: 'PUT',
          headers: { 'private-token': w.tokens.alice, 'content-type': 'application/json' },
          body: JSON.stringify({ description: unticked }),
        });
      }
      await approve('alice', iid);
      w.h.slack.clear();
      const targets = {
        packit: await w.source('packit'),
        'packit-service': await w.source('packit-service'),
        sandcastle: await w.source('sandcastle'),
      };
      const ogrStable = await w.stable('ogr');
      const since = w.sim.mark();

      const { run, result } = await w.scheduled();
      expect(run.status).toBe('ok');
      expect(run.summary).toContain('moved 3 stable branch(es) (packit, packit-service, sandcastle)');
      expect(run.summary).toContain(`approved by alice in packit/deployment#${iid}`);
      expect(expectDependencyOrder(moveOrder(w, since))).toEqual(['packit', 'packit-service', 'sandcastle']);
      for (const [name, sha] of Object.entries(targets)) expect(await w.stable(name as 'packit')).toBe(sha);
      expect(await w.stable('ogr')).toBe(ogrStable);
      const items = Object.fromEntries(result!.items!.map((i) => [i.name, i]));
      expect(items.packit!.summary).toContain('moved and verified');
      expect(items.ogr!.status).toBe('noop');
      expect(items['gate:ci']!.status).toBe('ok');
      // every move is read back
      const reads = w.sim
        .requests({ since, forge })
        .filter((r) => r.method === 'GET' && /branches/.test(r.route));
      expect(reads.length).toBeGreaterThanOrEqual(3);

      const issue = w.approvalIssues()[0]!;
      expect(issue.state).toBe('closed');
      expect(readMarker<{ executed: boolean }>(issue.description, 'move-stable-branches')!.executed).toBe(
        true,
      );
      const report = w.notes(iid).filter((n) => n.body.includes('### Release notes'));
      expect(report).toHaveLength(1);
      expect(report[0]!.body).toContain('Moved 3 stable branch(es)');
      expect(report[0]!.body).toContain('#### packit-service (2 commits)');
      expect(report[0]!.body).toContain('Add API endpoint');
      const slack = w.h.slack.messages.filter((m) =>
        (m.payload.text ?? '').includes('moved 3 stable branch(es)'),
      );
      expect(slack).toHaveLength(1);
      expect(validateBlockKit(slack[0]!.payload)).toEqual([]);
      expect(JSON.stringify(slack[0]!.payload)).toContain('Harden sandbox');

      // and the next poll is a no-op with zero writes
      const after = w.sim.mark();
      expect((await w.scheduled()).run.status).toBe('noop');
      expect(w.writes(after)).toEqual([]);
      expect(w.approvalIssues()).toHaveLength(1);
    });

    it('voids an approval when main moves before the branches are moved, says so once, asks again', async () => {
      await w.push('sandcastle', 'Sandcastle: new limits');
      await w.sim.advance(HOUR);
      expect((await w.scheduled()).run.status).toBe('skipped');
      const issue = w.approvalIssues()[1]!;
      const first = readMarker<{ hash: string }>(issue.description, 'move-stable-branches')!.hash;
      await approve('alice', issue.iid);
      const sandcastleStable = await w.stable('sandcastle');
      const newer = await w.push('sandcastle', 'Sandcastle: fix limits');
      await w.sim.advance(HOUR);
      w.h.slack.clear();

      const { run } = await w.scheduled();
      expect(run.status).toBe('skipped');
      expect(run.summary).toContain(`approval of plan ${first}`);
      expect(run.summary).toContain('approval void');
      expect(await w.stable('sandcastle')).toBe(sandcastleStable);
      const updated = w.approvalIssues()[1]!;
      const second = readMarker<{ hash: string }>(updated.description, 'move-stable-branches')!.hash;
      expect(second).not.toBe(first);
      expect(updated.description).toContain('Sandcastle: fix limits');
      expect(w.h.slack.messages.some((m) => (m.payload.text ?? '').includes('approval needed again'))).toBe(
        true,
      );
      await w.scheduled();
      const voids = w.notes(updated.iid).filter((n) => n.body.includes('that approval is void'));
      expect(voids).toHaveLength(1);
      expect(w.approvalIssues()).toHaveLength(2);

      // the old approval does not count for the new plan; a new one does
      expect(await w.stable('sandcastle')).toBe(sandcastleStable);
      await approve('alice', updated.iid);
      const { run: moved } = await w.scheduled();
      expect(moved.status).toBe('ok');
      expect(await w.stable('sandcastle')).toBe(newer);
    });
  });
}
