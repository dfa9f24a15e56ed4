import type { Config } from '../config/schema.js';
import { suggest } from '../config/issues.js';
import { UsageError } from '../errors.js';
import { timeIn } from '../kit/time.js';
import type { Store } from '../store/types.js';
import { recordCommand } from './commands.js';
import { freezeViews, type FreezeView } from './freezes.js';
import { describeHold, holdComponent, listHolds, releaseComponent, type ActiveHold } from './holds.js';
import { activePauses, describePause, pauseJob, resumeJob, type ActivePause } from './pauses.js';
import { parseUntil } from './until.js';

/**
 * The control commands as the CLI and the Slack app both give them: check the input, change the
 * store, record the command (who, through what, what came of it), say what happened. A refused
 * command (bad input) is recorded too, then thrown as a UsageError.
 */

export interface Actor {
  name: string;
  via: 'cli' | 'slack';
}

export interface ControlEnv {
  store: Store;
  config: Config;
  /** Names of the jobs this version knows. */
  jobs: string[];
  now: () => Date;
}

/** The component names update-component is configured with (read from the config, not the job). */
export function configuredComponents(config: Config): string[] {
  const components = (config.jobs['update-component'] as { components?: { name?: unknown }[] } | undefined)
    ?.components;
  return (components ?? []).map((c) => c.name).filter((n): n is string => typeof n === 'string');
}

function known(kind: string, name: string, names: string[]): void {
  if (names.includes(name)) return;
  const hint = suggest(name, names);
  throw new UsageError(
    `unknown ${kind} "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; ${kind}s: ${names.join(', ') || 'none'}`,
  );
}

function readable(env: ControlEnv): (iso: string) => string {
  return (iso) => `${timeIn(iso, env.config.timezone).slice(0, -3)} ${env.config.timezone}`;
}

async function recorded(
  env: ControlEnv,
  actor: Actor,
  command: string,
  act: () => Promise<string>,
): Promise<string> {
  // As typed: `release-bot pause …` on a terminal, `/release-bot pause …` in Slack.
  if (actor.via === 'slack') command = `/release-bot ${command}`;
  try {
    const outcome = await act();
    await recordCommand(env.store, {
      actor: actor.name,
      via: actor.via,
      command,
      ok: true,
      outcome,
      at: env.now(),
    });
    return outcome;
  } catch (error) {
    if (error instanceof UsageError)
      await recordCommand(env.store, {
        actor: actor.name,
        via: actor.via,
        command,
        ok: false,
        outcome: error.message,
        at: env.now(),
      });
    throw error;
  }
}

function needReason(reason: string | undefined): string {
  const text = reason?.trim();
  if (!text) throw new UsageError('--reason is required: say why, it is shown to everyone who looks');
  return text.slice(0, 500);
}

export function pause(
  env: ControlEnv,
  actor: Actor,
  input: { job: string; until?: string; reason?: string },
): Promise<string> {
  const command = `pause ${input.job}${input.until ? ` --until ${input.until}` : ''} --reason ${input.reason ?? ''}`;
  return recorded(env, actor, command, async () => {
    known('job', input.job, env.jobs);
    const reason = needReason(input.reason);
    const now = env.now();
    const until = input.until ? parseUntil(input.until, now, env.config.timezone).toISOString() : null;
    const p = { until, reason, by: actor.name, via: actor.via, at: now.toISOString() };
    await pauseJob(env.store, input.job, p);
    return `${input.job} ${describePause(p, readable(env))}; its real runs are recorded as skipped (dry runs still run)`;
  });
}

export function resume(env: ControlEnv, actor: Actor, input: { job: string }): Promise<string> {
  return recorded(env, actor, `resume ${input.job}`, async () => {
    known('job', input.job, env.jobs);
    const was = await resumeJob(env.store, input.job, env.now());
    return was ? `${input.job} resumed: it runs again on its schedule` : `${input.job} was not paused`;
  });
}

export function hold(
  env: ControlEnv,
  actor: Actor,
  input: { component: string; sha?: string; reason?: string },
): Promise<string> {
  const command = `hold ${input.component}${input.sha ? ` --sha ${input.sha}` : ''} --reason ${input.reason ?? ''}`;
  return recorded(env, actor, command, async () => {
    known('component', input.component, configuredComponents(env.config));
    const reason = needReason(input.reason);
    if (input.sha !== undefined && !/^[0-9a-f]{7,40}$/i.test(input.sha))
      throw new UsageError(`--sha ${input.sha}: not a commit sha (7 to 40 hex digits)`);
    const h = {
      sha: input.sha?.toLowerCase() ?? null,
      reason,
      by: actor.name,
      via: actor.via,
      at: env.now().toISOString(),
    };
    await holdComponent(env.store, input.component, h);
    return `${input.component} ${describeHold(h)}${h.sha ? '' : ' (the latest green commit when update-component next runs is the one held)'}`;
  });
}

export function release(env: ControlEnv, actor: Actor, input: { component: string }): Promise<string> {
  return recorded(env, actor, `release ${input.component}`, async () => {
    known('component', input.component, configuredComponents(env.config));
    const was = await releaseComponent(env.store, input.component);
    return was
      ? `${input.component} released: update-component moves it on its next run${was.mr ? ` (a fresh MR replaces the closed !${was.mr.iid})` : ''}`
      : `${input.component} was not held`;
  });
}

export interface ControlsSnapshot {
  pauses: ActivePause[];
  holds: ActiveHold[];
  freezes: FreezeView[];
}

export async function controlsSnapshot(env: Omit<ControlEnv, 'jobs'>): Promise<ControlsSnapshot> {
  const now = env.now();
  const [pauses, holds] = await Promise.all([activePauses(env.store, now), listHolds(env.store)]);
  return { pauses, holds, freezes: freezeViews(env.config.freezes, now, env.config.timezone) };
}
