import { writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openApp } from '../../../app/app.js';
import { silentLogger } from '../../../src/log/logger.js';
import type { RunOutcome, RunRequest } from '../../../src/runner/runner.js';
import {
  pollUntil,
  readBody,
  startLocalServer,
  type LocalServer,
} from '../../../packages/forge-sandbox/src/receivers/local-server.js';
import type { SentryReceiver } from '../../../packages/forge-sandbox/src/receivers/sentry-receiver.js';
import {
  startSlackReceiver,
  type ReceivedSlackMessage,
  type SlackReceiver,
} from '../../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import { simulatorForges } from '../../../packages/forge-sandbox/src/bot-forges.js';
import { startSimulator, type Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { collect, spawnCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import {
  compareCounts,
  compareSnapshots,
  countBy,
  idNormaliser,
  isJobEvent,
  normalise,
  sentryKey,
  snapshot,
} from './snapshot.js';

/**
 * Crash points: a job's run is a real `release-bot run <job>` process, killed with SIGKILL right
 * after its N-th write. The simulator (and a Slack webhook proxy consulting the same fault
 * injector) hangs the (N+1)-th write of the run — forge API request, git push or Slack POST — so
 * writes 1..N are complete and nothing after them happened; once the hang shows, the process is
 * killed. Then the job runs again, normally, and must converge: the same forge state, Slack
 * messages and Sentry alerts as a run that was never killed, with no duplicate and nothing lost.
 * N goes over every write a fault-free run of the scenario makes.
 */

/** Every write of a run: anything but GET/HEAD, except git fetches (a POST that only reads). */
export const WRITES = /^(?:POST|PUT|PATCH|DELETE) (?!.*git-upload-pack)/;

export interface CrashWorld {
  sim: Simulator;
  /** Messages that reached Slack (through the proxy). */
  slack: SlackReceiver;
  /** Slack POSTs the proxy saw, and whether it is holding one. */
  slackPosts(): number;
  /** For each Slack POST, the request log's sequence number when it arrived. */
  slackPostedAfter(): number[];
  slackHung(): boolean;
  configPath: string;
  storePath: string;
  close(): Promise<void>;
}

export interface CrashScenario {
  job: string;
  /** What the scenario shows (for the test title and report). */
  title: string;
  /** CLI arguments after `run <job>`, and the same as runner args for the in-process runs. */
  cli: string[];
  args: Record<string, unknown>;
  /** A fresh world in the state just before the run. */
  world(env: CrashEnv): Promise<CrashWorld>;
  /**
   * A documented at-most-once window: given the write that hung, the messages (patterns over
   * `messageKey`) allowed to be missing, and problems if the job did not record it as designed.
   */
  atMostOnce?: (hung: HungWrite, world: CrashWorld) => Promise<{ allowed: RegExp[]; problems: string[] }>;
  /**
   * Per-run summaries (patterns over `messageKey`): they tell what the run that sends them did,
   * so after a crash their wording differs ("1 promoted, 1 already done"); they are compared by
   * count (one per pattern, as without the crash), not by text.
   */
  summaries?: RegExp[];
}

export interface CrashEnv {
  /** Simulated start time shared by every world of a scenario (so commit shas match). */
  start: Date;
  /** Where the bot's Sentry events go (none: Sentry off). */
  sentry?: SentryReceiver;
}

export interface HungWrite {
  kind: 'forge' | 'slack';
  what: string;
}

export interface CrashPoint {
  n: number;
  hung: HungWrite | null;
  problems: string[];
  /** Messages missing by the at-most-once design (asserted, not a failure). */
  notResent: string[];
}

export interface CrashReport {
  job: string;
  title: string;
  writes: string[];
  points: CrashPoint[];
}

/** Seeds a world for one scenario: a simulator, Slack behind a hanging proxy, a config and a store. */
export async function crashWorld(
  env: CrashEnv,
  input: {
    seed(sim: Simulator): Promise<void>;
    jobs(sim: Simulator): Record<string, unknown>;
    extra?: Record<string, unknown>;
    /** In-process runs that bring the world to the state before the crash run (first runs, approvals). */
    before?(
      world: CrashWorld,
      run: (job: string, request?: Partial<RunRequest>) => Promise<RunOutcome>,
    ): Promise<void>;
    servers?: LocalServer[];
    close?(): Promise<void>;
  },
): Promise<CrashWorld> {
  const tmp = tempDir('release-bot-crash-');
  const sim = await startSimulator({ dir: join(tmp.dir, 'sim'), start: env.start });
  const slack = await startSlackReceiver();
  // Sequence numbers of the simulator's request log at each Slack POST, to order all writes.
  const posts: number[] = [];
  let hung = false;
  const proxy = await startLocalServer(async (req: IncomingMessage, res) => {
    const body = await readBody(req);
    const decision = sim.faults.decide(
      'slack',
      req.method ?? 'POST',
      `${req.method ?? 'POST'} /services/:channel`,
    );
    posts.push(sim.mark());
    if (decision.kind === 'hang') {
      // Never answered and never delivered: the process dies waiting.
      hung = true;
      return;
    }
    const answer = await fetch(`${slack.baseUrl}${req.url ?? '/'}`, {
      method: req.method,
      headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json') },
      body,
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
    res.end(await answer.text());
  });
  const { token } = sim.createUser('release-bot', { name: 'Release Bot', bot: true });
  await input.seed(sim);
  const storePath = join(tmp.dir, 'state.db');
  const config = {
    timezone: 'UTC',
    forges: simulatorForges(sim, token, 0),
    slack: {
      defaultChannel: 'releases',
      channels: {
        releases: { webhookUrl: `${proxy.baseUrl}/services/releases` },
        oncall: { webhookUrl: `${proxy.baseUrl}/services/oncall`, mention: '<!subteam^S0ONCALL>' },
      },
    },
    ...(env.sentry ? { sentry: { dsn: env.sentry.dsn, environment: 'crash' } } : {}),
    store: { path: storePath },
    ...input.extra,
    jobs: input.jobs(sim),
  };
  const configPath = join(tmp.dir, 'release-bot.yaml');
  writeFileSync(configPath, stringify(config));
  const world: CrashWorld = {
    sim,
    slack,
    slackPosts: () => posts.length,
    slackPostedAfter: () => [...posts],
    slackHung: () => hung,
    configPath,
    storePath,
    async close() {
      await proxy.close();
      await slack.close();
      for (const s of input.servers ?? []) await s.close();
      await input.close?.();
      await sim.close();
      tmp.cleanup();
    },
  };
  if (input.before) await input.before(world, (job, request) => runInProcess(world, job, request));
  return world;
}

/**
 * A normal run of the bot in this process against a world (the same wiring as the CLI). It sees
 * the simulator's clock, so cursors it leaves match the simulated times of what it read; the
 * killed process sees the wall clock, which is ahead (worlds start in the past).
 */
export async function runInProcess(
  world: CrashWorld,
  job: string,
  request: Partial<RunRequest> = {},
): Promise<RunOutcome> {
  const app = await openApp({
    configPath: world.configPath,
    logger: silentLogger(),
    now: () => world.sim.clock.now(),
  });
  try {
    const outcome = await app.runner.run(job, { trigger: 'manual', ...request });
    await app.sentry.flush(30_000);
    return outcome;
  } finally {
    await app.close();
  }
}

function forgeWrites(sim: Simulator): string[] {
  return sim
    .requests()
    .filter((r) => WRITES.test(r.route) && !r.fault)
    .map((r) => `${r.route}${r.detail ? ` ${JSON.stringify(r.detail)}` : ''}`);
}

/** A Slack message as it should arrive, whatever the run: durations and local origins blanked. */
export function messageKey(message: ReceivedSlackMessage, ids: (text: string) => string = normalise): string {
  const text = ids(message.payload.text ?? '').replace(/\b(?:\d+[dhms])+\b/g, '<age>');
  return `#${message.channel} ${text.split('\n')[0]}`;
}

interface Outcome {
  state: Awaited<ReturnType<typeof snapshot>>;
  messages: Map<string, number>;
  alerts: Map<string, number>;
}

async function outcomeOf(
  world: CrashWorld,
  sentry: SentryReceiver | undefined,
  runIds: string[],
  summaries: RegExp[] = [],
): Promise<Outcome> {
  const runs = new Set(runIds);
  const ids = idNormaliser(world.sim);
  const key = (m: ReceivedSlackMessage) => {
    const text = messageKey(m, ids);
    const summary = summaries.find((re) => re.test(text));
    return summary ? `summary ${summary.source}` : text;
  };
  return {
    state: await snapshot(world.sim),
    messages: countBy(world.slack.messages, key),
    alerts: countBy(
      (sentry?.events() ?? []).filter((e) => runs.has(e.tags?.run_id ?? '') && isJobEvent(e)),
      sentryKey,
    ),
  };
}

async function runIdsOf(world: CrashWorld, job: string): Promise<{ id: string; status: string }[]> {
  const store = openSqliteStore(world.storePath);
  try {
    await store.migrate();
    return (await store.listRuns({ job, withoutLogs: true })).map((r) => ({ id: r.id, status: r.status }));
  } finally {
    await store.close();
  }
}

/** The fault-free run, then one killed run + a normal run per write it makes. */
export async function crashSuite(
  scenario: CrashScenario,
  env: CrashEnv,
  options: { concurrency?: number } = {},
): Promise<CrashReport> {
  const reference = await scenario.world(env);
  let expected: Outcome;
  let writes: string[];
  try {
    const before = new Set((await runIdsOf(reference, scenario.job)).map((r) => r.id));
    const mark = reference.sim.mark();
    const slackBefore = reference.slackPosts();
    const { run } = await runInProcess(reference, scenario.job, { args: scenario.args });
    if (run.status === 'failed' || run.status === 'aborted')
      throw new Error(`the fault-free run of ${scenario.job} failed: ${run.summary}`);
    const timeline = reference.sim
      .requests({ since: mark })
      .filter((r) => WRITES.test(r.route))
      .map((r) => ({ seq: r.seq, what: `${r.route}${r.detail ? ` ${JSON.stringify(r.detail)}` : ''}` }));
    for (const seq of reference.slackPostedAfter().slice(slackBefore))
      timeline.push({ seq: seq + 0.5, what: 'POST Slack webhook' });
    writes = timeline.sort((a, b) => a.seq - b.seq).map((w) => w.what);
    const ids = (await runIdsOf(reference, scenario.job)).map((r) => r.id).filter((id) => !before.has(id));
    expected = await outcomeOf(reference, env.sentry, ids, scenario.summaries);
  } finally {
    await reference.close();
  }

  const points: CrashPoint[] = [];
  const queue = writes.map((_, n) => n);
  const worker = async (): Promise<void> => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift())
      points.push(await crashAt(scenario, env, n, expected));
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  points.sort((a, b) => a.n - b.n);
  return { job: scenario.job, title: scenario.title, writes, points };
}

async function crashAt(
  scenario: CrashScenario,
  env: CrashEnv,
  n: number,
  expected: Outcome,
): Promise<CrashPoint> {
  const world = await scenario.world(env);
  const point: CrashPoint = { n, hung: null, problems: [], notResent: [] };
  try {
    const before = new Set((await runIdsOf(world, scenario.job)).map((r) => r.id));
    const forgeBefore = forgeWrites(world.sim).length;
    const slackBefore = world.slackPosts();
    world.sim.addFault({ route: WRITES, hangRate: 1, after: n, times: 1 });
    const child = spawnCli(['--config', world.configPath, 'run', scenario.job, ...scenario.cli], {
      env: { RELEASE_BOT_LEASE_TTL_SECONDS: '2', RELEASE_BOT_LOG_LEVEL: 'warn' },
    });
    const done = collect(child);
    let exited = false;
    void done.then(() => (exited = true));
    await pollUntil(
      () => exited || world.slackHung() || world.sim.requests().some((r) => r.fault === 'hang'),
      60_000,
      `write ${n + 1} of ${scenario.job} to hang`,
    );
    if (exited) {
      const result = await done;
      point.problems.push(
        `the run ended (exit ${result.code}) before its write ${n + 1}: ${result.stdout.slice(0, 300)}`,
      );
      return point;
    }
    child.kill('SIGKILL');
    await done;
    const hang = world.sim.requests().find((r) => r.fault === 'hang');
    point.hung = hang
      ? { kind: 'forge', what: `${hang.method} ${hang.path}` }
      : { kind: 'slack', what: 'Slack webhook POST' };
    world.sim.clearFaults();
    const completed =
      forgeWrites(world.sim).length -
      forgeBefore +
      (world.slackPosts() - slackBefore - (world.slackHung() ? 1 : 0));
    if (completed !== n) point.problems.push(`${completed} writes completed before the kill, expected ${n}`);

    // The next run, normally (it waits for the dead process's lease to expire).
    const { run } = await runInProcess(world, scenario.job, { args: scenario.args, leaseWaitMs: 6000 });
    if (run.status === 'failed' || run.status === 'aborted')
      point.problems.push(`the run after the crash ${run.status}: ${run.summary}`);
    const runs = (await runIdsOf(world, scenario.job)).filter((r) => !before.has(r.id));
    const killed = runs.filter((r) => r.id !== run.id);
    if (killed.length !== 1 || killed[0]!.status !== 'aborted')
      point.problems.push(
        `the killed run is recorded as ${JSON.stringify(killed)}, expected one aborted run`,
      );
    if (runs.some((r) => r.status === 'running')) point.problems.push('a run is left running');

    const got = await outcomeOf(
      world,
      env.sentry,
      runs.map((r) => r.id),
      scenario.summaries,
    );
    point.problems.push(...compareSnapshots(expected.state, got.state));
    const slack = compareCounts(expected.messages, got.messages);
    const window = point.hung && scenario.atMostOnce ? await scenario.atMostOnce(point.hung, world) : null;
    point.problems.push(...(window?.problems ?? []));
    for (const line of slack.lost) {
      const key = line.replace(/^\d+× fewer: /, '');
      if (window?.allowed.some((re) => re.test(key))) point.notResent.push(key);
      else point.problems.push(`Slack lost: ${line}`);
    }
    point.problems.push(...slack.duplicated.map((d) => `Slack duplicate: ${d}`));
    const alerts = compareCounts(expected.alerts, got.alerts);
    point.problems.push(...alerts.duplicated.map((d) => `Sentry duplicate: ${d}`));
    point.problems.push(...alerts.lost.map((d) => `Sentry lost: ${d}`));
    return point;
  } catch (error) {
    point.problems.push(`crash point failed: ${(error as Error).message}`);
    return point;
  } finally {
    await world.close();
  }
}
