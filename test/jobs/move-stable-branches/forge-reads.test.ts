import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForgeAdapterOptions } from '../../../src/forges/adapter-options.js';
import { createGithubForge } from '../../../src/forges/github/index.js';
import { createGitlabForge } from '../../../src/forges/gitlab/index.js';
import type { Forge } from '../../../src/forges/types.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import { ACCESS } from '../../../packages/forge-sandbox/src/core/world.js';
import { startSimulator, type Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { releaseNoteBlock } from '../../../jobs/move-stable-branches/release-notes.js';

/**
 * The forge reads move-stable-branches relies on, through both adapters and the real SDKs over
 * HTTP to the simulator: the PRs/MRs a commit came with (GitHub `commits/{sha}/pulls`, GitLab
 * `commits/:sha/merge_requests`) and how a branch is protected (the branch's own flag, the rule
 * when the bot may read it: GitHub answers 404 without admin rights and "Branch not protected").
 */

const PROJECT = 'packit/ogr';

function adapters(sim: Simulator, kind: SimForge, tokens: { bot: string; dev: string }) {
  const make = (token: string, options: Partial<ForgeAdapterOptions> = {}): Forge => {
    const common = { token, dryRun: false, http: { retries: 0, backoffMs: 1 }, ...options };
    return kind === 'gitlab'
      ? createGitlabForge({ name: 'reads', url: sim.gitlab.url, ...common })
      : createGithubForge({ name: 'reads', url: sim.github.url, apiUrl: sim.github.apiUrl, ...common });
  };
  return { bot: make(tokens.bot), dev: make(tokens.dev) };
}

function readsSuite(kind: SimForge): void {
  describe(`forge reads for move-stable-branches on ${kind}`, () => {
    let sim: Simulator;
    let bot: Forge;
    let dev: Forge;
    let alice = '';
    let merged: { iid: number; commit: string };
    let open: { iid: number; commit: string };
    let direct = '';

    async function call(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
      const api = kind === 'gitlab' ? `${sim.gitlab.url}/api/v4` : sim.github.apiUrl;
      const auth: Record<string, string> =
        kind === 'gitlab' ? { 'private-token': alice } : { authorization: `token ${alice}` };
      const response = await fetch(`${api}${path}`, {
        method,
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    }

    async function pr(branch: string, title: string, body: string, merge: boolean) {
      const p = sim.project(kind, PROJECT);
      const commit = await sim.push({
        forge: kind,
        project: PROJECT,
        branch,
        files: { [`${branch}.txt`]: title },
        message: title,
        username: 'alice',
      });
      if (kind === 'gitlab') {
        const mr = await call('POST', `/projects/${p.id}/merge_requests`, {
          source_branch: branch,
          target_branch: 'main',
          title,
          description: body,
        });
        if (merge) {
          await sim.advance(1000);
          await call('PUT', `/projects/${p.id}/merge_requests/${mr.iid}/merge`, {});
        }
        return { iid: Number(mr.iid), commit };
      }
      const pull = await call('POST', `/repos/${PROJECT}/pulls`, { title, head: branch, base: 'main', body });
      if (merge) {
        await sim.advance(1000);
        await call('PUT', `/repos/${PROJECT}/pulls/${pull.number}/merge`, { merge_method: 'merge' });
      }
      return { iid: Number(pull.number), commit };
    }

    beforeAll(async () => {
      sim = await startSimulator();
      const b = sim.createUser('release-bot', { bot: true });
      const d = sim.createUser('dee');
      alice = sim.createUser('alice').token;
      await sim.createProject({
        forge: kind,
        path: PROJECT,
        members: ['release-bot', 'alice', 'dee:30'],
        ciEnabled: false,
        pipelineMustSucceed: false,
        branches: ['stable', 'old-stable'],
      });
      ({ bot, dev } = adapters(sim, kind, { bot: b.token, dev: d.token }));
      merged = await pr(
        'fork-support',
        'Support forks',
        'RELEASE NOTES BEGIN\nForks work.\nRELEASE NOTES END',
        true,
      );
      open = await pr('wip', 'Work in progress', 'not yet', false);
      direct = await sim.push({
        forge: kind,
        project: PROJECT,
        files: { 'x.txt': 'x' },
        message: 'Direct push',
      });
    });
    afterAll(() => sim.close());

    it('lists the merged PR/MR of a commit with its body, the open one of another, none for a direct push', async () => {
      const [found, ...more] = await bot.changeRequests.listForCommit(PROJECT, merged.commit);
      expect(more).toEqual([]);
      expect(found).toMatchObject({
        iid: merged.iid,
        state: 'merged',
        targetBranch: 'main',
        title: 'Support forks',
      });
      expect(found!.mergedAt).not.toBeNull();
      expect(releaseNoteBlock(found!.description)).toBe('Forks work.');
      const pending = await bot.changeRequests.listForCommit(PROJECT, open.commit);
      expect(pending.map((c) => [c.iid, c.state])).toEqual([[open.iid, 'opened']]);
      expect(await bot.changeRequests.listForCommit(PROJECT, direct)).toEqual([]);
    });

    it('reads protection: unprotected, a rule the bot may read, a rule a developer may not, no branch', async () => {
      const unprotected = await bot.repo.getBranchProtection(PROJECT, 'old-stable');
      expect(unprotected).toMatchObject({ protected: false, rule: null });
      expect(unprotected!.settingsUrl.startsWith(`${bot.webUrl}/${PROJECT}/`)).toBe(true);
      expect(await bot.repo.getBranchProtection(PROJECT, 'no-such-branch')).toBeNull();

      sim.project(kind, PROJECT).protectedBranches.set('stable', {
        pushAccessLevel: ACCESS.maintainer,
        allowForcePush: false,
      });
      const rule = await bot.repo.getBranchProtection(PROJECT, 'stable');
      expect(rule).toMatchObject({ protected: true, rule: { name: 'stable', forcePush: false } });
      expect(rule!.rule!.pushAccess).not.toBe('');
      const unreadable = await dev.repo.getBranchProtection(PROJECT, 'stable');
      expect(unreadable!.protected).toBe(true);
      // GitLab lets a developer read the rule; GitHub answers 404 to anyone without admin rights.
      if (unreadable!.rule) expect(unreadable!.rule.name).toBe('stable');
    });

    it('reads a release-notes block, "none" and no block apart', () => {
      expect(releaseNoteBlock('x\r\nRELEASE NOTES BEGIN\r\nOne.\r\nTwo.\r\nRELEASE NOTES END\r\n')).toBe(
        'One.\r\nTwo.',
      );
      expect(releaseNoteBlock('RELEASE NOTES BEGIN\nN/A\nRELEASE NOTES END')).toBeNull();
      expect(releaseNoteBlock('RELEASE NOTES BEGIN\nnone.\nRELEASE NOTES END')).toBeNull();
      expect(releaseNoteBlock('just a description')).toBeUndefined();
    });
  });
}

readsSuite('gitlab');
readsSuite('github');
