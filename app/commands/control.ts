import { userInfo } from 'node:os';
import { loadAppConfig } from '../app.js';
import { jobs } from '../jobs.js';
import * as control from '../../src/control/actions.js';
import type { ControlEnv } from '../../src/control/actions.js';
import { timeIn } from '../../src/kit/time.js';
import { openStore } from '../../src/store/open.js';
import { EXIT } from './exit.js';
import { table } from './format.js';

/**
 * `release-bot pause|resume <job>`, `hold|release <component>`, `controls`: change or show the
 * controls in the store (the daemon and every one-shot run read them there). Each change is
 * recorded in the command log with who gave it (`--by`, default the login name).
 */

interface Global {
  config?: string;
}

function operator(by: string | undefined): string {
  if (by?.trim()) return by.trim();
  try {
    return process.env.USER ?? userInfo().username;
  } catch {
    return 'unknown';
  }
}

async function withEnv<T>(global: Global, fn: (env: ControlEnv) => Promise<T>): Promise<T> {
  const { config } = await loadAppConfig({ configPath: global.config });
  const store = await openStore(config.store);
  await store.migrate();
  try {
    return await fn({ store, config, jobs: jobs.map((j) => j.name), now: () => new Date() });
  } finally {
    await store.close();
  }
}

type Change = 'pause' | 'resume' | 'hold' | 'release';

export async function controlCommand(
  change: Change,
  subject: string,
  options: { until?: string; reason?: string; sha?: string; by?: string },
  global: Global,
): Promise<number> {
  const actor = { name: operator(options.by), via: 'cli' as const };
  const text = await withEnv(global, (env) => {
    switch (change) {
      case 'pause':
        return control.pause(env, actor, { job: subject, until: options.until, reason: options.reason });
      case 'resume':
        return control.resume(env, actor, { job: subject });
      case 'hold':
        return control.hold(env, actor, { component: subject, sha: options.sha, reason: options.reason });
      case 'release':
        return control.release(env, actor, { component: subject });
    }
  });
  process.stdout.write(`${text}\n`);
  return EXIT.ok;
}

export async function controlsCommand(
  options: { json?: boolean; log?: string },
  global: Global,
): Promise<number> {
  const { snapshot, commands, zone } = await withEnv(global, async (env) => ({
    snapshot: await control.controlsSnapshot(env),
    commands: await env.store.listCommands(Number(options.log ?? 10)),
    zone: env.config.timezone,
  }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...snapshot, commands }, null, 2)}\n`);
    return EXIT.ok;
  }
  const when = (iso: string) => timeIn(iso, zone).slice(0, -3);
  const out: string[] = [];
  out.push('Paused jobs:');
  out.push(
    snapshot.pauses.length
      ? table(
          snapshot.pauses.map((p) => [
            `  ${p.job}`,
            p.until ? `until ${when(p.until)}` : 'until resumed',
            p.by,
            p.reason,
          ]),
        )
      : '  none',
  );
  out.push('Held components:');
  out.push(
    snapshot.holds.length
      ? table(
          snapshot.holds.map((h) => [
            `  ${h.component}`,
            h.sha ? h.sha.slice(0, 11) : '(next green)',
            h.mr ? `MR !${h.mr.iid} closed` : h.by,
            h.reason,
          ]),
        )
      : '  none',
  );
  out.push('Freezes:');
  out.push(
    snapshot.freezes.length
      ? table(
          snapshot.freezes.map((f) => [
            `  ${f.name}`,
            f.window
              ? `${f.window.active ? 'NOW' : 'next'} ${when(f.window.since)} → ${when(f.window.until)}`
              : 'over',
            f.jobs === 'all' ? 'all jobs' : f.jobs.join(','),
            f.reason,
          ]),
        )
      : '  none',
  );
  out.push(`Recent commands (${zone}):`);
  out.push(
    commands.length
      ? table(commands.map((c) => [`  ${when(c.at)}`, `${c.actor} (${c.via})`, c.ok ? '✓' : '✗', c.command]))
      : '  none',
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}
