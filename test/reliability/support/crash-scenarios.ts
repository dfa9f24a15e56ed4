import { createHash } from 'node:crypto';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import { startFakeService } from '../../../packages/forge-sandbox/src/services/health.js';
import { startFakeSentryApi } from '../../../packages/forge-sandbox/src/services/sentry-api.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { DEPLOYER, SOURCE, seedAutoDeployProjects, shipPackage } from '../../helpers/deployments.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { crashWorld, type CrashEnv, type CrashScenario, type CrashWorld } from './crash.js';

/**
 * One representative scenario per job for the crash points: the state just before a run that
 * makes several writes of different kinds (forge API, git push, Slack), built fresh for every
 * crash point. Each world starts at the same simulated time (shared by a test file), an hour per
 * step, so its commits — and the shas in the bot's markers — are the same every time.
 */

const HOUR = 3_600_000;
const MINUTE = 60_000;

export async function api(
  sim: Simulator,
  forge: SimForge,
  token: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const base = forge === 'gitlab' ? `${sim.gitlab.url}/api/v4` : sim.github.apiUrl;
  const auth: Record<string, string> =
    forge === 'gitlab' ? { 'private-token': token } : { authorization: `token ${token}` };
  const raw = Buffer.isBuffer(body) || typeof body === 'string';
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...auth, ...(raw ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : raw ? (body as string | Buffer) : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
}

async function greenRoot(sim: Simulator, forge: SimForge, path: string): Promise<string> {
  const project = sim.project(forge, path);
  const sha = (await project.repo.branchSha(project.defaultBranch))!;
  await sim.ci.createPipeline({
    project,
    ref: project.defaultBranch,
    sha,
    userId: 1,
    outcome: { result: 'success' },
  });
  return sha;
}

/** update-component: an MR open too long, a newer green commit: warn, reset, update, approve, re-arm auto-merge. */
export const updateComponent: CrashScenario = {
  job: 'update-component',
  title:
    'stale MR moved to a newer green commit (Slack warning, branch reset, MR update, approval, auto-merge)',
  cli: [],
  args: {},
  world: (env: CrashEnv) => {
    let approver = '';
    return crashWorld(env, {
      async seed(sim) {
        sim.createUser('dev');
        approver = sim.createUser('approver').token;
        await sim.createProject({ forge: 'gitlab', path: 'org/gitaly', members: ['release-bot:20', 'dev'] });
        const root = await greenRoot(sim, 'gitlab', 'org/gitaly');
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitlab',
          members: ['release-bot', 'dev', 'approver'],
          files: { GITALY_SERVER_VERSION: `${root}\n` },
        });
        sim.setCi('gitlab', 'org/gitlab', { branch: 'release-bot/update-gitaly' }, { result: 'stuck' });
        await sim.advance(HOUR);
        await sim.push({
          forge: 'gitlab',
          project: 'org/gitaly',
          files: { a: 'a' },
          message: 'Add a',
          username: 'dev',
        });
        await sim.advance(HOUR);
      },
      jobs: () => ({
        'update-component': {
          components: [
            {
              name: 'gitaly',
              source: { forge: 'gitlab', project: 'org/gitaly' },
              target: { forge: 'gitlab', project: 'org/gitlab', versionFile: 'GITALY_SERVER_VERSION' },
              approverToken: approver,
              staleAfter: '30m',
              slackChannel: 'oncall',
              mention: '<!subteam^S0GITALY>',
            },
          ],
        },
      }),
      async before(world, run) {
        await run('update-component');
        await world.sim.push({
          forge: 'gitlab',
          project: 'org/gitaly',
          files: { b: 'b' },
          message: 'Add b',
          username: 'dev',
        });
        await world.sim.advance(HOUR);
      },
    });
  },
};

/** report-pipeline-failures: a bump MR failing alone (regression) and a known flake on main. */
export const reportPipelineFailures: CrashScenario = {
  job: 'report-pipeline-failures',
  title: 'regression on the bump MR (Slack, label, note) and a flake on main (retry)',
  cli: [],
  args: {},
  world: (env: CrashEnv) =>
    crashWorld(env, {
      async seed(sim) {
        sim.createUser('dev');
        await sim.createProject({ forge: 'gitlab', path: 'org/gitaly', members: ['release-bot:20', 'dev'] });
        const root = await greenRoot(sim, 'gitlab', 'org/gitaly');
        await sim.createProject({
          forge: 'gitlab',
          path: 'org/gitlab',
          members: ['release-bot', 'dev'],
          files: { GITALY_SERVER_VERSION: `${root}\n` },
          ciJobs: [
            { name: 'build', stage: 'build', durationMs: 5 * MINUTE },
            { name: 'test', stage: 'test', durationMs: 5 * MINUTE },
            { name: 'flaky-spec', stage: 'test', durationMs: 5 * MINUTE },
          ],
        });
        sim.setCi(
          'gitlab',
          'org/gitlab',
          { branch: 'release-bot/update-gitaly' },
          { result: 'failed', failJobs: ['test'] },
        );
        await sim.advance(HOUR);
      },
      jobs: () => ({
        'update-component': {
          components: [
            {
              name: 'gitaly',
              source: { forge: 'gitlab', project: 'org/gitaly' },
              target: { forge: 'gitlab', project: 'org/gitlab', versionFile: 'GITALY_SERVER_VERSION' },
            },
          ],
        },
        'report-pipeline-failures': {
          slackChannel: 'oncall',
          mergeRequests: [{ forge: 'gitlab', project: 'org/gitlab', mention: '<!subteam^S0GITALY>' }],
          projects: [{ forge: 'gitlab', project: 'org/gitlab', knownFlaky: ['flaky-*'] }],
        },
      }),
      async before(world, run) {
        const { sim } = world;
        await run('report-pipeline-failures');
        await sim.push({
          forge: 'gitlab',
          project: 'org/gitaly',
          files: { a: 'a' },
          message: 'Add a',
          username: 'dev',
        });
        await sim.advance(HOUR);
        await run('update-component');
        await sim.push({
          forge: 'gitlab',
          project: 'org/gitlab',
          files: { t: 't' },
          message: 'Tweak [ci:flaky=flaky-spec]',
          username: 'dev',
        });
        await sim.advance(HOUR);
      },
    }),
  // Slack is guarded by an intent: a run killed during the POST never posts again (at most once).
  async atMostOnce(hung, world) {
    if (hung.kind !== 'slack') return { allowed: [], problems: [] };
    const store = openSqliteStore(world.storePath);
    try {
      const records = await store.listState('report-pipeline-failures', 'pipeline:');
      const unconfirmed = records.filter((r) => (r.value as { slack?: string }).slack === 'unconfirmed');
      return {
        allowed: [/^#oncall .*failed/],
        problems:
          unconfirmed.length === 1
            ? []
            : [`expected one pipeline record marked unconfirmed, got ${unconfirmed.length}`],
      };
    } finally {
      await store.close();
    }
  },
};

/**
 * Packit's world (seed 003) on GitLab: two repos with a commit each to move, stage checks green,
 * Sentry and the stage health answering; a scheduled run has opened the approval issue, and
 * (with `approved`) alice, the approver, has ticked its box.
 */
export async function stableWorld(env: CrashEnv, options: { approved: boolean }): Promise<CrashWorld> {
  let sim!: Simulator;
  const health = await startFakeService();
  health.set('/api/healthz', { status: 200, body: { status: 'ok' } });
  const sentryApi = await startFakeSentryApi({ org: 'packit', now: () => sim.clock.now() });
  let alice = '';
  return crashWorld(env, {
    async seed(s) {
      sim = s;
      alice = sim.createUser('alice').token;
      for (const name of ['packit', 'ogr'])
        await sim.createProject({
          forge: 'gitlab',
          path: `packit/${name}`,
          branches: ['stable'],
          members: ['release-bot', 'alice'],
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
        members: ['release-bot', 'alice'],
        ciEnabled: false,
      });
      await sim.advance(HOUR);
      for (const name of ['packit', 'ogr'])
        await sim.push({
          forge: 'gitlab',
          project: `packit/${name}`,
          files: { [`${name}.txt`]: name },
          message: `Improve ${name}`,
          username: 'alice',
        });
      const head = (await sim.project('gitlab', 'packit/hello-world').repo.branchSha('main'))!;
      sim.setStatus('gitlab', 'packit/hello-world', head, {
        context: 'stage/e2e',
        state: 'success',
        username: 'alice',
      });
    },
    jobs: () => ({
      'move-stable-branches': {
        forge: 'gitlab',
        repos: [{ project: 'packit/packit' }, { project: 'packit/ogr', dependsOn: ['packit'] }],
        validation: {
          ci: { project: 'packit/hello-world', checks: ['stage*'], maxAge: '12h' },
          sentry: {
            url: sentryApi.url,
            org: 'packit',
            authToken: sentryApi.token,
            projects: ['packit-service'],
            environment: 'stage',
          },
          health: [{ name: 'stage API', url: `${health.url}/api/healthz`, field: 'status', equals: 'ok' }],
        },
        approval: { approvers: ['alice'], project: 'packit/deployment' },
      },
    }),
    async before(world, run) {
      await run('move-stable-branches', { trigger: 'schedule' });
      if (!options.approved) return;
      const project = world.sim.project('gitlab', 'packit/deployment');
      const issue = world.sim.world.issues.find((i) => i.projectId === project.id)!;
      const description = issue.description.replace(/^- \[ \] I approve plan/m, '- [x] I approve plan');
      await api(world.sim, 'gitlab', alice, 'PUT', `/projects/${project.id}/issues/${issue.iid}`, {
        description,
      });
    },
    close: async () => {
      await health.close();
      await sentryApi.close();
    },
  });
}

/** move-stable-branches: approved on the issue, moved by an operator with --yes: two pushes, note, Slack, close. */
export const moveStableBranches: CrashScenario = {
  job: 'move-stable-branches',
  title: 'two stable branches moved after an approval (git pushes, report note, Slack, issue closed)',
  cli: ['--yes'],
  args: { yes: true },
  world: (env: CrashEnv) => stableWorld(env, { approved: true }),
};

async function seedDeployer(sim: Simulator): Promise<void> {
  await seedAutoDeployProjects(sim, {
    source: { members: ['release-bot:20'], files: { 'README.md': '# GitLab\n' }, ciEnabled: false },
    deployerMembers: ['release-bot:30'],
  });
}

/** A package of a new source commit, deployed to the baseline and to production. */
async function ship(sim: Simulator, n: number, files: Record<string, string>): Promise<string> {
  const sha = await sim.push({
    forge: 'gitlab',
    project: SOURCE,
    branch: 'master',
    files,
    message: `Package ${n}`,
  });
  const stamp = sim.clock.now().toISOString().replace(/\D/g, '').slice(0, 12);
  const tag = `14.8.${stamp}+${sha.slice(0, 11)}.${(0x4ce763dbce0 + n).toString(16)}`;
  await shipPackage(sim, tag, MINUTE);
  return tag;
}

/** track-post-deploy-migrations: two packages with post-deploy migrations reach production: two notes. */
export const trackPostDeployMigrations: CrashScenario = {
  job: 'track-post-deploy-migrations',
  title: 'two packages with post-deploy migrations (two notes on the release issue)',
  cli: [],
  args: {},
  world: (env: CrashEnv) =>
    crashWorld(env, {
      async seed(sim) {
        await seedDeployer(sim);
        await sim.createProject({
          forge: 'gitlab',
          path: 'gitlab-org/release/tasks',
          members: ['release-bot:30'],
          ciEnabled: false,
        });
        sim.createIssue({
          forge: 'gitlab',
          project: 'gitlab-org/release/tasks',
          title: 'Release 14.8',
          labels: ['Monthly Release'],
        });
        await sim.advance(HOUR);
        await ship(sim, 1, { 'app/a.rb': 'a' });
      },
      jobs: () => ({
        'track-post-deploy-migrations': {
          deployments: { forge: 'gitlab', project: DEPLOYER, environment: 'gprd', baseline: 'gstg-cny' },
          source: { forge: 'gitlab', project: SOURCE },
          releaseIssue: { forge: 'gitlab', project: 'gitlab-org/release/tasks', labels: ['Monthly Release'] },
          postDeployMigrationsNote: true,
        },
      }),
      async before(world, run) {
        await run('track-post-deploy-migrations');
        await world.sim.advance(HOUR);
        await ship(world.sim, 2, { 'db/post_migrate/20220201000000_two.rb': 'class Two; end\n' });
        await world.sim.advance(HOUR);
        await ship(world.sim, 3, { 'db/post_migrate/20220202000000_three.rb': 'class Three; end\n' });
      },
    }),
};

/** verify-deployment: an unhealthy deployment, rolled back automatically (job retry) and alerted. */
export const verifyDeployment: CrashScenario = {
  job: 'verify-deployment',
  title: 'unhealthy deployment rolled back (deploy job retried) and alerted (Slack, Sentry)',
  cli: [],
  args: {},
  world: async (env: CrashEnv) => {
    const health = await startFakeService();
    health.set('/-/readiness', { status: 200, body: { status: 'ok' } });
    return crashWorld(env, {
      async seed(sim) {
        await seedDeployer(sim);
        await sim.advance(HOUR);
        await ship(sim, 1, { 'app/a.rb': 'a' });
      },
      jobs: () => ({
        'verify-deployment': {
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
              checkPostDeployMigrations: false,
              health: { checks: [{ name: 'readiness', url: `${health.url}/-/readiness` }] },
            },
          ],
        },
      }),
      async before(world, run) {
        await run('verify-deployment');
        await world.sim.advance(HOUR);
        await ship(world.sim, 2, { 'app/b.rb': 'b' });
        health.set('/-/readiness', { status: 503 });
      },
      close: () => health.close(),
    });
  },
};

function bytes(label: string): Buffer {
  return Buffer.concat([Buffer.from(`${label}\n`), createHash('sha512').update(label).digest()]);
}

/** promote-packages: two packages of two files each published staging → public, then a Slack summary. */
export const promotePackages: CrashScenario = {
  job: 'promote-packages',
  title: 'two packages of two files published staging → public, and the Slack summary',
  cli: ['--version', '16.1.0'],
  args: { version: '16.1.0' },
  // One summary per completed run; after a crash it counts what the dead run published as already done.
  summaries: [/^#releases .*Package promotion 16\.1\.0/],
  world: (env: CrashEnv) => {
    let builder = '';
    return crashWorld(env, {
      async seed(sim) {
        builder = sim.createUser('builder').token;
        await sim.createProject({
          forge: 'gitlab',
          path: 'omnibus/staging',
          members: ['release-bot:20', 'builder:30'],
          ciEnabled: false,
        });
        await sim.createProject({
          forge: 'gitlab',
          path: 'omnibus/public',
          visibility: 'public',
          members: ['release-bot:30', 'builder:30'],
          ciEnabled: false,
        });
        for (const name of ['gitlab-ce', 'gitlab-ee']) {
          const file = `${name}_16.1.0_amd64.deb`;
          const data = bytes(`${name} 16.1.0`);
          const base = `/projects/${encodeURIComponent('omnibus/staging')}/packages/generic/${name}/16.1.0`;
          await api(sim, 'gitlab', builder, 'PUT', `${base}/${file}`, data);
          const digest = createHash('sha256').update(data).digest('hex');
          await api(sim, 'gitlab', builder, 'PUT', `${base}/${file}.sha256`, `${digest}  ${file}\n`);
        }
      },
      jobs: () => ({
        'promote-packages': {
          staging: { forge: 'gitlab', project: 'omnibus/staging' },
          public: { forge: 'gitlab', project: 'omnibus/public' },
          packages: [{ name: 'gitlab-ce' }, { name: 'gitlab-ee' }],
        },
      }),
    });
  },
};

export type { CrashWorld };
