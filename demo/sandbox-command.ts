import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { stories } from './stories/index.js';
import { setupDemo } from './world.js';
import { UsageError } from '../src/errors.js';
import { EXIT } from '../app/commands/exit.js';

/**
 * `release-bot sandbox`: the simulator (seeded with every demo story) keeps running on wall-clock
 * time (× 60, so a CI pipeline takes seconds), with local Slack and Sentry receivers that print
 * what arrives, and a config file `release-bot start --config <it>` can use.
 */
export async function sandboxCommand(options: { port: string; dir?: string }): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65534)
    throw new UsageError(`--port must be 0..65534, got ${options.port}`);
  // Listen before seeding (it takes seconds): a SIGTERM or Ctrl-C then stops after the seed, not
  // halfway through it; a second one exits at once.
  let stopping = false;
  let wake = (): void => undefined;
  const stop = (): void => {
    if (stopping) {
      process.stderr.write('release-bot sandbox: second signal, exiting without cleaning up\n');
      process.exit(130);
    }
    stopping = true;
    process.stderr.write('release-bot sandbox: stopping…\n');
    wake();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let dir: string;
  let ownDir = false;
  if (options.dir) {
    dir = resolve(options.dir);
    mkdirSync(dir, { recursive: true });
  } else {
    dir = await mkdtemp(join(tmpdir(), 'release-bot-sandbox-'));
    ownDir = true;
  }
  let timer: NodeJS.Timeout | undefined;
  let setup: Awaited<ReturnType<typeof setupDemo>> | undefined;
  try {
    setup = await setupDemo({
      dir,
      stories,
      simulator: { clock: 'wall', speed: 60, gitlabPort: port, githubPort: port ? port + 1 : 0 },
    });
    const running = setup;
    let seen = 0;
    timer = setInterval(() => {
      for (const m of running.slack.messages.slice(seen))
        process.stdout.write(`[slack #${m.channel}] ${m.payload.text ?? ''}\n`);
      seen = running.slack.messages.length;
    }, 500);
    process.stdout.write(
      [
        'release-bot sandbox is running (simulated time runs 60× faster than the wall clock).',
        `  GitLab API: ${setup.world.sim.gitlab.url}/api/v4   GitHub API: ${setup.world.sim.github.url}`,
        `  bot token:  ${setup.world.bot.token}`,
        `  config:     ${setup.configPath}`,
        ...setup.failures.map((f) => `  ! story "${f.story}" could not be seeded: ${f.error}`),
        '',
        'In another terminal:',
        `  release-bot --config ${setup.configPath} list`,
        `  release-bot --config ${setup.configPath} run <job> --dry-run`,
        `  release-bot --config ${setup.configPath} start`,
        '',
        'Slack messages sent to the sandbox appear below. Ctrl-C stops it.',
        '',
      ].join('\n'),
    );
    if (!stopping) await new Promise<void>((resolveStop) => (wake = resolveStop));
  } finally {
    clearInterval(timer);
    // Every server: the simulator, the Slack and Sentry receivers, and the stories' fake services.
    await setup?.close();
    if (ownDir) await rm(dir, { recursive: true, force: true });
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  process.stdout.write('release-bot sandbox stopped.\n');
  return EXIT.ok;
}
