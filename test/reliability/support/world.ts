import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { jobs as allJobs } from '../../../app/jobs.js';
import { createVerifyDeploymentJob } from '../../../jobs/verify-deployment/index.js';
import { openApp, type App } from '../../../app/app.js';
import { silentLogger } from '../../../src/log/logger.js';
import type { JobDefinition } from '../../../src/runner/job.js';
import type { RunOutcome } from '../../../src/runner/runner.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import {
  startSlackReceiver,
  type SlackReceiver,
} from '../../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import { startFakeService } from '../../../packages/forge-sandbox/src/services/health.js';
import {
  startFakeSentryApi,
  type FakeSentryApi,
} from '../../../packages/forge-sandbox/src/services/sentry-api.js';
import type { PushEvent } from '../../../packages/forge-sandbox/src/core/world.js';
import { DEPLOYER, SOURCE, TASKS, seedAutoDeployProjects, shipPackage } from '../../helpers/deployments.js';
import { simulatorForges } from '../../../packages/forge-sandbox/src/bot-forges.js';
import { startSimulator, type Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * The reliability world: every job of the bot at once on one simulator, over a scenario that
 * changes under them cycle after cycle — component commits green, red, flaky and stuck; a
 * consuming repo whose default branch breaks and is fixed; bump MRs that merge, fail (broken
 * branch, regression) or hang; stable branches that need an approval (ignored from a bystander,
 * given by the approver); auto-deploy packages with and without post-deploy migrations, some of
 * them unhealthy; release versions staged for promotion. The scenario is a pure function of the
 * cycle number, so a run with faults and a fault-free run can be compared state for state.
 */

export const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Jobs in the order a cycle runs them (the scheduler fires them together; sequential keeps it comparable). */
export const JOBS = [
  'update-component',
  'report-pipeline-failures',
  'move-stable-branches',
  'track-post-deploy-migrations',
  'verify-deployment',
  'promote-packages',
] as const;

/** The only mention allowed to ping: configured for the component's team and the on-call channel. */
export const TEAM_MENTION = '<!subteam^S0GITALY>';
export const ONCALL_MENTION = '<!subteam^S0ONCALL>';
/** A commit title that tries to ping everyone. */
export const INJECTION = 'fix <!channel> @here <@U123>';

const GITALY_BRANCH = 'release-bot/update-gitaly';
const SHELL_BRANCH = 'release-bot/update-shell';
const STAGING = 'omnibus/staging';
const PUBLIC = 'omnibus/public';

export interface WorldOptions {
  /** Sentry DSN shared by the worlds of one process (the SDK is process-wide). */
  sentryDsn?: string;
  /** Forge HTTP retries (`forges.<name>.retries`). */
  retries?: number;
  /** Whole-run retries of transient failures (`jobs.<job>.retries`). */
  jobRetries?: number;
  /** Simulator fault seed. */
  seed?: number;
}

export interface ReliabilityWorld {
  sim: Simulator;
  slack: SlackReceiver;
  app: App;
  /** Every ref update on both forges, as the simulator saw it (API commits, ref updates, git pushes). */
  pushes: PushEvent[];
  dir: string;
  configPath: string;
  botToken: string;
  /** Config written for the bot (for a CLI process against this world). */
  config: Record<string, unknown>;
  /** Scenario events of a cycle (call with faults off), then the clock moves an hour. */
  events(cycle: number, total: number): Promise<void>;
  /** The runs of a cycle, in order. */
  runs(): { job: string; args?: Record<string, unknown> }[];
  run(job: string, args?: Record<string, unknown>): Promise<RunOutcome>;
  close(): Promise<void>;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic bytes for a package file (so both worlds publish the same digests). */
function packageBytes(label: string): Buffer {
  const chunks: Buffer[] = [];
  let block = Buffer.from(label);
  for (let i = 0; i < 64; i++) {
    block = createHash('sha256').update(block).digest();
    chunks.push(block);
  }
  return Buffer.concat([Buffer.from(`${label}\n`), ...chunks]);
}

export async function startWorld(options: WorldOptions = {}): Promise<ReliabilityWorld> {
  const tmp = tempDir('release-bot-reliability-');
  const sim = await startSimulator({ dir: join(tmp.dir, 'sim'), seed: options.seed ?? 1 });
  const slack = await startSlackReceiver();
  const health = await startFakeService();
  const sentryApi: FakeSentryApi = await startFakeSentryApi({ org: 'packit', now: () => sim.clock.now() });
  health.set('/api/healthz', { status: 200, body: { status: 'ok' } });
  health.set('/-/readiness', { status: 200, body: { status: 'ok' } });

  const { token: botToken } = sim.createUser('release-bot', { name: 'Release Bot', bot: true });
  const pushes: PushEvent[] = [];
  sim.world.onPush((event) => {
    pushes.push(event);
  });
  const tokens: Record<string, string> = {};
  for (const name of ['dev', 'alice', 'bob', 'builder']) tokens[name] = sim.createUser(name).token;

  // update-component: GitLab → GitLab (gitaly) and GitHub → GitHub (shell).
  const gitaly = await sim.createProject({
    forge: 'gitlab',
    path: 'org/gitaly',
    members: ['release-bot:20', 'dev'],
  });
  const gitalyRoot = (await gitaly.repo.branchSha('main'))!;
  await sim.ci.createPipeline({
    project: gitaly,
    ref: 'main',
    sha: gitalyRoot,
    userId: 1,
    outcome: { result: 'success' },
  });
  await sim.createProject({
    forge: 'gitlab',
    path: 'org/gitlab',
    members: ['release-bot', 'dev'],
    files: { GITALY_SERVER_VERSION: `${gitalyRoot}\n`, 'README.md': '# GitLab\n' },
    ciJobs: [
      { name: 'build', stage: 'build', durationMs: 5 * MINUTE },
      { name: 'test', stage: 'test', durationMs: 5 * MINUTE },
      { name: 'flaky-spec', stage: 'test', durationMs: 5 * MINUTE },
    ],
  });
  const shell = await sim.createProject({
    forge: 'github',
    path: 'org/shell',
    members: ['release-bot:20', 'dev'],
  });
  const shellRoot = (await shell.repo.branchSha('main'))!;
  await sim.ci.createPipeline({
    project: shell,
    ref: 'main',
    sha: shellRoot,
    userId: 1,
    outcome: { result: 'success' },
  });
  await sim.createProject({
    forge: 'github',
    path: 'org/app',
    members: ['release-bot', 'dev'],
    files: { SHELL_VERSION: `${shellRoot}\n` },
    protectedBranches: ['main'],
  });

  // move-stable-branches (Packit, seed 003): two repos, the stage canary, the approval repo.
  for (const name of ['packit', 'ogr'])
    await sim.createProject({
      forge: 'gitlab',
      path: `packit/${name}`,
      branches: ['stable'],
      members: ['release-bot', 'alice', 'bob:30'],
      ciEnabled: false,
    });
  await sim.createProject({
    forge: 'gitlab',
    path: 'packit/hello-world',
    members: ['release-bot', 'alice'],
    ciEnabled: false,
  });
  await sim.createProject({
    forge: 'gitlab',
    path: 'packit/deployment',
    members: ['release-bot', 'alice', 'bob:30'],
    ciEnabled: false,
  });

  // track-post-deploy-migrations and verify-deployment (seeds 002, 004).
  await seedAutoDeployProjects(sim, {
    source: {
      members: ['release-bot:20', 'dev'],
      files: { 'README.md': '# GitLab\n', 'db/post_migrate/20220101000000_old.rb': 'class Old; end\n' },
      ciEnabled: false,
    },
    deployerMembers: ['release-bot:30'],
    tasks: { members: ['release-bot:30', 'dev'] },
  });
  sim.createIssue({
    forge: 'gitlab',
    project: TASKS,
    title: 'Release 14.8',
    description: 'Monthly release 14.8',
    labels: ['Monthly Release'],
    username: 'dev',
  });

  // promote-packages (seed 000).
  await sim.createProject({
    forge: 'gitlab',
    path: STAGING,
    visibility: 'private',
    members: ['release-bot:20', 'builder:30'],
    ciEnabled: false,
  });
  await sim.createProject({
    forge: 'gitlab',
    path: PUBLIC,
    visibility: 'public',
    members: ['release-bot:30', 'builder:30'],
    ciEnabled: false,
  });
  await sim.advance(HOUR);

  const forges = simulatorForges(sim, botToken, options.retries ?? 2);
  const common = { retries: options.jobRetries ?? 0 };
  const config = {
    timezone: 'UTC',
    forges,
    slack: {
      defaultChannel: 'releases',
      channels: {
        releases: { webhookUrl: slack.url('releases') },
        oncall: { webhookUrl: slack.url('oncall'), mention: ONCALL_MENTION },
      },
    },
    ...(options.sentryDsn ? { sentry: { dsn: options.sentryDsn, environment: 'reliability' } } : {}),
    store: { path: join(tmp.dir, 'state.db') },
    jobs: {
      'update-component': {
        ...common,
        components: [
          {
            name: 'gitaly',
            source: { forge: 'gitlab', project: 'org/gitaly' },
            target: { forge: 'gitlab', project: 'org/gitlab', versionFile: 'GITALY_SERVER_VERSION' },
            mergeRequest: { labels: ['group::gitaly'] },
            staleAfter: '90m',
            slackChannel: 'oncall',
            mention: TEAM_MENTION,
          },
          {
            name: 'shell',
            source: { forge: 'github', project: 'org/shell' },
            target: { forge: 'github', project: 'org/app', versionFile: 'SHELL_VERSION' },
            staleAfter: '90m',
          },
        ],
      },
      'report-pipeline-failures': {
        ...common,
        slackChannel: 'oncall',
        mergeRequests: [{ forge: 'gitlab', project: 'org/gitlab', mention: TEAM_MENTION }],
        projects: [
          { forge: 'gitlab', project: 'org/gitlab', knownFlaky: ['flaky-*'], mention: TEAM_MENTION },
        ],
      },
      'move-stable-branches': {
        ...common,
        forge: 'gitlab',
        repos: [
          { project: 'packit/packit', dependsOn: [] },
          { project: 'packit/ogr', dependsOn: ['packit'] },
        ],
        validation: {
          ci: { project: 'packit/hello-world', checks: ['stage*'], maxAge: '12h' },
          sentry: {
            url: sentryApi.url,
            org: 'packit',
            authToken: sentryApi.token,
            projects: ['packit-service'],
            environment: 'stage',
            days: 7,
            threshold: 0,
          },
          health: [{ name: 'stage API', url: `${health.url}/api/healthz`, field: 'status', equals: 'ok' }],
        },
        approval: { approvers: ['alice'], project: 'packit/deployment' },
        mention: '@packit-team',
      },
      'track-post-deploy-migrations': {
        ...common,
        deployments: { forge: 'gitlab', project: DEPLOYER, environment: 'gprd', baseline: 'gstg-cny' },
        source: { forge: 'gitlab', project: SOURCE },
        releaseIssue: {
          forge: 'gitlab',
          project: TASKS,
          labels: ['Monthly Release'],
          title: 'Release {major}.{minor}',
        },
        postDeployMigrationsNote: true,
      },
      'verify-deployment': {
        ...common,
        slackChannel: 'oncall',
        rollback: 'auto',
        window: '1m',
        interval: '30s',
        targets: [
          {
            name: 'production',
            forge: 'gitlab',
            project: DEPLOYER,
            environment: 'gprd',
            health: { checks: [{ name: 'readiness', url: `${health.url}/-/readiness` }] },
            mention: ONCALL_MENTION,
          },
        ],
      },
      'promote-packages': {
        ...common,
        staging: { forge: 'gitlab', project: STAGING },
        public: { forge: 'gitlab', project: PUBLIC },
        packages: [{ name: 'gitlab-ce' }, { name: 'gitlab-ee' }],
        retry: { attempts: 6, delay: '50ms' },
      },
    },
  };
  const configPath = join(tmp.dir, 'release-bot.yaml');
  writeFileSync(configPath, stringify(config));

  // The window's samples are taken back to back: a run's sim time never depends on its retries.
  const verify = createVerifyDeploymentJob({ sleep: async () => undefined });
  const jobs: JobDefinition[] = allJobs.map((j) => (j.name === 'verify-deployment' ? verify : j));
  const app = await openApp({
    configPath,
    logger: silentLogger(),
    jobs,
    now: () => sim.clock.now(),
    retryBaseMs: 5,
  });

  // Scenario state: what has been staged, cut and deployed so far.
  let promoted = '';
  const packages: { tag: string; bad: boolean }[] = [];
  let omnibus = 0x4ce763dbce0;

  async function api(forge: SimForge, user: string, method: string, path: string, body?: unknown) {
    const base = forge === 'gitlab' ? `${sim.gitlab.url}/api/v4` : sim.github.apiUrl;
    const auth: Record<string, string> =
      forge === 'gitlab' ? { 'private-token': tokens[user]! } : { authorization: `token ${tokens[user]!}` };
    const raw = typeof body === 'string' || Buffer.isBuffer(body);
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(raw ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : raw ? (body as string | Buffer) : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  }

  const push = (forge: SimForge, project: string, message: string, branch?: string) =>
    sim.push({
      forge,
      project,
      branch,
      files: { [`changes/${message.replace(/[^\w]+/g, '-').slice(0, 40)}.txt`]: `${message}\n` },
      message,
      username: forge === 'gitlab' && project.startsWith('packit/') ? 'alice' : 'dev',
    });

  function openApprovalIssue(): number | undefined {
    const project = sim.project('gitlab', 'packit/deployment');
    const bot = sim.world.userByName('release-bot')!;
    return sim.world.issues
      .filter((i) => i.projectId === project.id && i.state === 'opened' && i.authorId === bot.id)
      .sort((a, b) => b.iid - a.iid)[0]?.iid;
  }

  async function stage(state: 'success' | 'failed'): Promise<void> {
    const head = (await sim.project('gitlab', 'packit/hello-world').repo.branchSha('main'))!;
    for (const context of ['stage/packit-service', 'stage/dashboard'])
      sim.setStatus('gitlab', 'packit/hello-world', head, {
        context,
        state: context === 'stage/packit-service' ? state : 'success',
        targetUrl: `https://stage.example/${context}`,
        username: 'alice',
      });
  }

  async function cutAndShip(n: number): Promise<void> {
    const files: Record<string, string> =
      n % 2 === 0
        ? { [`db/post_migrate/2022020${n % 10}000000_post_${n}.rb`]: `class Post${n}; end\n` }
        : { [`app/models/model_${n}.rb`]: `class Model${n}; end\n` };
    const sha = await sim.push({
      forge: 'gitlab',
      project: SOURCE,
      branch: 'master',
      files,
      message: `Package ${n}`,
    });
    omnibus += 1;
    const stamp = sim.clock.now().toISOString().replace(/\D/g, '').slice(0, 12);
    const tag = `14.8.${stamp}+${sha.slice(0, 11)}.${omnibus.toString(16).padStart(11, '0')}`;
    packages.push({ tag, bad: n % 3 === 1 });
    await shipPackage(sim, tag, MINUTE);
  }

  async function stagePackages(version: string): Promise<void> {
    for (const name of ['gitlab-ce', 'gitlab-ee']) {
      const file = `${name}_${version}_amd64.deb`;
      const data = packageBytes(`${name} ${version}`);
      const base = `/projects/${encodeURIComponent(STAGING)}/packages/generic/${name}/${version}`;
      await api('gitlab', 'builder', 'PUT', `${base}/${file}`, data);
      await api('gitlab', 'builder', 'PUT', `${base}/${file}.sha256`, `${sha256(data)}  ${file}\n`);
    }
  }

  /** What the newest gprd deployment runs: the health endpoint answers for it. */
  function live(): void {
    const project = sim.project('gitlab', DEPLOYER);
    const env = sim.world.environments.find((e) => e.projectId === project.id && e.name === 'gprd');
    const newest = sim.world.deployments
      .filter((d) => d.projectId === project.id && d.environmentId === env?.id && d.status === 'success')
      .sort((a, b) => b.id - a.id)[0];
    const bad = packages.find((p) => p.tag === newest?.ref)?.bad ?? false;
    health.set('/-/readiness', bad ? { status: 503 } : { status: 200, body: { status: 'ok' } });
  }

  const world: ReliabilityWorld = {
    sim,
    slack,
    app,
    pushes,
    dir: tmp.dir,
    configPath,
    botToken,
    config,
    async events(cycle, total) {
      const active = cycle < total - 3;
      const p = cycle % 14;
      if (active) {
        // gitaly: green, red, flaky, stuck commits; the regression cycle's commit tries to ping everyone.
        const kinds = ['', ' [ci:fail=test]', '', ' [ci:flaky=test]', '', ' [ci:stuck]'];
        const title = p === 6 ? INJECTION : `Gitaly change ${cycle}${kinds[cycle % kinds.length]}`;
        await push('gitlab', 'org/gitaly', title);
        if (cycle % 2 === 0)
          await push('github', 'org/shell', `Shell change ${cycle}${cycle % 4 === 2 ? ' [ci:fail]' : ''}`);
        // The consuming repo: main breaks at p=2, is fixed at p=4; a known flake at p=5.
        if (p === 2) await push('gitlab', 'org/gitlab', `Break main ${cycle} [ci:fail=test]`);
        if (p === 4) await push('gitlab', 'org/gitlab', `Fix main ${cycle}`);
        if (p === 5) await push('gitlab', 'org/gitlab', `Tweak ${cycle} [ci:flaky=flaky-spec]`);
        // Someone retitles the failing bump MR: its title is forge text in the stale warning.
        const mr = sim.world.mergeRequests.find(
          (m) => m.sourceBranch === GITALY_BRANCH && m.state === 'opened',
        );
        if (p === 4 && mr)
          await api('gitlab', 'dev', 'PUT', `/projects/${mr.projectId}/merge_requests/${mr.iid}`, {
            title: INJECTION,
          });
      }
      // The quiet tail: one last green commit each, whose bump MRs stay open (their pipelines hang).
      if (cycle === total - 3) {
        await push('gitlab', 'org/gitaly', `Gitaly last change ${cycle}`);
        await push('github', 'org/shell', `Shell last change ${cycle}`);
      }
      // The bump MR's pipeline: fails while main is broken, fails alone once (a regression), hangs a while.
      const bot: 'success' | 'failed' | 'stuck' = !active
        ? 'stuck'
        : p === 2 || p === 3 || p === 6
          ? 'failed'
          : p >= 7 && p <= 12
            ? 'stuck'
            : 'success';
      sim.setCi('gitlab', 'org/gitlab', { branch: GITALY_BRANCH }, { result: bot });
      sim.setCi('github', 'org/app', { branch: SHELL_BRANCH }, { result: active ? 'success' : 'stuck' });

      // Stable branches: new commits, a failing stage, a bystander's approval, the approver's tick.
      const q = cycle % 8;
      if (active && q === 1) {
        await push('gitlab', 'packit/packit', cycle % 16 === 1 ? INJECTION : `Packit change ${cycle}`);
        if (cycle % 16 === 1) await push('gitlab', 'packit/ogr', `ogr change ${cycle}`, 'main');
      }
      await stage(q === 2 ? 'failed' : 'success');
      const issue = openApprovalIssue();
      if (issue && q === 3)
        await api(
          'gitlab',
          'bob',
          'POST',
          `/projects/${encodeURIComponent('packit/deployment')}/issues/${issue}/notes`,
          {
            body: '/approve',
          },
        );
      if (issue && q === 4) {
        const project = sim.project('gitlab', 'packit/deployment');
        const found = sim.world.issues.find((i) => i.projectId === project.id && i.iid === issue)!;
        const description = found.description.replace(/^- \[ \] I approve plan/m, '- [x] I approve plan');
        if (description !== found.description)
          await api('gitlab', 'alice', 'PUT', `/projects/${project.id}/issues/${issue}`, { description });
      }

      // Auto-deploy packages: one every 4 cycles, every other one with a post-deploy migration, every third unhealthy.
      if (active && cycle % 4 === 2) await cutAndShip(Math.floor(cycle / 4));
      // Release versions to promote: one every 5 cycles.
      if (active && cycle % 5 === 0) {
        promoted = `16.${cycle / 5}.0`;
        await stagePackages(promoted);
      }
      await sim.advance(HOUR);
      live();
    },
    runs() {
      return JOBS.map((job) =>
        job === 'promote-packages' && promoted ? { job, args: { version: promoted } } : { job },
      ).filter((r) => r.job !== 'promote-packages' || r.args);
    },
    async run(job, args) {
      const outcome = await app.runner.run(job, { trigger: 'schedule', args });
      await app.sentry.flush(30_000);
      return outcome;
    },
    async close() {
      await app.close();
      await slack.close();
      await health.close();
      await sentryApi.close();
      await sim.close();
      tmp.cleanup();
    },
  };
  return world;
}
