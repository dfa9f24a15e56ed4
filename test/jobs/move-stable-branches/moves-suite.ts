import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS } from '../../../packages/forge-sandbox/src/core/world.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import {
  expectDependencyOrder,
  moveOrder,
  snapshot,
  stableWorld,
  type StableWorld,
  SCENARIO_TIMEOUT,
} from './world.js';

/**
 * Manual runs: dry run and "no terminal, no --yes" move nothing; pinned commits in both forms
 * (and every bad one refused before any write); a non-fast-forward refused without --force; a
 * repo the bot may not push to fails with what permission it needs, its dependents are skipped
 * and independent repos still move.
 */

export function movesSuite(forge: SimForge): void {
  describe(`move-stable-branches moves on ${forge}`, { timeout: SCENARIO_TIMEOUT }, () => {
    let w: StableWorld;
    const shas: Record<string, string[]> = {};

    beforeAll(async () => {
      w = await stableWorld(forge, {
        sentry: false,
        repos: ['packit', 'packit-service', 'sandcastle', 'dashboard'],
      });
      for (const repo of ['packit', 'packit-service', 'sandcastle', 'dashboard'] as const) {
        shas[repo] = [
          await w.push(repo, `${repo}: first change`),
          await w.push(repo, `${repo}: second change`),
        ];
      }
      await w.stage('success');
    }, SCENARIO_TIMEOUT);
    afterAll(() => w.close(), SCENARIO_TIMEOUT);

    it('a dry run (manual or scheduled) prints the plan and writes nothing', async () => {
      const before = await snapshot(w);
      for (const trigger of ['manual', 'schedule'] as const) {
        const since = w.sim.mark();
        const { run, result } = await w.run({ trigger, dryRun: true, args: { yes: true } });
        expect(run.dryRun).toBe(true);
        expect(run.status).toBe('ok');
        expect(w.writes(since)).toEqual([]);
        expect(result!.actions.filter((a) => a.kind === 'move-branch')).toHaveLength(4);
        expect(result!.actions.every((a) => !a.done)).toBe(true);
        expect(result!.actions.find((a) => a.subject === 'packit')!.description).toMatch(
          /move packit\/packit stable [0-9a-f]{12} → [0-9a-f]{12} \(2 commits, fast-forward\)/,
        );
      }
      expect(await snapshot(w)).toEqual(before);
      expect(w.approvalIssues()).toHaveLength(0);
    });

    it('without a terminal and without --yes a manual run moves nothing and says how to approve', async () => {
      const since = w.sim.mark();
      const { run } = await w.run();
      expect(run.status).toBe('skipped');
      expect(run.summary).toContain('approval needed, nothing moved');
      expect(run.summary).toContain('--yes');
      expect(w.writes(since)).toEqual([]);
    });

    it('refuses a bad pinned commit with a usage error and writes nothing', async () => {
      const since = w.sim.mark();
      const other = await w.push('packit', 'Experiment', 'feature');
      const cases: [Record<string, unknown>, RegExp][] = [
        [
          { override: ['packit=deadbeef00'] },
          /--override packit=deadbeef00: no commit deadbeef00 in packit\/packit/,
        ],
        [
          { unknown: ['--packit-servce=1787687aba71'] },
          /unknown option --packit-servce \(did you mean --packit-service=<sha>\?\)/,
        ],
        [{ override: ['packit'] }, /expected <repo>=<sha>/],
        [{ override: ['packit=not-a-sha'] }, /not a commit sha/],
        [{ override: ['packit=1787687aba71', 'packit=2787687aba71'] }, /pinned twice/],
        [{ override: [`packit=${other.slice(0, 12)}`] }, /is not on packit\/packit@main/],
      ];
      for (const [args, error] of cases)
        await expect(w.run({ args: { yes: true, ...args } })).rejects.toThrow(error);
      expect(w.writes(since)).toEqual([]);
    });

    it('moves pinned repos to their commit (both flag forms) and the others to the source head', async () => {
      const since = w.sim.mark();
      const { run, result } = await w.run({
        args: {
          yes: true,
          unknown: [`--packit-service=${shas['packit-service']![0]!.slice(0, 12)}`],
          override: [`sandcastle=${shas.sandcastle![0]!.slice(0, 7)}`],
        },
      });
      expect(run.status).toBe('ok');
      expect(expectDependencyOrder(moveOrder(w, since))).toEqual([
        'dashboard',
        'packit',
        'packit-service',
        'sandcastle',
      ]);
      expect(await w.stable('packit-service')).toBe(shas['packit-service']![0]);
      expect(await w.stable('sandcastle')).toBe(shas.sandcastle![0]);
      expect(await w.stable('packit')).toBe(await w.source('packit'));
      expect(await w.stable('dashboard')).toBe(shas.dashboard![1]);
      const item = result!.items!.find((i) => i.name === 'packit-service')!;
      expect(item.summary).toContain('moved and verified (1 commit)');
      const reportText = JSON.stringify(
        w.h.slack.messages.find((m) => (m.payload.text ?? '').includes('moved 4 stable branch(es)'))!.payload,
      );
      expect(reportText).toContain('packit-service: first change');
      expect(reportText).not.toContain('packit-service: second change');
    });

    it('refuses a pinned commit older than stable (it would drop commits) without --force', async () => {
      const since = w.sim.mark();
      await expect(
        w.run({ args: { yes: true, override: [`packit=${shas.packit![0]!.slice(0, 12)}`] } }),
      ).rejects.toThrow(/does not descend from stable .* pass --force/);
      expect(w.writes(since)).toEqual([]);
    });

    it('refuses a non-fast-forward without --force (dependents skipped, others move); --force moves it', async () => {
      const hotfix = await w.push('packit-service', 'Hotfix straight on stable', 'stable');
      const head = await w.push('packit-service', 'packit-service: third change');
      await w.push('sandcastle', 'sandcastle: third change');
      await w.push('dashboard', 'dashboard: third change');

      const { run, result } = await w.run({ args: { yes: true } });
      expect(run.status).toBe('failed');
      const items = Object.fromEntries(result!.items!.map((i) => [i.name, i]));
      expect(items['packit-service']!.status).toBe('failed');
      expect(items['packit-service']!.summary).toContain('not a fast-forward');
      expect(items['packit-service']!.summary).toContain('Hotfix straight on stable');
      expect(items['packit-service']!.summary).toContain('--force');
      expect(items.dashboard!.status).toBe('skipped');
      expect(items.dashboard!.summary).toContain('depends on packit-service');
      expect(items.sandcastle!.status).toBe('ok');
      expect(await w.stable('packit-service')).toBe(hotfix);

      const forced = await w.run({ args: { yes: true, force: true } });
      expect(forced.run.status).toBe('ok');
      expect(await w.stable('packit-service')).toBe(head);
      expect(await w.stable('dashboard')).toBe(await w.source('dashboard'));
      expect(forced.result!.items!.find((i) => i.name === 'packit-service')!.summary).toContain('forced');
    });

    it('a repo the bot may not push to fails clearly; its dependents are skipped, independents move', async () => {
      const packit = w.sim.project(forge, 'packit/packit');
      const bot = w.sim.world.userByName('release-bot')!;
      packit.members.set(bot.id, ACCESS.developer);
      packit.protectedBranches.set('stable', { pushAccessLevel: ACCESS.maintainer, allowForcePush: false });
      const packitStable = await w.stable('packit');
      for (const repo of ['packit', 'packit-service', 'sandcastle', 'dashboard'] as const)
        await w.push(repo, `${repo}: fourth change`);
      w.h.slack.clear();

      const { run, result } = await w.run({ args: { yes: true } });
      expect(run.status).toBe('failed');
      const items = Object.fromEntries(result!.items!.map((i) => [i.name, i]));
      expect(items.packit!.status).toBe('failed');
      expect(items.packit!.summary).toContain('stable of packit/packit');
      expect(items.packit!.summary).toMatch(
        forge === 'gitlab' ? /Maintainer role.*Protected branches/ : /write access.*branch protection/,
      );
      expect(items['packit-service']!.status).toBe('skipped');
      expect(items['packit-service']!.summary).toBe('skipped: depends on packit, which failed');
      expect(items.dashboard!.summary).toBe('skipped: depends on packit-service, which is skipped');
      expect(items.sandcastle!.status).toBe('ok');
      expect(await w.stable('packit')).toBe(packitStable);
      expect(await w.stable('sandcastle')).toBe(await w.source('sandcastle'));
      const report = w.h.slack.messages.find((m) => (m.payload.text ?? '').includes('not moved'))!;
      expect(validateBlockKit(report.payload)).toEqual([]);
      expect(JSON.stringify(report.payload)).toContain('Fix what each failed repo says');
      packit.members.set(bot.id, ACCESS.maintainer);
    });
  });
}
