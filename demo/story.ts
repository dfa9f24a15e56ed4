import type { RunOutcome } from '../src/runner/runner.js';
import type { Simulator } from '../packages/forge-sandbox/src/simulator.js';

/**
 * A demo story tells one seed's tale on the simulator: it seeds projects, contributes its job's
 * config section, then plays scripted steps (change the world, run the job, advance time).
 * Each job's story is demo/stories/<job>.ts; demo/stories/index.ts lists them in order.
 */

export interface DemoWorld {
  sim: Simulator;
  /** Forge names in the generated config. */
  forges: { gitlab: string; github: string };
  /** The bot's account (one user, one token, valid on both simulated forges). */
  bot: { username: string; token: string };
  /** Slack channel name in the generated config (messages land in a local receiver). */
  slackChannel: string;
  /** Create (or reuse) a human user with a token. */
  user(username: string): { username: string; token: string };
}

export interface DemoPlay extends DemoWorld {
  /** A line of narrative in the report. */
  say(text: string): void;
  /** Run the job now (manual trigger); the report shows the result, Slack messages and check-ins. */
  run(options?: {
    args?: Record<string, unknown>;
    dryRun?: boolean;
    label?: string;
    trigger?: 'manual' | 'schedule';
  }): Promise<RunOutcome>;
  /** Move simulated time forward (CI progresses, auto-merges happen). */
  advance(ms: number): Promise<void>;
}

export interface DemoStory {
  job: string;
  title: string;
  /** Seed the simulator; return this job's config section. */
  setup(world: DemoWorld): Promise<Record<string, unknown>>;
  play(play: DemoPlay): Promise<void>;
  /**
   * Stop what `setup` started besides the simulator (fake health, Sentry or Prometheus servers):
   * `play` stops them itself, but the sandbox seeds stories and never plays them. Idempotent.
   */
  teardown?(): Promise<void>;
}
