import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import { packitWorld, slackTexts, PACKIT_TIMEOUT, type PackitWorld } from './packit-world.js';

/**
 * Packit's weekly move as packit/deployment's mover does it: ogr gets its first stable branch
 * after the approval; packit moves only once ogr's and specfile's new stable heads are built
 * (waiting across polls, the approval still valid); packit-service only once packit's is; the
 * release notes come from the merged PRs/MRs. A dependency whose build fails stops its
 * dependents only, with one alert.
 */

const HOUR = 3_600_000;

/** Ref pushes (GitLab git-receive-pack, GitHub PATCH/POST git/refs, GitLab POST branches). */
function refWrites(w: PackitWorld, since: number): string[] {
  return w
    .writes(since)
    .filter(
      (r) =>
        r.route.endsWith('git-receive-pack') ||
        r.route.includes('/git/refs') ||
        (r.method === 'POST' && r.route.endsWith('/repository/branches')),
    )
    .map((r) => `${r.method} ${r.path}`);
}

export function packitSuite(forge: SimForge): void {
  describe(`move-stable-branches, Packit's weekly move on ${forge}`, { timeout: PACKIT_TIMEOUT }, () => {
    let w: PackitWorld;
    const prs: Record<string, number> = {};
    let notesDir: string;

    beforeAll(async () => {
      notesDir = mkdtempSync(join(tmpdir(), 'release-bot-notes-'));
      w = await packitWorld(forge, { sentry: false, ogrStable: false, approval: true });
      await w.sim.advance(HOUR);
      prs.ogr = await w.mergePr('ogr', {
        title: 'Support GitLab forks',
        body: 'Adds fork support.\n\nRELEASE NOTES BEGIN\nogr now supports forks on GitLab.\nRELEASE NOTES END\n',
      });
      prs.specfile = await w.mergePr('specfile', {
        title: 'Parse %autorelease macros',
        body: 'No notes block in this one.',
      });
      prs.packit = await w.mergePr('packit', {
        title: 'Refactor the config loader',
        body: 'RELEASE NOTES BEGIN\nN/A\nRELEASE NOTES END',
      });
      prs.packitNotes = await w.mergePr('packit', {
        title: 'Add `packit prepare-sources --create-symlinks`',
        body: 'RELEASE NOTES BEGIN\nPackit can now create symlinks\nwhen preparing sources.\nRELEASE NOTES END',
      });
      prs.service = await w.mergePr('packit-service', {
        title: 'pre-commit autoupdate',
        body: 'RELEASE NOTES BEGIN\nbumps\nRELEASE NOTES END',
      });
      prs.serviceNotes = await w.mergePr('packit-service', {
        title: 'Retry Copr builds',
        body: 'RELEASE NOTES BEGIN\nFailed Copr builds are retried once.\nRELEASE NOTES END',
      });
      await w.push('sandcastle', 'Bump the sandbox image');
    }, PACKIT_TIMEOUT);
    afterAll(async () => {
      await w.close();
      rmSync(notesDir, { recursive: true, force: true });
    }, PACKIT_TIMEOUT);

    it('plans ogr as "create", asks for approval in an issue with the release notes, writes no branch', async () => {
      const since = w.sim.mark();
      const { run } = await w.scheduled();
      expect(run.status).toBe('skipped');
      expect(run.summary).toContain('waiting for approval');
      expect(await w.stable('ogr')).toBeNull();
      expect(refWrites(w, since)).toEqual([]);
      const [issue] = w.approvalIssues();
      expect(issue).toBeDefined();
      expect(issue!.description).toMatch(
        /\| ogr \| stable ← main \| `—` → .* \| 0 \| to create — no stable yet: create it at main/,
      );
      const notes = issue!.description.slice(issue!.description.indexOf('### Release notes'));
      expect(notes).toContain('#### ogr\n\n- _New stable branch: no release notes._');
      expect(notes).toContain(
        `- Parse %autorelease macros ([specfile${forge === 'gitlab' ? '!' : '#'}${prs.specfile}]`,
      );
      expect(notes).toContain('- Packit can now create symlinks when preparing sources. ([packit');
      expect(notes).not.toContain('Refactor the config loader');
      expect(notes).not.toContain('pre-commit autoupdate');
      expect(notes).toContain('Failed Copr builds are retried once.');
      expect(slackTexts(w, /approval needed/)).toHaveLength(1);
    });

    it('after the approval creates ogr, moves specfile and sandcastle; packit waits for the builds', async () => {
      const iid = w.approvalIssues()[0]!.iid;
      await w.approve(iid);
      await w.sim.advance(15 * 60_000);
      const since = w.sim.mark();
      const { run, result } = await w.scheduled();
      expect(run.status).toBe('ok');
      expect(await w.stable('ogr')).toBe(await w.source('ogr'));
      expect(await w.stable('specfile')).toBe(await w.source('specfile'));
      expect(await w.stable('sandcastle')).toBe(await w.source('sandcastle'));
      expect(await w.stable('packit')).not.toBe(await w.source('packit'));
      const items = Object.fromEntries(result!.items!.map((i) => [i.name, i]));
      expect(items.ogr!.summary).toMatch(/^created at [0-9a-f]{12} and verified; stable is NOT protected/);
      expect(items.packit!.summary).toMatch(
        /waits for ogr: no copr-build\* check on ogr stable [0-9a-f]{12} yet/,
      );
      expect(items.packit!.summary).toContain('specfile: no copr-build* check');
      expect(items['packit-service']!.summary).toBe('waits for packit (itself waiting)');
      expect(run.summary).toContain('the next poll continues');
      // No protection was set up: only the branch writes.
      expect(w.writes(since).filter((r) => /protect/.test(r.route))).toEqual([]);
      // Not reported yet, the issue stays open for the next poll.
      expect(w.notes(iid).filter((n) => n.body.includes('### Release notes'))).toHaveLength(0);
      expect(w.approvalIssues()[0]!.state).toBe('opened');
    });

    it('packit waits across two polls for ogr and specfile, and moves on the third', async () => {
      await w.build('ogr', 'success');
      await w.build('specfile', 'pending');
      await w.sim.advance(15 * 60_000);
      const first = await w.scheduled();
      expect(first.run.status).toBe('skipped');
      expect(first.result!.items!.find((i) => i.name === 'packit')!.summary).toMatch(
        /waits for specfile: copr-build:fedora-rawhide-x86_64 (running|pending) on specfile stable/,
      );
      expect(await w.stable('packit')).not.toBe(await w.source('packit'));

      await w.sim.advance(15 * 60_000);
      const since = w.sim.mark();
      await w.build('specfile', 'success');
      const second = await w.scheduled();
      expect(second.run.status).toBe('ok');
      expect(await w.stable('packit')).toBe(await w.source('packit'));
      expect(refWrites(w, since)).toHaveLength(1);
      expect(second.result!.items!.find((i) => i.name === 'packit-service')!.summary).toMatch(
        /waits for packit: no copr-build\* check on packit stable/,
      );
    });

    it('packit-service moves once packit is built; one report with the release notes, per repo, and --notes-file', async () => {
      await w.build('packit', 'success');
      await w.sim.advance(15 * 60_000);
      const iid = w.approvalIssues()[0]!.iid;
      w.h.slack.clear();
      const file = join(notesDir, 'week.md');
      const { run } = await w.scheduled({ args: { notesFile: file } });
      expect(run.status).toBe('ok');
      expect(await w.stable('packit-service')).toBe(await w.source('packit-service'));
      const reports = w.notes(iid).filter((n) => n.body.includes('### Release notes'));
      expect(reports).toHaveLength(1);
      const body = reports[0]!.body;
      expect(body).toMatch(
        /\| ogr \| .* \| ✅ created — created at [0-9a-f]{12} by an earlier run of this plan; stable is NOT protected: the bot does not set up protection; .* \|/,
      );
      expect(body).toMatch(/\| specfile \| .* ✅ moved, fast-forward \(by an earlier run of this plan\) \|/);
      // A new branch has no "moved" commits: no notes for ogr this week.
      expect(body).not.toContain('ogr now supports forks on GitLab.');
      expect(body).toContain('#### ogr\n\n- _New stable branch: no release notes._');
      expect(body).toContain('Packit can now create symlinks when preparing sources.');
      expect(body).toContain('Failed Copr builds are retried once.');
      expect(body).toContain('Bump the sandbox image');
      expect(w.approvalIssues()[0]!.state).toBe('closed');
      const [report] = w.h.slack.messages.filter((m) =>
        (m.payload.text ?? '').includes('moved 5 stable branch(es)'),
      );
      expect(report).toBeDefined();
      expect(validateBlockKit(report!.payload)).toEqual([]);
      const slack = JSON.stringify(report!.payload);
      expect(slack).toContain('packit: Packit can now create symlinks when preparing sources.');
      expect(slack).toContain('specfile: Parse %autorelease macros');
      const written = readFileSync(file, 'utf8');
      expect(written).toMatch(/^## Stable branches moved \d{4}-\d{2}-\d{2} \(plan [0-9a-f]{12}\)/);
      expect(written.indexOf('#### specfile (')).toBeLessThan(written.indexOf('#### packit ('));
      expect(written).toContain('Failed Copr builds are retried once.');
    });

    it('the next polls change nothing and send nothing', async () => {
      w.h.slack.clear();
      const since = w.sim.mark();
      for (let i = 0; i < 2; i++) {
        await w.sim.advance(15 * 60_000);
        const { run } = await w.scheduled();
        expect(run.status).toBe('noop');
      }
      expect(w.writes(since)).toEqual([]);
      expect(w.h.slack.messages).toHaveLength(0);
      expect(w.approvalIssues()).toHaveLength(1);
    });
  });

  describe(
    `move-stable-branches, a dependency's build fails on ${forge}`,
    { timeout: PACKIT_TIMEOUT },
    () => {
      let w: PackitWorld;

      beforeAll(async () => {
        w = await packitWorld(forge, { sentry: true, ogrStable: true, approval: false, specfileProbe: true });
        w.coprVersion('specfile', '0.31.0-1.fc42');
        for (const repo of ['ogr', 'specfile', 'packit', 'packit-service', 'sandcastle'] as const)
          await w.push(repo, `${repo}: weekly change`);
      }, PACKIT_TIMEOUT);
      afterAll(() => w.close(), PACKIT_TIMEOUT);

      it('packit waits for the Copr probe of specfile and the check of ogr', async () => {
        const { run, result } = await w.run({ args: { yes: true } });
        expect(run.status).toBe('ok');
        const items = Object.fromEntries(result!.items!.map((i) => [i.name, i]));
        expect(items.packit!.summary).toContain('probe for specfile stable');
        expect(items.packit!.summary).toContain('waiting for it to contain .g');
        expect(await w.stable('ogr')).toBe(await w.source('ogr'));
        expect(await w.stable('sandcastle')).toBe(await w.source('sandcastle'));
      });

      it('a failed build of ogr stops packit and packit-service only, alerting once', async () => {
        const specfile = await w.source('specfile');
        w.coprVersion('specfile', `0.31.0^1.g${specfile.slice(0, 7)}-1.fc42`);
        await w.build('ogr', 'failed');
        w.h.slack.clear();
        const packit = await w.stable('packit');
        for (let i = 0; i < 2; i++) {
          await w.sim.advance(15 * 60_000);
          const { result } = await w.run({ args: { yes: true } });
          const items = Object.fromEntries(result!.items!.map((it) => [it.name, it]));
          expect(items.packit!.status).toBe('skipped');
          expect(items.packit!.summary).toMatch(
            /^stopped: ogr's new stable is not ready: copr-build:fedora-rawhide-x86_64 failed on ogr stable/,
          );
          expect(items['packit-service']!.summary).toBe('skipped: depends on packit, which is skipped');
        }
        expect(await w.stable('packit')).toBe(packit);
        expect(await w.stable('specfile')).toBe(await w.source('specfile'));
        const alerts = w.h.slack.messages.filter((m) => (m.payload.text ?? '').includes('will not move'));
        expect(alerts).toHaveLength(1);
        expect(validateBlockKit(alerts[0]!.payload)).toEqual([]);
        expect(JSON.stringify(alerts[0]!.payload)).toContain('packit, packit-service will not move');
        const events = w.h.sentry!.events().filter((e) => JSON.stringify(e).includes('not-ready'));
        expect(events).toHaveLength(1);
        expect(JSON.stringify(events[0])).toContain("ogr's new stable is not ready");
      });

      it('without createStable a repo lacking stable stops a manual run with a usage error; a scheduled run moves the rest', async () => {
        const ogr = w.sim.project(forge, 'packit/ogr');
        const bot = w.sim.world.userByName('release-bot')!;
        await w.sim.world.deleteBranch(ogr, 'stable', bot.id);
        await w.reconfigure((job) => {
          (job.repos as Record<string, unknown>[])[0]!.createStable = false;
        });
        const since = w.sim.mark();
        const error = await w.run({ args: { yes: true } }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect(String((error as Error).message)).toContain(
          'packit/ogr has no branch stable: set `createStable: true` on jobs.move-stable-branches.repos[0]',
        );
        expect(w.writes(since)).toEqual([]);
        const { result } = await w.scheduled();
        const ogrItem = result!.items!.find((i) => i.name === 'ogr')!;
        expect(ogrItem.status).toBe('failed');
        expect(ogrItem.summary).toContain('set `createStable: true`');
        expect(await w.stable('ogr')).toBeNull();
      });
    },
  );

  describe(
    `move-stable-branches, a dependency never gets ready on ${forge}`,
    { timeout: PACKIT_TIMEOUT },
    () => {
      let w: PackitWorld;
      let dir: string;

      beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), 'release-bot-notes-'));
        w = await packitWorld(forge, {
          sentry: false,
          ogrStable: true,
          approval: false,
          specfileProbe: true,
        });
        await w.mergePr('specfile', {
          title: 'Faster parsing',
          body: 'RELEASE NOTES BEGIN\nParsing is twice as fast.\nRELEASE NOTES END',
        });
        await w.push('packit', 'packit: weekly change');
      }, PACKIT_TIMEOUT);
      afterAll(async () => {
        await w.close();
        rmSync(dir, { recursive: true, force: true });
      }, PACKIT_TIMEOUT);

      it('a dry run writes the notes of the planned moves to --notes-file and nothing to the forge', async () => {
        const file = join(dir, 'preview.md');
        const since = w.sim.mark();
        const { run } = await w.run({ dryRun: true, args: { yes: true, notesFile: file } });
        expect(run.status).toBe('ok');
        expect(w.writes(since)).toEqual([]);
        const text = readFileSync(file, 'utf8');
        expect(text).toContain('#### specfile (');
        expect(text).toContain('- Parsing is twice as fast. ([specfile');
        expect(text).toContain('packit: weekly change');
      });

      it('waits across polls, then stops packit after the timeout, alerting once', async () => {
        const first = await w.run({ args: { yes: true } });
        expect(first.run.status).toBe('ok');
        expect(await w.stable('specfile')).toBe(await w.source('specfile'));
        const waiting = first.result!.items!.find((i) => i.name === 'packit')!;
        expect(waiting.summary).toMatch(
          /waits for specfile: probe for specfile stable [0-9a-f]{12} answered HTTP 404, expected 200 \(waiting since .* UTC, up to 2h\)/,
        );

        // A new commit on packit's main makes a new plan: specfile's new head is still waited for.
        await w.push('packit', 'packit: another change');
        await w.sim.advance(HOUR);
        const second = await w.run({ args: { yes: true } });
        expect(second.result!.details!.hash).not.toBe(first.result!.details!.hash);
        expect(second.result!.items!.find((i) => i.name === 'packit')!.status).toBe('skipped');
        expect(second.run.summary).toContain('waiting: packit');

        w.h.slack.clear();
        const packit = await w.stable('packit');
        for (let i = 0; i < 2; i++) {
          await w.sim.advance(HOUR + 60_000);
          const { result } = await w.run({ args: { yes: true } });
          const items = Object.fromEntries(result!.items!.map((it) => [it.name, it]));
          expect(items.packit!.summary).toMatch(
            /^stopped: specfile's new stable is not ready: not ready \d+h(\d+m)? after the first look \(timeout 2h\)/,
          );
        }
        expect(await w.stable('packit')).toBe(packit);
        expect(
          w.h.slack.messages.filter((m) => (m.payload.text ?? '').includes('will not move')),
        ).toHaveLength(1);
      });
    },
  );
}
