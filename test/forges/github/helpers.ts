import type { ForgeAdapterOptions } from '../../../src/forges/adapter-options.js';
import { createGithubForge } from '../../../src/forges/github/index.js';
import type { Forge } from '../../../src/forges/types.js';
import type { CreateProjectInput } from '../../../packages/forge-sandbox/src/core/world.js';
import { startSimulator, type Simulator } from '../../../packages/forge-sandbox/src/simulator.js';

export interface AdapterFixture {
  sim: Simulator;
  /** The bot (maintainer of acme/app). */
  forge: Forge;
  /** Same bot, dry-run. */
  dry: Forge;
  /** alice (developer), e.g. to approve the bot's pull requests. */
  alice: Forge;
  botToken: string;
  aliceToken: string;
  make(options?: Partial<ForgeAdapterOptions>): Forge;
}

export const PROJECT = 'acme/app';

export async function adapterFixture(project: Partial<CreateProjectInput> = {}): Promise<AdapterFixture> {
  const sim = await startSimulator();
  const bot = sim.createUser('release-bot', { bot: true });
  const alice = sim.createUser('alice');
  await sim.createProject({
    forge: 'github',
    path: PROJECT,
    members: ['release-bot', 'alice:30'],
    files: { 'README.md': '# app\n', VERSION: '1.0.0\n' },
    ...project,
  });
  const make = (options: Partial<ForgeAdapterOptions> = {}) =>
    createGithubForge({
      name: 'github',
      url: sim.github.url,
      apiUrl: sim.github.apiUrl,
      token: bot.token,
      dryRun: false,
      http: { retries: 2, backoffMs: 1 },
      ...options,
    });
  return {
    sim,
    forge: make(),
    dry: make({ dryRun: true }),
    alice: make({ token: alice.token }),
    botToken: bot.token,
    aliceToken: alice.token,
    make,
  };
}

export const MINUTE = 60_000;
