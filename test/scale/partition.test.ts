import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openApp } from '../../app/app.js';
import { silentLogger } from '../../src/log/logger.js';
import type { SimForge } from '../../packages/forge-sandbox/src/core/model.js';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { collect, spawnCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writePart } from '../reliability/support/figures.js';
import { startHttpTap, type HttpTap, type TappedRequest } from '../support/http-tap.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { pgTestUrl, schemaUrl } from './pg.js';
import { holderPid, waitFor } from './replica.js';

/**
 * The partitioned replica (issue 27). Two replicas of the bot share one PostgreSQL database.
 * Replica A (a real `release-bot run update-component` process) reaches the database through a
 * proxy that can silently drop all traffic, and the forge through a tap that notes what A sent.
 * A plans a stale bump MR's update, and the forge never answers its first write (the simulator
 * hangs it: nothing written). Right then A's database link goes dark: no error, no answer.
 * Replica B (in this process, database reachable) waits for A's lease to expire and runs the job
 * in full. A must not write to the forge again — not even the retry of its hung write — must give
 * up on its own within a bounded time, and the forge must end as one clean run left it: one
 * bump commit, the MR updated once, approved, auto-merge armed on B's head.
 */

const url = pgTestUrl('partition test: a replica that loses its database link');
const HOUR = 3_600_000;
/** Every write of a run: anything but GET/HEAD, except git fetches (a POST that only reads). */
const WRITE = /^(?:POST|PUT|PATCH|DELETE)\b/;
/** A write as sent: git fetches and GraphQL queries are POSTs that only read. */
const isWrite = (r: TappedRequest) =>
  WRITE.test(r.method) &&
  !/git-upload-pack/.test(r.path) &&
  !(/\/graphql$/.test(r.path) && !/\bmutation\b/.test(r.bodyStart));
/** A generous bound for "gives up on its own": the lease TTL is 5 s, store calls time out after 5 s. */
const GIVE_UP_BOUND_MS = 60_000;

interface Figures {
  forge: SimForge;
  writesAfterLoss: number;
  writeAttemptsBeforeLoss: number;
  giveUpMs: number | null;
  problems: string[];
  /** Set once every check ran and none found a problem. */
  held: boolean;
}
const figures: Figures[] = [];

async function seed(sim: Simulator, forge: SimForge): Promise<{ botToken: string; approver: string }> {
  const { token: botToken } = sim.createUser('release-bot', { name: 'Release Bot', bot: true });
  sim.createUser('dev');
  const approver = sim.createUser('approver').token;
  await sim.createProject({ forge, path: 'org/gitaly', members: ['release-bot:20', 'dev'] });
  const gitaly = sim.project(forge, 'org/gitaly');
  const root = (await gitaly.repo.branchSha(gitaly.defaultBranch))!;
  await sim.ci.createPipeline({
    project: gitaly,
    ref: gitaly.defaultBranch,
    sha: root,
    userId: 1,
    outcome: { result: 'success' },
  });
  await sim.createProject({
    forge,
    path: 'org/gitlab',
    members: ['release-bot', 'dev', 'approver'],
    files: { GITALY_SERVER_VERSION: `${root}\n` },
    allowAutoMerge: true,
  });
  sim.setCi(forge, 'org/gitlab', { branch: 'release-bot/update-gitaly' }, { result: 'stuck' });
  await sim.advance(HOUR);
  await sim.push({ forge, project: 'org/gitaly', files: { a: 'a' }, message: 'Add a', username: 'dev' });
  await sim.advance(HOUR);
  return { botToken, approver };
}

function config(input: {
  forge: SimForge;
  forgeUrl: string;
  token: string;
  approver: string;
  storeUrl: string;
  slack: string;
}): Record<string, unknown> {
  const forgeConfig =
    input.forge === 'gitlab'
      ? { type: 'gitlab', url: input.forgeUrl }
      : { type: 'github', url: input.forgeUrl, apiUrl: input.forgeUrl };
  return {
    timezone: 'UTC',
    // One retry, so a hung write would be tried again once the forge client gives up on it.
    forges: { main: { ...forgeConfig, token: input.token, retries: 1, timeoutSeconds: 20 } },
    slack: { defaultChannel: 'releases', channels: { releases: { webhookUrl: input.slack } } },
    store: { url: input.storeUrl },
    jobs: {
      'update-component': {
        components: [
          {
            name: 'gitaly',
            source: { forge: 'main', project: 'org/gitaly' },
            target: { forge: 'main', project: 'org/gitlab', versionFile: 'GITALY_SERVER_VERSION' },
            approverToken: input.approver,
            staleAfter: '30m',
          },
        ],
      },
    },
  };
}

describe.skipIf(!url)('a replica that loses its database link stops writing and gives up', () => {
  afterAll(() => {
    const after = figures.reduce((n, f) => n + f.writesAfterLoss, 0);
    const slowest = Math.max(...figures.map((f) => f.giveUpMs ?? Infinity));
    const held = figures.filter((f) => f.held).length;
    writePart('fencing-partition', {
      summary: `fencing, partitioned replica on PostgreSQL (${figures.map((f) => f.forge).join(', ')}): ${after} forge writes after its lease was lost (its hung write not retried), gave up ${Number.isFinite(slowest) ? `within ${(slowest / 1000).toFixed(1)} s` : 'never'} (bound ${GIVE_UP_BOUND_MS / 1000} s); no second bump commit, auto-merge not aborted`,
      checked: figures.length,
      held,
      runs: figures,
    });
  });

  it.each(['gitlab', 'github'] as const)(
    '%s: replica A writes nothing after its lease is taken over, and exits on its own',
    async (forge) => {
      const tmp = tempDir('release-bot-partition-');
      const schema = `t_partition_${forge}_${randomBytes(4).toString('hex')}`;
      const direct = schemaUrl(url!, schema);
      const target = new URL(url!);
      let sim: Simulator | undefined;
      let slack: SlackReceiver | undefined;
      let slackA: SlackReceiver | undefined;
      let proxy: TcpProxy | undefined;
      let tap: HttpTap | undefined;
      let a: ReturnType<typeof spawnCli> | undefined;
      const figure: Figures = {
        forge,
        writesAfterLoss: 0,
        writeAttemptsBeforeLoss: 0,
        giveUpMs: null,
        problems: [],
        held: false,
      };
      figures.push(figure);
      try {
        sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
        const { botToken, approver } = await seed(sim, forge);
        slack = await startSlackReceiver();
        slackA = await startSlackReceiver();
        proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
        // Both replicas act as the bot user, A with a token of its own, through one tap.
        tap = await startHttpTap(forge === 'gitlab' ? sim.gitlab.url : sim.github.url);
        sim.world.webUrl[forge] = tap.url;
        const tokenA = sim.world.createToken('release-bot');
        const basicA = Buffer.from(`oauth2:${tokenA}`).toString('base64');
        const sentByA = (r: TappedRequest) => r.credential.includes(tokenA) || r.credential.includes(basicA);
        const configB = join(tmp.dir, 'b.yaml');
        const configA = join(tmp.dir, 'a.yaml');
        const common = { forge, approver, forgeUrl: tap.url };
        writeFileSync(
          configB,
          stringify(config({ ...common, token: botToken, storeUrl: direct, slack: slack.url('releases') })),
        );
        writeFileSync(
          configA,
          stringify(
            config({
              ...common,
              token: tokenA,
              storeUrl: proxy.via(direct),
              slack: slackA.url('releases'),
            }),
          ),
        );
        const runB = async (leaseWaitMs = 0) => {
          const app = await openApp({
            configPath: configB,
            logger: silentLogger(),
            now: () => sim!.clock.now(),
          });
          try {
            return await app.runner.run('update-component', { trigger: 'manual', leaseWaitMs });
          } finally {
            await app.close();
          }
        };

        // The bump MR exists (an earlier run); a newer green commit makes it out of date and stale.
        expect((await runB()).run.status).toBe('ok');
        await sim.push({
          forge,
          project: 'org/gitaly',
          files: { b: 'b' },
          message: 'Add b',
          username: 'dev',
        });
        await sim.advance(HOUR);

        // The forge never answers A's first write (and does not perform it).
        sim.addFault({
          route: /^(?:POST|PUT|PATCH|DELETE) (?!.*(?:git-upload-pack|\/graphql))/,
          hangRate: 1,
          times: 1,
        });
        a = spawnCli(['--config', configA, 'run', 'update-component'], {
          env: { RELEASE_BOT_LEASE_TTL_SECONDS: '5', RELEASE_BOT_STORE_TIMEOUT_SECONDS: '5' },
        });
        let exit: CliResult | undefined;
        const exited = collect(a).then((result) => (exit = result));
        let output = '';
        a.stdout?.on('data', (d: Buffer) => (output += d.toString()));
        a.stderr?.on('data', (d: Buffer) => (output += d.toString()));
        await waitFor(
          "A's first write to hang",
          () => exit !== undefined || sim!.requests().some((r) => r.fault === 'hang'),
          60_000,
        );
        expect(exit, `A ended before its first write: ${output.slice(-2000)}`).toBeUndefined();
        const hung = sim.requests().find((r) => r.fault === 'hang')!;

        // A's database link goes dark; the lease A holds expires in the database.
        const lostAt = Date.now();
        proxy.blackhole();
        figure.writeAttemptsBeforeLoss = tap.requests().filter((r) => sentByA(r) && isWrite(r)).length;

        // B takes the expired lease and runs the job in full.
        const b = await runB(60_000);
        expect(b.run.status, b.run.summary).toBe('ok');

        // A must give up on its own: no forge write, its process ends.
        await waitFor('A to exit', () => exit !== undefined, GIVE_UP_BOUND_MS).catch((error: Error) =>
          figure.problems.push(`${error.message}: A did not give up (${output.slice(-1500)})`),
        );
        if (exit) figure.giveUpMs = Date.now() - lostAt;
        else a.kill('SIGKILL');
        await exited;

        const late = tap
          .requests()
          .filter((r) => sentByA(r) && r.at >= lostAt && isWrite(r))
          .map((r) => `${r.method} ${r.path}`);
        figure.writesAfterLoss = late.length;
        if (late.length) figure.problems.push(`A wrote after losing its lease: ${late.join(', ')}`);
        if (exit && !/lost the job lease/.test(output))
          figure.problems.push(`A did not say it lost its lease: ${output.slice(-1500)}`);

        // The forge is as one clean run left it.
        const project = sim.project(forge, 'org/gitlab');
        const head = (await project.repo.branchSha('release-bot/update-gitaly'))!;
        const commits = await project.repo.countCommits(head, project.defaultBranch);
        if (commits !== 1) figure.problems.push(`the bump branch has ${commits} commits, expected 1`);
        // No second bump commit: the branch holds the one B made.
        const made = b.result?.actions.find((x) => x.kind === 'commit-version')?.url ?? '';
        if (!made.endsWith(head))
          figure.problems.push(`the bump branch is at ${head}, not at the commit B made (${made})`);
        const open = sim.world.mergeRequestsOf(project).filter((mr) => mr.state === 'opened');
        if (open.length !== 1) figure.problems.push(`${open.length} open bump MRs, expected 1`);
        // Auto-merge, where B could arm it already (GitLab waits for the new pipeline), is on the head.
        if (open[0]?.autoMerge && open[0].autoMerge.sha !== head)
          figure.problems.push(`auto-merge is armed on ${open[0].autoMerge.sha}, not on the head ${head}`);
        // The hung write was never performed, and never retried.
        if (
          sim.requests().filter((r) => r.seq > hung.seq && r.route === hung.route && r.path === hung.path)
            .length > 1
        )
          figure.problems.push(`${hung.route} was sent again after the hang`);

        // A's run is recorded as aborted (by B's takeover, or by A if the store answered again).
        const store = openPostgresStore(direct);
        try {
          const runs = await store.listRuns({ job: 'update-component', withoutLogs: true });
          const aRun = runs.find((r) => holderPid(r.holder) === a!.pid);
          if (aRun?.status !== 'aborted')
            figure.problems.push(`A's run is recorded as ${aRun?.status ?? 'missing'}, expected aborted`);
        } finally {
          await store.close();
        }
        expect(figure.problems).toEqual([]);
        figure.held = true;
      } finally {
        if (a && a.exitCode === null && a.signalCode === null) a.kill('SIGKILL');
        await proxy?.close();
        await tap?.close();
        await slack?.close();
        await slackA?.close();
        await sim?.close();
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
        await admin.end();
        tmp.cleanup();
      }
    },
    150_000,
  );
});
