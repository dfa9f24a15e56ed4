import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCiEngine, type CiEngine } from './core/ci.js';
import { createClock, type SimClock } from './core/clock.js';
import { createFaultInjector, type FaultInjector, type FaultRule } from './core/faults.js';
import type { FileChanges, GitPerson } from './core/git.js';
import type {
  CiOutcome,
  SimCommitStatus,
  SimDeployment,
  SimForge,
  SimIssue,
  SimProject,
  SimUser,
} from './core/model.js';
import type { RequestLogEntry, View } from './core/server.js';
import { createWorld, SimError, type CreateProjectInput, type World } from './core/world.js';
import { createGithubView, githubState } from './github/index.js';
import { createGitlabView } from './gitlab/index.js';

/**
 * The forge simulator: GitLab REST v4 and GitHub REST v3 over real git repositories, on two
 * loopback listeners, with CI on simulated time and fault injection. Tests, the demo and the
 * benchmarks drive it through this control API; jobs reach it only over HTTP through the real
 * @gitbeaker/rest and @octokit/rest clients.
 */

export interface SimulatorOptions {
  /** Where repositories and package files live (default: a fresh temp dir, removed on close). */
  dir?: string;
  /** Seed for fault injection. */
  seed?: number;
  /** Simulated start time. */
  start?: Date;
  /** `manual`: time moves only with `advance()` (tests). `wall`: follows the wall clock × speed (demo). */
  clock?: 'manual' | 'wall';
  speed?: number;
  host?: string;
  gitlabPort?: number;
  githubPort?: number;
  /**
   * How awkward the simulated forges are (see docs/dev/forge-behaviour.md). On by default: pipelines
   * are created after the push, GitLab MR lists show the mergeability of the last check. `false`
   * turns all of it off (only for tests about something else).
   */
  realism?: Partial<SimRealism> | false;
  /** GitLab version whose answers differ (e.g. `17`, `18`, `'17.11.2'`); default 18. */
  gitlabVersion?: number | string;
}

export interface SimRealism {
  /** Simulated ms from a push to its pipeline, check runs and statuses (default 30 s on both forges). */
  pipelineDelayMs: { gitlab?: number; github?: number };
  /** ... or that many API requests to the forge, whichever comes first (0: time only). */
  pipelineDelayRequests: { gitlab?: number; github?: number };
  /**
   * GitLab MR lists show `merge_status` as of the last check; a single read starts a new check.
   * GitHub answers `mergeable: null` to the first read after the head or base moved.
   */
  lazyMergeability: boolean;
  /** GitHub: a branch just created through the refs API is not yet seen by the next PR creation (422). */
  githubRefLag: boolean;
}

export const DEFAULT_REALISM: SimRealism = {
  pipelineDelayMs: { gitlab: 30_000, github: 30_000 },
  pipelineDelayRequests: { gitlab: 0, github: 0 },
  lazyMergeability: true,
  githubRefLag: true,
};

const NO_REALISM: SimRealism = {
  pipelineDelayMs: {},
  pipelineDelayRequests: {},
  lazyMergeability: false,
  githubRefLag: false,
};

export interface SimForgeEndpoint {
  /** Web origin, e.g. `http://127.0.0.1:4321`. */
  url: string;
  /** What an SDK is configured with: GitLab `host` (origin) / GitHub `baseUrl` (origin). */
  apiUrl: string;
}

export interface Simulator {
  readonly world: World;
  readonly clock: SimClock;
  readonly ci: CiEngine;
  readonly faults: FaultInjector;
  readonly gitlab: SimForgeEndpoint;
  readonly github: SimForgeEndpoint;
  /** Create a user and an API token for it. */
  createUser(
    username: string,
    options?: { name?: string; admin?: boolean; bot?: boolean; token?: string; scopes?: string[] },
  ): { user: SimUser; token: string };
  createProject(input: CreateProjectInput): Promise<SimProject>;
  project(forge: SimForge, path: string): SimProject;
  /** Commit files to a branch as a user (creates the branch from the default branch if missing). */
  push(input: {
    forge: SimForge;
    project: string;
    branch?: string;
    files: FileChanges;
    message: string;
    username?: string;
    author?: GitPerson;
  }): Promise<string>;
  /** Script CI: for one sha, one branch, or the project's default. */
  setCi(
    forge: SimForge,
    project: string,
    target: { sha?: string; branch?: string },
    outcome: CiOutcome,
  ): void;
  /** An external commit status (e.g. a stage check posted by another system). */
  setStatus(
    forge: SimForge,
    project: string,
    sha: string,
    status: {
      context: string;
      state: SimCommitStatus['state'];
      description?: string;
      targetUrl?: string;
      username?: string;
    },
  ): SimCommitStatus;
  /** A successful (or given-status) deployment, with its deploy pipeline and job. */
  deploy(input: {
    forge: SimForge;
    project: string;
    environment: string;
    ref: string;
    sha?: string;
    status?: SimDeployment['status'];
    variables?: Record<string, string>;
    username?: string;
  }): Promise<SimDeployment>;
  createIssue(input: {
    forge: SimForge;
    project: string;
    title: string;
    description?: string;
    labels?: string[];
    username?: string;
  }): SimIssue;
  /** Move simulated time forward; CI progresses and auto-merges happen. */
  advance(ms: number): Promise<void>;
  /** The request log (all forges, oldest first). */
  requests(filter?: { forge?: SimForge; method?: string; since?: number }): RequestLogEntry[];
  /** Requests per route template. */
  requestCounts(filter?: { forge?: SimForge; since?: number }): Record<string, number>;
  /** Sequence number of the latest request (pass as `since` to look at what came after). */
  mark(): number;
  /**
   * Rate-limit points the forge charged for the logged requests, per resource (GitHub: `core`,
   * `graphql`; a 304 costs 0. GitLab: every request counts).
   */
  ratePoints(filter?: { forge?: SimForge; since?: number; user?: string }): Record<string, number>;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const ownDir = !options.dir;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'release-bot-sim-')));
  const clock = createClock({
    start: options.start,
    follow: options.clock ?? 'manual',
    speed: options.speed,
  });
  const world = createWorld(dir, clock);
  const realism: SimRealism =
    options.realism === false ? NO_REALISM : { ...DEFAULT_REALISM, ...options.realism };
  const ci = createCiEngine(world, {
    delayMs: realism.pipelineDelayMs,
    delayRequests: realism.pipelineDelayRequests,
  });
  const faults = createFaultInjector(options.seed ?? 1);
  const log: RequestLogEntry[] = [];
  const host = options.host ?? '127.0.0.1';
  // In wall-clock mode CI catches up on every request; in manual mode only `advance` moves it.
  // Every request also counts towards request-delayed pipeline creation.
  const beforeRequest = (forge: SimForge) => async () => {
    if (options.clock === 'wall') await ci.tick();
    await ci.noteRequest(forge);
  };

  const views: View[] = [
    createGitlabView({
      world,
      ci,
      faults,
      log,
      beforeRequest: beforeRequest('gitlab'),
      gitlabVersion: options.gitlabVersion ?? 18,
      lazyMergeability: realism.lazyMergeability,
    }),
    createGithubView({
      world,
      ci,
      faults,
      log,
      beforeRequest: beforeRequest('github'),
      lazyMergeability: realism.lazyMergeability,
    }),
  ];
  githubState(world).refLag = realism.githubRefLag;
  const gitlabUrl = await views[0]!.listen(options.gitlabPort ?? 0, host);
  const githubUrl = await views[1]!.listen(options.githubPort ?? 0, host);
  world.webUrl = { gitlab: gitlabUrl, github: githubUrl };

  function project(forge: SimForge, path: string): SimProject {
    const p = world.findProject(forge, path);
    if (!p) throw new SimError(404, `no ${forge} project ${path}`);
    return p;
  }

  function userId(username: string | undefined, p: SimProject): number {
    if (username) {
      const u = world.userByName(username);
      if (!u) throw new SimError(404, `no user ${username}`);
      return u.id;
    }
    return [...p.members.keys()][0] ?? [...world.users.keys()][0] ?? 0;
  }

  const sim: Simulator = {
    world,
    clock,
    ci,
    faults,
    gitlab: { url: gitlabUrl, apiUrl: gitlabUrl },
    github: { url: githubUrl, apiUrl: githubUrl },
    createUser(username, opts = {}) {
      const user = world.createUser({ username, name: opts.name, admin: opts.admin, bot: opts.bot });
      const token = world.createToken(username, { token: opts.token, scopes: opts.scopes });
      return { user, token };
    },
    createProject: (input) => world.createProject(input),
    project,
    async push({ forge, project: path, branch, files, message, username, author }) {
      const p = project(forge, path);
      return world.commit({
        project: p,
        branch: branch ?? p.defaultBranch,
        files,
        message,
        author,
        userId: userId(username, p),
      });
    },
    setCi(forge, path, target, outcome) {
      const p = project(forge, path);
      if (target.sha) p.ciBySha.set(target.sha, outcome);
      else if (target.branch) p.ciByBranch.set(target.branch, outcome);
      else p.ciDefault = outcome;
    },
    setStatus(forge, path, sha, status) {
      const p = project(forge, path);
      const now = world.nowIso();
      const entry: SimCommitStatus = {
        id: world.nextId('status'),
        projectId: p.id,
        sha,
        context: status.context,
        state: status.state,
        description: status.description ?? null,
        targetUrl: status.targetUrl ?? null,
        creatorId: userId(status.username, p),
        createdAt: now,
        updatedAt: now,
      };
      world.statuses.push(entry);
      return entry;
    },
    async deploy({
      forge,
      project: path,
      environment,
      ref,
      sha,
      status = 'success',
      variables = {},
      username,
    }) {
      const p = project(forge, path);
      const resolved = await p.repo.resolve(sha ?? ref);
      if (!resolved) throw new SimError(404, `no commit for ${sha ?? ref}`);
      const uid = userId(username, p);
      const pipeline = await ci.createPipeline({
        project: p,
        ref,
        sha: resolved,
        source: 'api',
        userId: uid,
        variables,
        outcome: {
          result: status === 'success' ? 'success' : 'failed',
          jobs: [{ name: `deploy:${environment}`, stage: 'deploy', durationMs: 60_000 }],
        },
      });
      // Run the deploy job to completion right away so the deployment exists when this returns.
      const job = ci.jobsOf(pipeline)[0]!;
      job.createdAt = new Date(clock.nowMs() - 10 * 60_000).toISOString();
      pipeline.createdAt = job.createdAt;
      await ci.tick();
      let deployment = world.deployments.find((d) => d.jobId === job.id);
      if (!deployment) {
        // A failed or canceled deploy still leaves a deployment record, as on GitLab.
        let env = world.environments.find((e) => e.projectId === p.id && e.name === environment);
        if (!env) {
          env = {
            id: world.nextId('environment'),
            projectId: p.id,
            name: environment,
            externalUrl: null,
            state: 'available',
            createdAt: world.nowIso(),
          };
          world.environments.push(env);
        }
        const now = world.nowIso();
        deployment = {
          id: world.nextId('deployment'),
          iid: world.deployments.filter((d) => d.projectId === p.id).length + 1,
          projectId: p.id,
          environmentId: env.id,
          ref,
          sha: resolved,
          status,
          userId: uid,
          jobId: job.id,
          payload: { ...variables },
          description: variables.DEPLOY_VERSION ?? null,
          createdAt: now,
          updatedAt: now,
          finishedAt: now,
        };
        world.deployments.push(deployment);
      }
      return deployment;
    },
    createIssue({ forge, project: path, title, description = '', labels = [], username }) {
      const p = project(forge, path);
      const now = world.nowIso();
      const issue: SimIssue = {
        id: world.nextId('issue'),
        iid: nextIssueIid(world, p),
        projectId: p.id,
        title,
        description,
        state: 'opened',
        authorId: userId(username, p),
        assigneeIds: [],
        labels,
        milestoneId: null,
        confidential: false,
        createdAt: now,
        updatedAt: now,
        closedAt: null,
        updatedById: null,
      };
      world.issues.push(issue);
      return issue;
    },
    advance: (ms) => clock.advance(ms),
    requests(filter = {}) {
      return log.filter(
        (e) =>
          (!filter.forge || e.forge === filter.forge) &&
          (!filter.method || e.method === filter.method) &&
          (filter.since === undefined || e.seq > filter.since),
      );
    },
    requestCounts(filter = {}) {
      const counts: Record<string, number> = {};
      for (const e of sim.requests(filter)) counts[e.route] = (counts[e.route] ?? 0) + 1;
      return counts;
    },
    mark: () => log.length,
    ratePoints(filter = {}) {
      const points: Record<string, number> = {};
      for (const e of sim.requests(filter)) {
        if (!e.rate || (filter.user && e.user !== filter.user)) continue;
        points[e.rate.resource] = (points[e.rate.resource] ?? 0) + e.rate.points;
      }
      return points;
    },
    addFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    async close() {
      await Promise.all(views.map((v) => v.close()));
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
  return sim;
}

/** GitLab issue iids and GitHub issue/PR numbers: GitHub shares one sequence between issues and PRs. */
export function nextIssueIid(world: World, project: SimProject): number {
  const issues = world.issues.filter((i) => i.projectId === project.id).map((i) => i.iid);
  const shared =
    project.forge === 'github'
      ? world.mergeRequests.filter((m) => m.projectId === project.id).map((m) => m.iid)
      : [];
  return Math.max(0, ...issues, ...shared) + 1;
}

export function nextMergeRequestIid(world: World, project: SimProject): number {
  const mrs = world.mergeRequests.filter((m) => m.projectId === project.id).map((m) => m.iid);
  const shared =
    project.forge === 'github'
      ? world.issues.filter((i) => i.projectId === project.id).map((i) => i.iid)
      : [];
  return Math.max(0, ...mrs, ...shared) + 1;
}
