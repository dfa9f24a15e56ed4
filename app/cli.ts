#!/usr/bin/env node
import { Command, Option } from 'commander';
import { EXIT, reportError } from './commands/exit.js';
import { packageVersion } from '../src/version.js';
import { loadDemo } from './demo-loader.js';

/**
 * The `release-bot` command. Subcommands are imported lazily so `--help`, `list` and
 * `config validate` do not load the forge SDKs, Sentry or prom-client.
 */

const version = packageVersion();

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The job named after `run` on the command line, so its own flags can be registered before parsing. */
function jobOnCommandLine(argv: string[]): string | undefined {
  const i = argv.indexOf('run');
  if (i < 0) return undefined;
  return argv.slice(i + 1).find((a) => !a.startsWith('-'));
}

export async function buildProgram(argv: string[]): Promise<Command> {
  // Job definitions (and zod) load only when a job's own flags are needed: `--help` stays fast.
  const jobName = jobOnCommandLine(argv);
  const named = jobName ? (await import('./jobs.js')).jobs.find((j) => j.name === jobName) : undefined;
  // A job may take its own `--version` (`run promote-packages --version 16.1.0`); commander would
  // give it to the program (print the bot's version, exit), so the program keeps only `-V` then.
  const jobTakesVersion = named?.cliOptions?.some((o) => /(^|[\s,])--version\b/.test(o.flags)) ?? false;
  const program = new Command('release-bot')
    .description(
      'Release chores on GitLab and GitHub: version bumps, failure triage, stable moves, promotions, deploy checks.',
    )
    .version(version, jobTakesVersion ? '-V' : '-V, --version')
    .option('-c, --config <file>', 'config file (default: $RELEASE_BOT_CONFIG or config/release-bot.yaml)')
    .option('--log-level <level>', 'trace|debug|info|warn|error|silent (default: info)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('start')
    .description(
      'run the scheduler daemon: every enabled job on its schedule, /healthz, /metrics and the status page',
    )
    .action(async () => {
      const { startCommand } = await import('./commands/start.js');
      process.exitCode = await startCommand(program.opts());
    });

  const run = program
    .command('run <job>')
    .description(
      'run one job now (exit 0 ok/noop, 1 failed, 2 usage/config error, 3 already running, 4 completed but found a problem: an alert such as a failed deploy)',
    )
    .option('-n, --dry-run', 'print the plan; write nothing (enforced in the forge layer)')
    .option(
      '--set <path=value>',
      "override the job's config, e.g. --set maxCommitsToCheck=20 (repeatable)",
      collect,
    )
    .option('--json', 'machine-readable output')
    .option(
      '--trigger <trigger>',
      'record the run as `schedule` when an external scheduler (CronJob, CI schedule) runs it: Sentry cron check-ins are sent',
      'manual',
    )
    .action(async (jobName: string, options: Record<string, unknown>, command: Command) => {
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(jobName, options, command.args.slice(1), program.opts());
    });
  for (const option of named?.cliOptions ?? []) run.addOption(new Option(option.flags, option.description));
  // Unknown flags (`--packit-service=<sha>`) become ctx.args.unknown; commander sees them as arguments.
  if (named?.acceptUnknownOptions) run.allowUnknownOption(true).allowExcessArguments(true);

  program
    .command('list')
    .description('jobs with schedule, time zone, next 3 runs and last result')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const { listCommand } = await import('./commands/list.js');
      process.exitCode = await listCommand(options, program.opts());
    });

  program
    .command('history [job]')
    .description('recent runs, newest first')
    .option('-l, --limit <n>', 'how many runs', '20')
    .option('--status <status>', 'only runs with this status (ok, noop, failed, skipped, aborted, refused)')
    .option('--json', 'machine-readable output')
    .action(async (job: string | undefined, options: Record<string, string | boolean>) => {
      const { historyCommand } = await import('./commands/history.js');
      process.exitCode = await historyCommand(job, options, program.opts());
    });

  program
    .command('show <runId>')
    .description('one run: result, actions, links and its log')
    .option('--json', 'machine-readable output')
    .action(async (runId: string, options: { json?: boolean }) => {
      const { showCommand } = await import('./commands/history.js');
      process.exitCode = await showCommand(runId, options, program.opts());
    });

  const migrations = program
    .command('migrations')
    .description(
      'post-deploy migrations recorded by track-post-deploy-migrations: which package introduced what',
    );
  migrations
    .command('which <file>')
    .description(
      'the package that introduced a post-deploy migration (path, file name or 14-digit timestamp) and when it reached each environment (exit 1 when none did)',
    )
    .option('--json', 'machine-readable output')
    .action(async (file: string, options: { json?: boolean }) => {
      const { whichCommand } = await import('./commands/migrations.js');
      process.exitCode = await whichCommand(file, options, program.opts());
    });
  migrations
    .command('list')
    .description('packages deployed to the followed environment, with their post-deploy migrations')
    .option('--release <major.minor>', 'only packages of this monthly release, e.g. 14.8')
    .option('--json', 'machine-readable output')
    .action(async (options: { release?: string; json?: boolean }) => {
      const { listCommand } = await import('./commands/migrations.js');
      process.exitCode = await listCommand(options, program.opts());
    });
  migrations
    .command('rollback-check <from-package> <to-package>')
    .description(
      'post-deploy migrations between two packages: exit 0 none (safe), 1 some or unknown (unsafe), 2 malformed version',
    )
    .option('--json', 'machine-readable output')
    .action(async (from: string, to: string, options: { json?: boolean }) => {
      const { rollbackCheckCommand } = await import('./commands/migrations.js');
      process.exitCode = await rollbackCheckCommand(from, to, options, program.opts());
    });

  for (const [change, subject, description] of [
    [
      'pause',
      'job',
      'pause a job: its real runs (scheduled or by hand) are recorded as skipped until --until or resume; dry runs still run',
    ],
    ['resume', 'job', 'resume a paused job'],
    [
      'hold',
      'component',
      'hold an update-component component at its current version until a newer green commit (or release)',
    ],
    ['release', 'component', 'end a hold: the component moves again on the next run'],
  ] as const) {
    const command = program
      .command(`${change} <${subject}>`)
      .description(description)
      .option('--by <name>', 'who gives the command, for the command log (default: your login name)');
    if (change === 'pause')
      command.option(
        '--until <time>',
        'a duration (2h, 3d), "2026-12-07 09:00" in the config timezone, or ISO time',
      );
    if (change === 'hold')
      command.option('--sha <sha>', 'the commit not to take (default: the latest green one)');
    if (change === 'pause' || change === 'hold') command.option('--reason <text>', 'why (required)');
    command.action(async (name: string, options: Record<string, string | undefined>) => {
      const { controlCommand } = await import('./commands/control.js');
      process.exitCode = await controlCommand(change, name, options, program.opts());
    });
  }

  program
    .command('controls')
    .description('paused jobs, held components, freezes (now or next) and the recent command log')
    .option('--log <n>', 'how many recent commands', '10')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean; log?: string }) => {
      const { controlsCommand } = await import('./commands/control.js');
      process.exitCode = await controlsCommand(options, program.opts());
    });

  program
    .command('init [file]')
    .description(
      'write a starter config (default config/release-bot.yaml) for the jobs asked, secrets as ${NAME} with no fallback (exit 2 if the file exists)',
    )
    .option(
      '--jobs <list>',
      'comma-separated jobs, e.g. update-component,report-pipeline-failures',
      'heartbeat',
    )
    .option('--forge <type>', 'gitlab or github', 'gitlab')
    .option('--force', 'overwrite an existing file')
    .action(async (file: string | undefined, options: { jobs?: string; forge?: string; force?: boolean }) => {
      const { initCommand } = await import('./commands/init.js');
      process.exitCode = initCommand(file, options);
    });

  program
    .command('doctor')
    .description(
      'check what the enabled jobs need: forge reachable, token scopes/permissions, projects visible, Slack and Sentry reachable (exit 0 ok, 1 a check failed, 2 config error)',
    )
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      process.exitCode = await doctorCommand(options, program.opts());
    });

  const config = program.command('config').description('check the configuration or print its JSON Schema');
  config
    .command('validate [file]')
    .description('validate a config file; lists every problem with its path (exit 2 when invalid)')
    .option('--json', 'machine-readable output')
    .action(async (file: string | undefined, options: { json?: boolean }) => {
      const { validateCommand } = await import('./commands/config.js');
      process.exitCode = await validateCommand(
        file ?? (program.opts().config as string | undefined),
        options,
      );
    });
  config
    .command('schema')
    .description('print the JSON Schema of the config (generated from the zod schema)')
    .option('--write [file]', 'write it to a file instead (default config/schema.json)')
    .action(async (options: { write?: string | boolean }) => {
      const { schemaCommand } = await import('./commands/config.js');
      process.exitCode = await schemaCommand(options);
    });

  program
    .command('trace <component> <sha>')
    .description(
      'where a component commit is: its bump MR, the deployment that took it to each environment, verify-deployment verdicts, whether rolling back past it is safe (exit 0 on production, 3 unknown, 4 merged not deployed, 5 on some environments, 6 rolled back)',
    )
    .option('--json', 'machine-readable output')
    .action(async (component: string, sha: string, options: { json?: boolean }) => {
      const { traceCommand } = await import('./commands/trace.js');
      process.exitCode = await traceCommand(component, sha, options, program.opts());
    });

  program
    .command('demo')
    .description(
      'start the forge simulator, run every job against it in a scripted story, print a report, exit',
    )
    .option('--json', 'machine-readable report')
    .action(async (options: { json?: boolean }) => {
      const { demoCommand } = await loadDemo();
      process.exitCode = await demoCommand(options);
    });

  program
    .command('sandbox')
    .description('keep the forge simulator running and print a config `release-bot start` can use against it')
    .option('--port <port>', 'GitLab listener port (GitHub uses the next one)', '0')
    .option('--dir <dir>', 'where the sandbox keeps repositories and the config (default: a temp dir)')
    .action(async (options: { port: string; dir?: string }) => {
      const { sandboxCommand } = await loadDemo();
      process.exitCode = await sandboxCommand(options);
    });

  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      process.exitCode = EXIT.ok;
      return;
    }
    if (code?.startsWith('commander.')) {
      process.exitCode = EXIT.usage;
      return;
    }
    process.exitCode = reportError(error, argv.includes('--json'));
  }
}

await main();
