import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import * as control from '../control/actions.js';
import { recordCommand } from '../control/commands.js';
import { activeFreeze } from '../control/freezes.js';
import { MalformedVersionError } from '../domain/auto-deploy-version.js';
import { postMigrationsBetween, whichPackage } from '../domain/post-migration-lookup.js';
import { errorMessage, LeaseHeldError, UsageError } from '../errors.js';
import { timeIn } from '../kit/time.js';
import type { JobDefinition } from '../runner/job.js';
import type { RunOutcome, RunRequest } from '../runner/runner.js';
import type { Store } from '../store/types.js';
import { actorName, mayRun } from './access.js';
import { SLACK_COMMANDS, type SlackAppConfig, type SlackCommandName } from './config-schema.js';
import { reply, safe, type SlackReply } from './reply.js';
import { traceText } from './trace.js';

/**
 * `/release-bot <command>`: parse, check the caller may run it, record it in the command log with
 * who ran it, answer within Slack's three seconds. Work that takes longer (a run) is started in
 * the background and answered through the request's `response_url`.
 */

export interface SlackDeps {
  app: SlackAppConfig;
  config: Config;
  store: Store;
  jobs: JobDefinition[];
  runner: { run(name: string, request: RunRequest): Promise<RunOutcome> };
  now: () => Date;
  log: Logger;
  /** POSTs a follow-up to a Slack `response_url`. */
  respond(url: string, body: SlackReply): Promise<void>;
  /** Background work (runs) the daemon waits for on shutdown. */
  track(work: Promise<unknown>): void;
}

export interface SlashCommand {
  userId: string;
  userName?: string;
  teamId?: string;
  text: string;
  responseUrl?: string;
}

const USAGE = [
  '`/release-bot status` — jobs, last results, pauses, holds, freezes',
  '`/release-bot which <migration>` — the package that introduced a post-deploy migration',
  '`/release-bot rollback-check <from-package> <to-package>` — post-deploy migrations in between',
  '`/release-bot trace <component> <sha>` — where a commit has been deployed',
  '`/release-bot run <job> [--dry-run]`',
  '`/release-bot pause <job> [--until 2h|"2026-12-07 09:00"] --reason <why>` · `resume <job>`',
  '`/release-bot hold <component> [--sha <sha>] --reason <why>` · `release <component>`',
].join('\n');

interface Parsed {
  command: string;
  args: string[];
  flags: Record<string, string | true>;
}

/** Words and flags; `--reason` takes the rest of the line. */
export function parseCommand(text: string): Parsed {
  // "quoted words" (Slack may turn the quotes into “ ”) stay one word: --until "2026-12-07 09:00".
  const words = [...text.trim().matchAll(/["“”]([^"“”]*)["“”]|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  const parsed: Parsed = { command: (words.shift() ?? 'help').toLowerCase(), args: [], flags: {} };
  while (words.length) {
    const word = words.shift()!;
    if (word === '--reason') {
      parsed.flags.reason = words.splice(0).join(' ');
    } else if (word === '--dry-run' || word === '-n') parsed.flags['dry-run'] = true;
    else if (word.startsWith('--')) {
      const [name, inline] = word.slice(2).split('=', 2) as [string, string | undefined];
      parsed.flags[name] = inline ?? words.shift() ?? '';
    } else parsed.args.push(word);
  }
  return parsed;
}

function when(deps: SlackDeps, iso: string): string {
  return timeIn(iso, deps.config.timezone).slice(4, -3);
}

async function status(deps: SlackDeps): Promise<string> {
  const now = deps.now();
  const last = await deps.store.lastRuns();
  const snapshot = await control.controlsSnapshot({ store: deps.store, config: deps.config, now: () => now });
  const lines: string[] = [`*release-bot status* (${deps.config.timezone})`];
  for (const job of deps.jobs) {
    if (deps.config.jobs[job.name] === undefined && !last[job.name]) continue;
    const run = last[job.name];
    const pause = snapshot.pauses.find((p) => p.job === job.name);
    const freeze = activeFreeze(deps.config.freezes, job.name, now, deps.config.timezone);
    const marks = [
      pause
        ? `⏸ paused${pause.until ? ` until ${when(deps, pause.until)}` : ''} (${safe(pause.reason)})`
        : '',
      freeze ? `❄ frozen: ${safe(freeze.reason)}` : '',
    ].filter(Boolean);
    lines.push(
      `• *${job.name}*: ${run ? `${run.status} ${when(deps, run.startedAt)} — ${safe(run.summary).slice(0, 200)}` : 'no run yet'}${marks.length ? ` · ${marks.join(' · ')}` : ''}`,
    );
  }
  for (const h of snapshot.holds)
    lines.push(
      `• held: *${safe(h.component)}*${h.sha ? ` at \`${h.sha.slice(0, 11)}\`` : ''} — ${safe(h.reason)}`,
    );
  return lines.join('\n');
}

async function which(deps: SlackDeps, query: string | undefined): Promise<SlackReply> {
  if (!query) throw new UsageError('which: give a migration file name, path or 14-digit timestamp');
  const matches = await whichPackage(deps.store, query);
  if (matches.length === 0)
    return reply(`No recorded package introduced a post-deploy migration matching \`${safe(query)}\`.`);
  const lines = matches.flatMap((m) => {
    const envs = Object.entries(m.package.environments)
      .sort(([, a], [, b]) => a.at.localeCompare(b.at))
      .map(([env, d]) => `${safe(env)} ${when(deps, d.at)}`);
    return [
      `\`${safe(m.file)}\` was introduced by *${safe(m.package.version)}* (release ${safe(m.package.release)})`,
      envs.length ? `  deployed: ${envs.join(', ')}` : '  not deployed to a tracked environment',
    ];
  });
  return reply(lines.join('\n'));
}

async function rollbackCheck(deps: SlackDeps, from?: string, to?: string): Promise<SlackReply> {
  if (!from || !to)
    throw new UsageError(
      'rollback-check: give two packages, e.g. rollback-check 16.7.202401101200 16.7.202401091200',
    );
  let result;
  try {
    result = await postMigrationsBetween(deps.store, from, to);
  } catch (error) {
    if (error instanceof MalformedVersionError) throw new UsageError(error.message);
    throw error;
  }
  if (result.safe)
    return reply(`✅ SAFE: no post-deploy migration between \`${safe(from)}\` and \`${safe(to)}\`.`);
  const lines = [
    `⛔ UNSAFE: ${result.migrations.length} post-deploy migration(s) between \`${safe(from)}\` and \`${safe(to)}\`${result.unknown.length ? `, ${result.unknown.length} package(s) unknown` : ''}`,
    ...result.migrations.slice(0, 20).map((m) => `• \`${safe(m.file)}\` (${safe(m.package)})`),
    ...result.unknown.slice(0, 10).map((u) => `• ? ${safe(u.version)}: ${safe(u.reason)}`),
  ];
  return reply(lines.join('\n'));
}

function startRun(
  deps: SlackDeps,
  input: SlashCommand,
  actor: string,
  job: string,
  dryRun: boolean,
): SlackReply {
  const responseUrl = input.responseUrl;
  if (!deps.jobs.some((j) => j.name === job))
    throw new UsageError(`unknown job "${job}"; jobs: ${deps.jobs.map((j) => j.name).join(', ')}`);
  const work = deps.runner
    .run(job, { trigger: 'api', dryRun, note: `requested on Slack by ${actor}` })
    .then(
      ({ run }) =>
        reply(
          `${run.status === 'failed' ? '❌' : '✅'} *${job}*${dryRun ? ' (dry run)' : ''}: ${run.status} — ${safe(run.summary).slice(0, 1500)} (run \`${run.id}\`)`,
          'in_channel',
        ),
      (error: unknown) =>
        reply(
          error instanceof LeaseHeldError
            ? `⏳ *${job}* is already running elsewhere: ${safe(error.message)}`
            : `❌ *${job}* could not run: ${safe(errorMessage(error))}`,
          'in_channel',
        ),
    )
    .then((answer) => (responseUrl ? deps.respond(responseUrl, answer) : undefined))
    .catch((error: unknown) => deps.log.warn({ err: error }, 'could not answer a Slack run request'));
  deps.track(work);
  // The user id comes from Slack's signed request: safe to mention.
  return reply(
    `▶️ Starting *${job}*${dryRun ? ' as a dry run' : ''}, requested by <@${input.userId}>…`,
    'in_channel',
  );
}

/** Handles one slash command; the answer goes back in the HTTP response. */
export async function handleCommand(deps: SlackDeps, input: SlashCommand): Promise<SlackReply> {
  const parsed = parseCommand(input.text);
  const actor = actorName(deps.app, input.userId, input.userName);
  const name = parsed.command as SlackCommandName;
  const text = `/release-bot ${input.text.trim()}`.slice(0, 500);
  const log = (ok: boolean, outcome: string) =>
    recordCommand(deps.store, { actor, via: 'slack', command: text, ok, outcome, at: deps.now() });

  if (parsed.command === 'help' || !SLACK_COMMANDS.includes(name)) {
    return reply(
      `${parsed.command === 'help' ? '' : `Unknown command \`${safe(parsed.command)}\`.\n`}${USAGE}`,
    );
  }
  if (!mayRun(deps.app, name, input.userId)) {
    await log(false, `refused: ${actor} may not run ${name}`);
    return reply(
      `⛔ You may not run \`${name}\` (slack.app.commands.${name} does not list you). Nothing was done.`,
    );
  }
  const controlEnv = {
    store: deps.store,
    config: deps.config,
    jobs: deps.jobs.map((j) => j.name),
    now: deps.now,
  };
  const who = { name: actor, via: 'slack' as const };
  const reason = typeof parsed.flags.reason === 'string' ? parsed.flags.reason : undefined;
  try {
    switch (name) {
      case 'status': {
        const answer = reply(await status(deps));
        await log(true, 'status shown');
        return answer;
      }
      case 'which': {
        const answer = await which(deps, parsed.args.join(' ') || undefined);
        await log(true, answer.text.split('\n')[0]!);
        return answer;
      }
      case 'rollback-check': {
        const answer = await rollbackCheck(deps, parsed.args[0], parsed.args[1]);
        await log(true, answer.text.split('\n')[0]!);
        return answer;
      }
      case 'trace': {
        const [component, sha] = parsed.args;
        if (!component || !sha) throw new UsageError('trace: give a component and a commit sha');
        const answer = reply(await traceText(deps.store, component, sha));
        await log(true, `traced ${component} ${sha}`);
        return answer;
      }
      case 'run': {
        const job = parsed.args[0];
        if (!job) throw new UsageError('run: give a job, e.g. run update-component --dry-run');
        const answer = startRun(deps, input, actor, job, parsed.flags['dry-run'] === true);
        await log(true, `started ${job}${parsed.flags['dry-run'] ? ' (dry run)' : ''}`);
        return answer;
      }
      // The control commands record themselves (src/control/actions.ts).
      case 'pause':
        return reply(
          `⏸ ${safe(await control.pause(controlEnv, who, { job: parsed.args[0] ?? '', until: parsed.flags.until as string | undefined, reason }))}`,
          'in_channel',
        );
      case 'resume':
        return reply(
          `▶️ ${safe(await control.resume(controlEnv, who, { job: parsed.args[0] ?? '' }))}`,
          'in_channel',
        );
      case 'hold':
        return reply(
          `✋ ${safe(await control.hold(controlEnv, who, { component: parsed.args[0] ?? '', sha: parsed.flags.sha as string | undefined, reason }))}`,
          'in_channel',
        );
      case 'release':
        return reply(
          `👍 ${safe(await control.release(controlEnv, who, { component: parsed.args[0] ?? '' }))}`,
          'in_channel',
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      if (!['pause', 'resume', 'hold', 'release'].includes(name)) await log(false, error.message);
      return reply(`⚠️ ${safe(error.message)}`);
    }
    deps.log.error({ err: error }, `Slack command ${name} failed`);
    await log(false, `error: ${errorMessage(error)}`).catch(() => undefined);
    return reply(`❌ ${name} failed: ${safe(errorMessage(error))}`);
  }
  return reply(USAGE);
}
