import { execFileSync } from 'node:child_process';
import { createGitlabForge } from '../../../src/forges/gitlab/index.js';
import type { ForgeAdapterOptions } from '../../../src/forges/adapter-options.js';
import type { Forge } from '../../../src/forges/types.js';
import { ACCESS } from '../../../packages/forge-sandbox/src/core/world.js';
import { startSimulator, type Simulator } from '../../../packages/forge-sandbox/src/simulator.js';

export interface AdapterFixture {
  sim: Simulator;
  forge: Forge;
  token: string;
  devToken: string;
  make(options?: Partial<ForgeAdapterOptions> & { token?: string }): Forge;
  close(): Promise<void>;
}

/** A simulator with `org/app` (protected main), the bot (maintainer) and a developer, and a GitLab forge for the bot. */
export async function setup(): Promise<AdapterFixture> {
  const sim = await startSimulator();
  const { token } = sim.createUser('bot', { name: 'Release Bot', bot: true });
  const { token: devToken } = sim.createUser('dev', { name: 'Dee Veloper' });
  await sim.createProject({
    forge: 'gitlab',
    path: 'org/app',
    members: ['bot', `dev:${ACCESS.developer}`],
    files: { 'README.md': '# app\n', VERSION: '1.0.0\n' },
    protectedBranches: ['main'],
  });
  const make = (options: Partial<ForgeAdapterOptions> & { token?: string } = {}) =>
    createGitlabForge({
      name: 'gitlab-sim',
      url: sim.gitlab.url,
      token,
      dryRun: false,
      ...options,
      http: { backoffMs: 1, ...options.http },
    });
  return { sim, forge: make(), token, devToken, make, close: () => sim.close() };
}

/** Many commits at once with git fast-import (one process), on `branch`, on top of its head. */
export function bulkCommits(sim: Simulator, project: string, branch: string, count: number): void {
  const repo = sim.project('gitlab', project).repo;
  const head = execFileSync('git', ['rev-parse', `refs/heads/${branch}`], { cwd: repo.dir })
    .toString()
    .trim();
  let script = '';
  const start = Math.floor(sim.clock.nowMs() / 1000);
  for (let i = 0; i < count; i++) {
    const content = `bulk ${i}\n`;
    const message = `bulk commit ${i}\n`;
    script += `commit refs/heads/${branch}\n`;
    script += `committer Bulk <bulk@example.com> ${start + i} +0000\n`;
    script += `data ${Buffer.byteLength(message)}\n${message}`;
    if (i === 0) script += `from ${head}\n`;
    script += `M 100644 inline bulk.txt\ndata ${Buffer.byteLength(content)}\n${content}\n`;
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, input: script });
}
