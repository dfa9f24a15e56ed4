import { readMarker } from '../../../src/kit/marker.js';
import type { RunOutcome, RunRequest } from '../../../src/runner/runner.js';
import { startFakeService, type FakeService } from '../../../packages/forge-sandbox/src/services/health.js';
import {
  startFakeSentryApi,
  type FakeSentryApi,
} from '../../../packages/forge-sandbox/src/services/sentry-api.js';
import type { SimForge, SimIssue, SimNote } from '../../../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobs } from '../../../app/jobs.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/**
 * Packit's world (seed 003) on one simulated forge: five repos with `main` (ogr: `master`) and
 * `stable`, the canary `hello-world` where stage checks report, the `deployment` repo for the
 * approval issue, an approver (alice) and a bystander (bob); Sentry's web API and the stage
 * health endpoint are local fakes.
 */

export const JOB = 'move-stable-branches';
/** Scenario steps run several jobs against real git: generous on a busy machine. */
export const SCENARIO_TIMEOUT = 90_000;
export const ORG = 'packit';
/** Config order is dependency order. */
export const REPOS = ['packit', 'ogr', 'packit-service', 'sandcastle', 'dashboard'] as const;
export type RepoName = (typeof REPOS)[number];
const SOURCE: Record<RepoName, string> = {
  packit: 'main',
  ogr: 'master',
  'packit-service': 'main',
  sandcastle: 'main',
  dashboard: 'main',
};

const DEPENDS: Record<RepoName, RepoName[]> = {
  packit: [],
  ogr: [],
  'packit-service': ['packit', 'ogr'],
  sandcastle: [],
  dashboard: ['packit-service'],
};

export interface StableWorld {
  h: JobHarness;
  sim: Simulator;
  forge: SimForge;
  sentry: FakeSentryApi;
  health: FakeService;
  tokens: Record<'alice' | 'bob', string>;
  run(request?: Partial<RunRequest>): Promise<RunOutcome>;
  scheduled(request?: Partial<RunRequest>): Promise<RunOutcome>;
  /** Commit on a repo's source branch (or another branch). */
  push(repo: RepoName | 'hello-world', message: string, branch?: string): Promise<string>;
  stable(repo: RepoName): Promise<string>;
  source(repo: RepoName): Promise<string>;
  /** Stage checks on hello-world's head: `stage/*` statuses. */
  stage(state: 'success' | 'failed', contexts?: string[]): Promise<string>;
  /** The bot's approval issues (by marker), oldest first. */
  approvalIssues(): SimIssue[];
  notes(iid: number): SimNote[];
  comment(user: 'alice' | 'bob', iid: number, body: string): Promise<void>;
  closeIssue(user: 'alice' | 'bob', iid: number): Promise<void>;
  /** Tick the approval checkbox as `user` through the GitLab API (GitLab writes the system note). */
  tick(user: 'alice' | 'bob', iid: number): Promise<void>;
  /** Non-GET requests to the forge since `mark` (git fetches excluded). */
  writes(since: number): { method: string; route: string; path: string }[];
  close(): Promise<void>;
}

export async function stableWorld(
  forge: SimForge,
  options: {
    /** hello-world runs CI with a `stage-e2e` job (check runs on GitHub, job statuses on GitLab). */
    canaryCi?: boolean;
    /** Sentry receiver for the runner's and the job's events (one Sentry harness per test file: the SDK is process-global). */
    sentry?: boolean;
    /** Only these repos (fewer repos, faster tests); dependencies on left-out repos are dropped. */
    repos?: RepoName[];
    job?: (w: { sentryUrl: string; sentryToken: string; healthUrl: string }) => Record<string, unknown>;
  } = {},
): Promise<StableWorld> {
  let sim!: Simulator;
  const included = options.repos ?? [...REPOS];
  const sentry = await startFakeSentryApi({ org: ORG, now: () => sim.clock.now() });
  const health = await startFakeService();
  health.set('/api/healthz', { status: 200, body: { status: 'ok', version: '0.99.0' } });
  const tokens = { alice: '', bob: '' };

  const h = await jobHarness({
    jobs,
    sentry: options.sentry ?? true,
    retries: 0,
    seed: async (s) => {
      sim = s;
      tokens.alice = s.createUser('alice').token;
      tokens.bob = s.createUser('bob').token;
      for (const name of included)
        await s.createProject({
          forge,
          path: `${ORG}/${name}`,
          defaultBranch: SOURCE[name],
          branches: ['stable'],
          members: ['release-bot', 'alice', 'bob:30'],
          ciEnabled: false,
        });
      await s.createProject({
        forge,
        path: `${ORG}/hello-world`,
        members: ['release-bot', 'alice'],
        ciEnabled: options.canaryCi ?? false,
        ciJobs: [{ name: 'stage-e2e', stage: 'test', durationMs: 5 * 60_000 }],
      });
      await s.createProject({
        forge,
        path: `${ORG}/deployment`,
        members: ['release-bot', 'alice', 'bob:30'],
      });
    },
    jobsConfig: () => ({
      [JOB]: {
        slackChannel: 'releases',
        ...(options.job?.({ sentryUrl: sentry.url, sentryToken: sentry.token, healthUrl: health.url }) ?? {
          forge,
          repos: included.map((name) => ({
            project: `${ORG}/${name}`,
            ...(SOURCE[name] !== 'main' ? { source: SOURCE[name] } : {}),
            dependsOn: DEPENDS[name].filter((d) => included.includes(d)),
          })),
          validation: {
            ci: { project: `${ORG}/hello-world`, checks: ['stage*'], maxAge: '12h' },
            sentry: {
              url: sentry.url,
              org: ORG,
              authToken: sentry.token,
              projects: ['packit-service', 'dashboard'],
              environment: 'stage',
              days: 7,
              threshold: 0,
            },
            health: [{ name: 'stage API', url: `${health.url}/api/healthz`, field: 'status', equals: 'ok' }],
          },
          approval: { approvers: ['alice'], project: `${ORG}/deployment` },
          mention: '@packit-team',
        }),
      },
    }),
  });

  const project = (name: string) => sim.project(forge, `${ORG}/${name}`);
  const api = forge === 'gitlab' ? `${sim.gitlab.url}/api/v4` : sim.github.apiUrl;
  const auth = (token: string): Record<string, string> =>
    forge === 'gitlab' ? { 'private-token': token } : { authorization: `token ${token}` };
  async function call(token: string, method: string, path: string, body: unknown): Promise<void> {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { ...auth(token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  }

  const world: StableWorld = {
    h,
    sim,
    forge,
    sentry,
    health,
    tokens,
    run: (request = {}) => h.run(JOB, request),
    scheduled: (request = {}) => h.run(JOB, { trigger: 'schedule', ...request }),
    push: (repo, message, branch) =>
      sim.push({
        forge,
        project: `${ORG}/${repo}`,
        branch: branch ?? (repo === 'hello-world' ? 'main' : SOURCE[repo]),
        files: { [`${Date.now()}-${Math.random().toString(36).slice(2)}.txt`]: message },
        message,
        username: 'alice',
      }),
    stable: async (repo) => (await project(repo).repo.branchSha('stable'))!,
    source: async (repo) => (await project(repo).repo.branchSha(SOURCE[repo]))!,
    async stage(state, contexts = ['stage/packit-service', 'stage/dashboard']) {
      const sha = (await project('hello-world').repo.branchSha('main'))!;
      for (const context of contexts)
        sim.setStatus(forge, `${ORG}/hello-world`, sha, {
          context,
          state,
          targetUrl: `https://stage.example/${context}`,
          username: 'alice',
        });
      return sha;
    },
    approvalIssues() {
      const deployment = project('deployment');
      return sim.world.issues
        .filter((i) => i.projectId === deployment.id && readMarker(i.description, JOB))
        .sort((a, b) => a.iid - b.iid);
    },
    notes(iid) {
      const deployment = project('deployment');
      return sim.world.notes
        .filter((n) => n.projectId === deployment.id && n.noteableType === 'Issue' && n.noteableIid === iid)
        .sort((a, b) => a.id - b.id);
    },
    async comment(user, iid, body) {
      const p = project('deployment');
      if (forge === 'gitlab')
        await call(tokens[user], 'POST', `/projects/${p.id}/issues/${iid}/notes`, { body });
      else await call(tokens[user], 'POST', `/repos/${p.path}/issues/${iid}/comments`, { body });
    },
    async closeIssue(user, iid) {
      const p = project('deployment');
      if (forge === 'gitlab')
        await call(tokens[user], 'PUT', `/projects/${p.id}/issues/${iid}`, { state_event: 'close' });
      else await call(tokens[user], 'PATCH', `/repos/${p.path}/issues/${iid}`, { state: 'closed' });
    },
    async tick(user, iid) {
      const p = project('deployment');
      const issue = sim.world.issues.find((i) => i.projectId === p.id && i.iid === iid)!;
      const description = issue.description.replace(/^- \[ \] I approve plan/m, '- [x] I approve plan');
      if (description === issue.description) throw new Error('no unticked approval box');
      if (forge === 'gitlab')
        await call(tokens[user], 'PUT', `/projects/${p.id}/issues/${iid}`, { description });
      else await call(tokens[user], 'PATCH', `/repos/${p.path}/issues/${iid}`, { body: description });
    },
    writes(since) {
      return sim
        .requests({ since, forge })
        .filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && !r.route.endsWith('git-upload-pack'))
        .map((r) => ({ method: r.method, route: r.route, path: r.path }));
    },
    async close() {
      await h.close();
      await sentry.close();
      await health.close();
    },
  };
  return world;
}

/** Every repo's stable and source, for "nothing moved" assertions. */
export async function snapshot(w: StableWorld): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of REPOS)
    if (w.sim.world.findProject(w.forge, `${ORG}/${name}`))
      out[name] = `${await w.stable(name)}..${await w.source(name)}`;
  return out;
}

/** Pushes to git refs in the order they happened: `git-receive-pack` (GitLab) or `PATCH …/git/refs` (GitHub). */
/**
 * Asserts every repo moved after the repos it depends on (independent repos may move side by
 * side, in any order), and returns the moved repos sorted by name.
 */
export function expectDependencyOrder(order: string[]): string[] {
  order.forEach((name, i) => {
    for (const dependency of DEPENDS[name as RepoName] ?? []) {
      const at = order.indexOf(dependency);
      if (at > i) throw new Error(`${name} moved before its dependency ${dependency}: ${order.join(', ')}`);
    }
  });
  return [...order].sort();
}

export function moveOrder(w: StableWorld, since: number): string[] {
  return w
    .writes(since)
    .filter(
      (r) => r.route.endsWith('git-receive-pack') || (r.method === 'PATCH' && r.route.includes('/git/refs/')),
    )
    .map((r) =>
      REPOS.find(
        (name) => r.path.includes(`/${ORG}/${name}.git/`) || r.path.includes(`/repos/${ORG}/${name}/`),
      )!,
    );
}
