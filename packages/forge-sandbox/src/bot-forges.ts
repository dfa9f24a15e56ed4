import type { Simulator } from './simulator.js';

/**
 * The `forges:` section of a bot configuration that points at this simulator — the same two
 * entries every world (test harnesses, the reliability worlds, the demo) needs, kept in one place
 * so a new forge setting reaches them all.
 */
export function simulatorForges(sim: Simulator, token: string, retries: number) {
  return {
    gitlab: { type: 'gitlab', url: sim.gitlab.url, token, retries },
    github: { type: 'github', url: sim.github.url, apiUrl: sim.github.apiUrl, token, retries },
  } as const;
}
