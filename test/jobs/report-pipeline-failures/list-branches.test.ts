import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubForge } from '../../../src/forges/github/index.js';
import { createGitlabForge } from '../../../src/forges/gitlab/index.js';
import type { Forge } from '../../../src/forges/types.js';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator.js';

/** `repo.listBranches` (added for this job): the bot's branches by prefix, in one request, on both forges. */

describe('repo.listBranches', () => {
  let sim: Simulator;
  const forges: Record<'gitlab' | 'github', Forge> = {} as never;

  beforeAll(async () => {
    sim = await startSimulator();
    const { token } = sim.createUser('bot', { bot: true });
    for (const forge of ['gitlab', 'github'] as const) {
      await sim.createProject({
        forge,
        path: 'org/app',
        members: ['bot'],
        files: { 'README.md': '# app\n' },
        branches: [
          'release-bot/update-gitaly',
          'release-bot/update-shell',
          'feature/release-bot/update-x',
          'Release-Bot/Update-y',
        ],
      });
    }
    const options = { name: 'sim', token, dryRun: false, http: { backoffMs: 1 } };
    forges.gitlab = createGitlabForge({ ...options, url: sim.gitlab.url });
    forges.github = createGithubForge({ ...options, url: sim.github.url, apiUrl: sim.github.apiUrl });
  });
  afterAll(() => sim.close());

  for (const kind of ['gitlab', 'github'] as const) {
    it(`${kind}: lists exactly the branches starting with the prefix, in one request`, async () => {
      const since = sim.mark();
      const branches = await forges[kind].repo.listBranches('org/app', { prefix: 'release-bot/update-' });
      expect(branches.map((b) => b.name).sort()).toEqual([
        'release-bot/update-gitaly',
        'release-bot/update-shell',
      ]);
      expect(branches[0]!.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(sim.requests({ since })).toHaveLength(1);
      expect(await forges[kind].repo.listBranches('org/app', { prefix: 'nothing-like-this/' })).toEqual([]);
    });
  }
});
