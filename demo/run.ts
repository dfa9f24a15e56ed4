import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stories as allStories } from './stories/index.js';
import { openApp } from '../app/app.js';
import { formatRun } from '../app/commands/format.js';
import { errorMessage } from '../src/errors.js';
import { createLogger } from '../src/log/logger.js';
import type { RunOutcome } from '../src/runner/runner.js';
import type { DemoPlay, DemoStory } from './story.js';
import { setupDemo } from './world.js';

/**
 * `release-bot demo` (and `npm start`): every job's story against the simulator, told in order,
 * with what each run decided and did, the Slack messages it sent and the Sentry check-ins.
 */

export interface DemoRunReport {
  story: string;
  job: string;
  label: string;
  status: string;
  summary: string;
  slack: { channel: string; text: string }[];
  checkIns: string[];
}

export interface DemoReport {
  ok: boolean;
  simulator: { gitlab: string; github: string };
  stories: { title: string; job: string; ok: boolean; error?: string; narrative: string[] }[];
  runs: DemoRunReport[];
}

export async function runDemo(
  options: { json?: boolean; stories?: DemoStory[]; write?: (text: string) => void } = {},
): Promise<DemoReport> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const print = (text = '') => {
    if (!options.json) write(`${text}\n`);
  };
  const dir = await mkdtemp(join(tmpdir(), 'release-bot-demo-'));
  const setup = await setupDemo({ dir, stories: options.stories ?? allStories });
  const { world, slack, sentry } = setup;
  const logger = await createLogger({ level: process.env.RELEASE_BOT_LOG_LEVEL ?? 'warn' });
  // Jobs see the simulator's clock, so ages (stale MRs, windows) match what the simulator shows.
  const app = await openApp({ configPath: setup.configPath, logger, now: () => world.sim.clock.now() });
  const report: DemoReport = {
    ok: setup.failures.length === 0,
    simulator: { gitlab: world.sim.gitlab.url, github: world.sim.github.url },
    stories: setup.failures.map((f) => ({
      title: f.story,
      job: '',
      ok: false,
      error: f.error,
      narrative: [],
    })),
    runs: [],
  };

  print('release-bot demo');
  print('================');
  print(`GitLab simulator: ${world.sim.gitlab.url}   GitHub simulator: ${world.sim.github.url}`);
  print(`Slack and Sentry are local receivers; the config used is ${setup.configPath}`);
  for (const failure of setup.failures) print(`\n✗ could not set up "${failure.story}": ${failure.error}`);

  try {
    for (const story of setup.stories) {
      const entry = {
        title: story.title,
        job: story.job,
        ok: true,
        narrative: [] as string[],
      } as DemoReport['stories'][number];
      report.stories.push(entry);
      print('');
      print(`## ${story.title}`);
      const play: DemoPlay = {
        ...world,
        say(text) {
          entry.narrative.push(text);
          print(`   ${text}`);
        },
        async advance(ms) {
          await world.sim.advance(ms);
        },
        async run(runOptions = {}): Promise<RunOutcome> {
          const slackBefore = slack.messages.length;
          const sentryBefore = sentry.checkIns().length;
          const label =
            runOptions.label ?? `release-bot run ${story.job}${runOptions.dryRun ? ' --dry-run' : ''}`;
          print('');
          print(`$ ${label}`);
          const outcome = await app.runner.run(story.job, {
            trigger: runOptions.trigger ?? 'manual',
            dryRun: runOptions.dryRun,
            args: runOptions.args,
          });
          await app.sentry.flush(3000);
          const messages = slack.messages
            .slice(slackBefore)
            .map((m) => ({ channel: m.channel, text: m.payload.text ?? '' }));
          const checkIns = sentry
            .checkIns()
            .slice(sentryBefore)
            .map((c) => `${c.monitor_slug}: ${c.status}`);
          print(indent(formatRun(outcome.run, outcome.result)));
          for (const m of messages) print(indent(`Slack #${m.channel}: ${m.text.split('\n').join(' / ')}`));
          if (checkIns.length) print(indent(`Sentry check-ins: ${checkIns.join(', ')}`));
          report.runs.push({
            story: story.title,
            job: story.job,
            label,
            status: outcome.run.status,
            summary: outcome.run.summary,
            slack: messages,
            checkIns,
          });
          return outcome;
        },
      };
      try {
        await story.play(play);
      } catch (error) {
        entry.ok = false;
        entry.error = errorMessage(error);
        report.ok = false;
        print(`   ✗ the story stopped: ${entry.error}`);
      }
    }
  } finally {
    await app.close();
    await setup.close();
    await rm(dir, { recursive: true, force: true });
  }

  print('');
  print('Summary');
  print('-------');
  for (const s of report.stories) print(`${s.ok ? '✓' : '✗'} ${s.title}${s.error ? ` — ${s.error}` : ''}`);
  print(
    `${report.runs.length} runs; ${report.runs.reduce((n, r) => n + r.slack.length, 0)} Slack messages; nothing left running.`,
  );
  if (options.json) write(`${JSON.stringify(report, null, 2)}\n`);
  return report;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `   ${line}` : line))
    .join('\n');
}
