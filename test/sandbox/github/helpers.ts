import { Octokit } from '@octokit/rest';
import type { CreateProjectInput } from '../../../packages/forge-sandbox/src/core/world.js';
import { startSimulator, type Simulator } from '../../../packages/forge-sandbox/src/simulator.js';

export interface GithubFixture {
  sim: Simulator;
  /** Maintainer of every repository (a bot account). */
  bot: Octokit;
  botToken: string;
  /** Developer (push access) on `acme/app`. */
  alice: Octokit;
  aliceToken: string;
  /** Authenticated, but no access to private repositories. */
  outsider: Octokit;
  anonymous: Octokit;
  client(token: string): Octokit;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export function octokitFor(sim: Simulator, token?: string): Octokit {
  return new Octokit({ baseUrl: sim.github.apiUrl, auth: token, log: silent });
}

/** A simulator with users `bot` (maintainer), `alice` (developer), `mallory` (outsider) and `acme/app`. */
export async function githubFixture(project: Partial<CreateProjectInput> = {}): Promise<GithubFixture> {
  const sim = await startSimulator();
  const bot = sim.createUser('bot', { bot: true });
  const alice = sim.createUser('alice', { name: 'Alice Liddell' });
  const mallory = sim.createUser('mallory');
  await sim.createProject({
    forge: 'github',
    path: 'acme/app',
    members: ['bot', 'alice:30'],
    files: { 'README.md': '# app\n', VERSION: '1.0.0\n', 'src/main.ts': 'export const x = 1;\n' },
    ...project,
  });
  return {
    sim,
    bot: octokitFor(sim, bot.token),
    botToken: bot.token,
    alice: octokitFor(sim, alice.token),
    aliceToken: alice.token,
    outsider: octokitFor(sim, mallory.token),
    anonymous: octokitFor(sim),
    client: (token) => octokitFor(sim, token),
  };
}

export const repo = { owner: 'acme', repo: 'app' } as const;

/** Expect a rejected Octokit call with this status (and optionally message). */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ status: number; data: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; response?: { data: Record<string, unknown> } };
    return { status: e.status, data: e.response?.data ?? {} };
  }
  throw new Error('expected the request to fail');
}
