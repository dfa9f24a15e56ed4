import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, collect, ROOT, runCli, type CliResult } from '../../helpers/cli.js';
import { ORG, SCENARIO_TIMEOUT, stableWorld, type StableWorld } from './world.js';

/**
 * The real CLI in a child process: the seed's own `--packit-service=<sha>` flag, a bad pin's
 * exit 2, and the confirmation on a real terminal (a pty
 * from `script`).
 */

/** Generous: CLI processes on a busy machine. */
const CLI_TIMEOUT = 120_000;

/** The CLI on a pseudo-terminal, answering the prompt with `answer`. */
function onTerminal(args: string[], answer: string): Promise<CliResult> {
  const command = cliCommand(args)
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, RELEASE_BOT_LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let answered = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (!answered && chunk.toString().includes('[y/N]')) {
      answered = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  return collect(child);
}

describe('move-stable-branches from the command line', () => {
  let w: StableWorld;
  let config: string;

  beforeAll(async () => {
    w = await stableWorld('gitlab', {
      // No CI or Sentry gate here: the child process runs on the wall clock, not the simulator's.
      job: ({ healthUrl }) => ({
        forge: 'gitlab',
        repos: [{ project: `${ORG}/packit` }, { project: `${ORG}/packit-service`, dependsOn: ['packit'] }],
        validation: {
          health: [{ name: 'stage API', url: `${healthUrl}/api/healthz`, field: 'status', equals: 'ok' }],
        },
        approval: { approvers: ['alice'], project: `${ORG}/deployment` },
      }),
    });
    config = join(w.h.dir, 'release-bot.yaml');
  }, SCENARIO_TIMEOUT);
  afterAll(() => w.close(), SCENARIO_TIMEOUT);

  it(
    "takes the seed's --packit-service=<sha> form; a bad pin exits 2 and moves nothing",
    async () => {
      const pinned = await w.push('packit-service', 'packit-service: pin me');
      await w.push('packit-service', 'packit-service: not yet');
      const bad = await runCli([
        '-c',
        config,
        'run',
        'move-stable-branches',
        '--yes',
        '--packit-service=deadbeef00',
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('no commit deadbeef00 in packit/packit-service');
      const ok = await runCli([
        '-c',
        config,
        'run',
        'move-stable-branches',
        '--yes',
        `--packit-service=${pinned.slice(0, 12)}`,
      ]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('moved 1 stable branch(es) (packit-service)');
      expect(await w.stable('packit-service')).toBe(pinned);
    },
    CLI_TIMEOUT,
  );

  it(
    'asks on a terminal, showing the plan; "y" moves',
    async () => {
      const head = await w.source('packit-service');
      expect(await w.stable('packit-service')).not.toBe(head);
      const yes = await onTerminal(['-c', config, 'run', 'move-stable-branches'], 'y');
      expect(yes.stdout).toMatch(/packit-service +planned +[0-9a-f]{12} → main/);
      expect(yes.stdout).toContain('Move these stable branches now? [y/N]');
      expect(yes.stdout).toContain('confirmed on the terminal');
      expect(yes.code).toBe(0);
      expect(await w.stable('packit-service')).toBe(head);
    },
    CLI_TIMEOUT,
  );
});
