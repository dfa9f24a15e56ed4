import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collect, spawnCli } from '../helpers/cli.js';

/**
 * `release-bot sandbox` stops on the first SIGTERM or Ctrl-C (SIGINT), closing every server it
 * started — the simulator, the Slack and Sentry receivers and the stories' fake services — so the
 * process exits by itself with 0. (It used to keep the stories' services open and never exit.)
 */
describe('release-bot sandbox', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops cleanly on the first ${signal}`, async () => {
      const child = spawnCli(['sandbox']);
      const done = collect(child);
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Ctrl-C stops it')) resolve();
        });
        child.on('close', () => reject(new Error(`sandbox exited before it was ready:\n${out}`)));
      });
      const configPath = /config:\s+(\S+)/.exec(out)![1]!;
      expect(existsSync(configPath)).toBe(true);
      child.kill(signal);
      const result = await done;
      expect(result.signal).toBeNull();
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('release-bot sandbox stopped.');
      // Its temp dir (repositories, config) is gone with it.
      expect(existsSync(configPath)).toBe(false);
    }, 120_000);
  }
});
