import { join } from 'node:path';
import { initBareRepo, type FileChanges, type GitPerson } from './git.js';
import type { SimClock } from './clock.js';
import type {
  CiOutcome,
  SimCheckRun,
  SimCommitStatus,
  SimDeployment,
  SimEnvironment,
  SimForge,
  SimIssue,
  SimJob,
  SimJobSpec,
  SimLabel,
  SimMergeRequest,
  SimMilestone,
  SimNote,
  SimPackage,
  SimPipeline,
  SimProject,
  SimRelease,
  SimToken,
  SimUser,
} from './model.js';

/** Thrown by world operations; views turn it into each API's error shape. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export const ACCESS = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

export const DEFAULT_CI_JOBS: SimJobSpec[] = [
  { name: 'build', stage: 'build', durationMs: 2 * 60_000 },
  { name: 'test', stage: 'test', durationMs: 5 * 60_000 },
];

export interface PushEvent {
  project: SimProject;
  ref: string;
  before: string | null;
  after: string | null;
  userId: number;
  /** New commits, newest first. */
  forced: boolean;
  tag: boolean;
}

export interface CreateProjectInput {
  forge: SimForge;
  path: string;
  defaultBranch?: string;
  /** Files of the initial commit. */
  files?: Record<string, string>;
  /** Usernames with access (maintainer unless given as `name:level`). */
  members?: string[];
  visibility?: SimProject['visibility'];
  description?: string;
  allowAutoMerge?: boolean;
  approvalsRequired?: number;
  /** GitLab "Pipelines must succeed" (default true in the simulator). */
  pipelineMustSucceed?: boolean;
  preventAuthorApproval?: boolean;
  packageDuplicatesAllowed?: boolean;
  ciReports?: SimProject['ciReports'];
  ciJobs?: SimJobSpec[];
  ciDefault?: CiOutcome;
  ciEnabled?: boolean;
  /** Extra branches created at the initial commit. */
  branches?: string[];
  protectedBranches?: string[];
}

type Listener<T> = (event: T) => Promise<void> | void;

export interface World {
  readonly dir: string;
  readonly clock: SimClock;
  readonly users: Map<number, SimUser>;
  readonly tokens: Map<string, SimToken>;
  readonly projects: Map<number, SimProject>;
  readonly mergeRequests: SimMergeRequest[];
  readonly issues: SimIssue[];
  readonly notes: SimNote[];
  readonly pipelines: SimPipeline[];
  readonly jobs: SimJob[];
  readonly statuses: SimCommitStatus[];
  readonly checkRuns: SimCheckRun[];
  readonly environments: SimEnvironment[];
  readonly deployments: SimDeployment[];
  readonly packages: SimPackage[];
  readonly labels: SimLabel[];
  readonly milestones: SimMilestone[];
  readonly releases: SimRelease[];
  /** Web base URLs of each forge's listener (set when the servers start). */
  webUrl: Record<SimForge, string>;
  nextId(kind: string): number;
  nowIso(): string;
  /** Run `fn` with the project's write lock held (git ref updates are serialised per project). */
  locked<T>(project: SimProject, fn: () => Promise<T>): Promise<T>;

  createUser(input: {
    username: string;
    name?: string;
    email?: string;
    admin?: boolean;
    bot?: boolean;
  }): SimUser;
  createToken(username: string, options?: { token?: string; scopes?: string[] }): string;
  userByToken(token: string | undefined): { user: SimUser; token: SimToken } | null;
  userByName(username: string): SimUser | undefined;
  createProject(input: CreateProjectInput): Promise<SimProject>;
  /** By numeric id or full path; only projects of that forge. */
  findProject(forge: SimForge, idOrPath: string | number): SimProject | undefined;
  accessLevel(user: SimUser, project: SimProject): number;

  /**
   * Commit `files` on top of `branch` (creating the branch from `startFrom` or the default
   * branch when missing) and move the branch. Fires push listeners (CI, MR updates).
   */
  commit(input: {
    project: SimProject;
    branch: string;
    files: FileChanges;
    message: string;
    author?: GitPerson;
    userId?: number;
    startFrom?: string;
    /** Reset the branch to `startFrom` + this commit even if it exists. */
    force?: boolean;
  }): Promise<string>;
  /** Move (or create) a branch to `sha`; fast-forward only unless `force`. */
  setBranch(
    project: SimProject,
    branch: string,
    sha: string,
    options: { force?: boolean; userId: number; expectOld?: string | null },
  ): Promise<{ before: string | null; after: string }>;
  deleteBranch(project: SimProject, branch: string, userId: number): Promise<void>;
  createTag(project: SimProject, tag: string, ref: string, userId: number): Promise<string>;

  mergeRequestsOf(project: SimProject): SimMergeRequest[];
  /** Head sha of an MR: the source branch head while open, the recorded head otherwise. */
  mrHeadSha(mr: SimMergeRequest): Promise<string>;
  /** Merge an MR now (real git merge into the target). Throws SimError on conflict. */
  mergeMergeRequest(mr: SimMergeRequest, userId: number): Promise<void>;
  addNote(input: Omit<SimNote, 'id' | 'createdAt' | 'updatedAt' | 'system'> & { system?: boolean }): SimNote;

  onPush(listener: Listener<PushEvent>): void;
  /** Announce a ref change made outside `commit`/`setBranch` (a git push over smart HTTP). */
  notifyPush(event: PushEvent): Promise<void>;
  onPipelineFinished(listener: Listener<SimPipeline>): void;
  emitPipelineFinished(pipeline: SimPipeline): Promise<void>;

  packageDir(): string;
}

export const SIM_BOT_PERSON: GitPerson = { name: 'Sim User', email: 'sim@example.com' };

export function createWorld(dir: string, clock: SimClock): World {
  const counters = new Map<string, number>();
  const locks = new Map<number, Promise<unknown>>();
  const pushListeners: Listener<PushEvent>[] = [];
  const finishedListeners: Listener<SimPipeline>[] = [];

  const world: World = {
    dir,
    clock,
    users: new Map(),
    tokens: new Map(),
    projects: new Map(),
    mergeRequests: [],
    issues: [],
    notes: [],
    pipelines: [],
    jobs: [],
    statuses: [],
    checkRuns: [],
    environments: [],
    deployments: [],
    packages: [],
    labels: [],
    milestones: [],
    releases: [],
    webUrl: { gitlab: 'http://gitlab.invalid', github: 'http://github.invalid' },

    nextId(kind) {
      // Ids start high enough that a test confusing an id with an iid fails.
      const next = (counters.get(kind) ?? 1000) + 1;
      counters.set(kind, next);
      return next;
    },
    nowIso() {
      return clock.now().toISOString();
    },
    locked(project, fn) {
      const previous = locks.get(project.id) ?? Promise.resolve();
      const result = previous.then(fn, fn);
      locks.set(
        project.id,
        result.catch(() => undefined),
      );
      return result;
    },

    createUser({ username, name, email, admin = false, bot = false }) {
      if (world.userByName(username)) throw new SimError(409, `user ${username} exists`);
      const user: SimUser = {
        id: world.nextId('user'),
        username,
        name: name ?? username,
        email: email ?? `${username}@example.com`,
        admin,
        bot,
        createdAt: world.nowIso(),
      };
      world.users.set(user.id, user);
      return user;
    },
    createToken(username, options = {}) {
      const user = world.userByName(username);
      if (!user) throw new SimError(404, `no user ${username}`);
      const token =
        options.token ??
        `simtok-${username}-${world.nextId('token')}-${Math.random().toString(36).slice(2, 10)}`;
      world.tokens.set(token, { token, userId: user.id, scopes: options.scopes ?? ['api'] });
      return token;
    },
    userByToken(token) {
      if (!token) return null;
      const t = world.tokens.get(token);
      if (!t) return null;
      const user = world.users.get(t.userId);
      return user ? { user, token: t } : null;
    },
    userByName(username) {
      for (const u of world.users.values()) if (u.username === username) return u;
      return undefined;
    },

    async createProject(input) {
      if (world.findProject(input.forge, input.path)) throw new SimError(409, `project ${input.path} exists`);
      const parts = input.path.split('/');
      const name = parts[parts.length - 1]!;
      const id = world.nextId('project');
      const defaultBranch = input.defaultBranch ?? 'main';
      const repo = await initBareRepo(join(dir, 'repos', input.forge, `${id}.git`), defaultBranch);
      const members = new Map<number, number>();
      for (const entry of input.members ?? []) {
        const [username, level] = entry.split(':');
        const user = world.userByName(username!);
        if (!user) throw new SimError(404, `no user ${username}`);
        members.set(user.id, level ? Number(level) : ACCESS.maintainer);
      }
      const project: SimProject = {
        id,
        forge: input.forge,
        path: input.path,
        name,
        namespace: parts.slice(0, -1).join('/'),
        description: input.description ?? '',
        defaultBranch,
        visibility: input.visibility ?? 'private',
        members,
        repo,
        protectedBranches: new Map(),
        allowAutoMerge: input.allowAutoMerge ?? true,
        approvalsRequired: input.approvalsRequired ?? 0,
        pipelineMustSucceed: input.pipelineMustSucceed ?? true,
        preventAuthorApproval: input.preventAuthorApproval ?? true,
        packageDuplicatesAllowed: input.packageDuplicatesAllowed ?? false,
        ciReports: input.ciReports ?? 'checks',
        ciJobs: input.ciJobs ?? DEFAULT_CI_JOBS,
        ciDefault: input.ciDefault ?? { result: 'success' },
        ciByBranch: new Map(),
        ciBySha: new Map(),
        ciEnabled: input.ciEnabled ?? true,
        compareTimeoutShas: new Set(),
        createdAt: world.nowIso(),
        archived: false,
      };
      world.projects.set(id, project);
      const files = input.files ?? { 'README.md': `# ${name}\n` };
      const sha = await repo.writeCommit({
        parent: null,
        files,
        message: 'Initial commit',
        author: SIM_BOT_PERSON,
        date: clock.now(),
      });
      await repo.updateRef(`refs/heads/${defaultBranch}`, sha);
      for (const b of input.branches ?? []) await repo.updateRef(`refs/heads/${b}`, sha);
      for (const b of input.protectedBranches ?? [])
        project.protectedBranches.set(b, { pushAccessLevel: ACCESS.maintainer, allowForcePush: false });
      return project;
    },
    findProject(forge, idOrPath) {
      const key = String(idOrPath);
      if (/^\d+$/.test(key)) {
        const p = world.projects.get(Number(key));
        return p && p.forge === forge ? p : undefined;
      }
      for (const p of world.projects.values())
        if (p.forge === forge && p.path.toLowerCase() === key.toLowerCase()) return p;
      return undefined;
    },
    accessLevel(user, project) {
      if (user.admin) return ACCESS.owner;
      const level = project.members.get(user.id);
      if (level !== undefined) return level;
      return project.visibility === 'public' ? ACCESS.guest : 0;
    },

    async commit({ project, branch, files, message, author, userId, startFrom, force }) {
      const uid = userId ?? [...project.members.keys()][0] ?? 0;
      const user = world.users.get(uid);
      const person = author ?? (user ? { name: user.name, email: user.email } : SIM_BOT_PERSON);
      const { sha, before } = await world.locked(project, async () => {
        const current = await project.repo.branchSha(branch);
        let parent: string | null = current;
        if (startFrom !== undefined && (current === null || force)) {
          parent = await project.repo.resolve(startFrom);
          if (!parent) throw new SimError(400, `start ref ${startFrom} not found`);
        } else if (current === null) {
          parent = await project.repo.branchSha(project.defaultBranch);
        }
        const newSha = await project.repo.writeCommit({
          parent,
          files,
          message,
          author: person,
          date: clock.now(),
        });
        const ok = await project.repo.updateRef(`refs/heads/${branch}`, newSha, current);
        if (!ok) throw new SimError(409, `branch ${branch} moved concurrently`);
        return { sha: newSha, before: current };
      });
      const forced = before !== null && !(await project.repo.isAncestor(before, sha));
      await firePush({ project, ref: branch, before, after: sha, userId: uid, forced, tag: false });
      return sha;
    },
    async setBranch(project, branch, sha, { force = false, userId, expectOld }) {
      const result = await world.locked(project, async () => {
        const target = await project.repo.resolve(sha);
        if (!target) throw new SimError(422, `Object does not exist`, 'unknown_sha');
        const before = await project.repo.branchSha(branch);
        if (expectOld !== undefined && before !== expectOld) throw new SimError(409, 'Reference has changed');
        if (before && !force && before !== target && !(await project.repo.isAncestor(before, target)))
          throw new SimError(422, 'Update is not a fast forward', 'not_fast_forward');
        const ok = await project.repo.updateRef(`refs/heads/${branch}`, target, before);
        if (!ok) throw new SimError(409, `branch ${branch} moved concurrently`);
        return { before, after: target };
      });
      if (result.before !== result.after) {
        const forced =
          result.before !== null && !(await project.repo.isAncestor(result.before, result.after));
        await firePush({
          project,
          ref: branch,
          before: result.before,
          after: result.after,
          userId,
          forced,
          tag: false,
        });
      }
      return result;
    },
    async deleteBranch(project, branch, userId) {
      const before = await project.repo.branchSha(branch);
      if (!before) throw new SimError(404, 'Branch Not Found');
      await world.locked(project, () => project.repo.deleteRef(`refs/heads/${branch}`));
      await firePush({ project, ref: branch, before, after: null, userId, forced: false, tag: false });
    },
    async createTag(project, tag, ref, userId) {
      const sha = await project.repo.resolve(ref);
      if (!sha) throw new SimError(400, 'Target is invalid');
      const ok = await world.locked(project, () => project.repo.updateRef(`refs/tags/${tag}`, sha, null));
      if (!ok) throw new SimError(400, `Tag ${tag} already exists`);
      await firePush({ project, ref: tag, before: null, after: sha, userId, forced: false, tag: true });
      return sha;
    },

    mergeRequestsOf(project) {
      return world.mergeRequests.filter((mr) => mr.projectId === project.id);
    },
    async mrHeadSha(mr) {
      if (mr.state !== 'opened') return mr.headSha;
      const project = world.projects.get(mr.projectId)!;
      return (await project.repo.branchSha(mr.sourceBranch)) ?? mr.headSha;
    },
    async mergeMergeRequest(mr, userId) {
      const project = world.projects.get(mr.projectId)!;
      const user = world.users.get(userId);
      const person = user ? { name: user.name, email: user.email } : SIM_BOT_PERSON;
      const head = await world.mrHeadSha(mr);
      const { before, after } = await world.locked(project, async () => {
        const target = await project.repo.branchSha(mr.targetBranch);
        if (!target) throw new SimError(422, 'Target branch does not exist');
        const message = mr.squash
          ? `${mr.title}\n\nSquashed commits of !${mr.iid}`
          : `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'\n\n${mr.title}\n\nSee merge request !${mr.iid}`;
        const merged = await project.repo.merge({
          target,
          source: head,
          message,
          author: person,
          date: clock.now(),
          squash: mr.squash,
        });
        if (!merged) throw new SimError(406, 'Branch cannot be merged', 'conflict');
        const ok = await project.repo.updateRef(`refs/heads/${mr.targetBranch}`, merged, target);
        if (!ok) throw new SimError(409, 'Target branch moved during merge');
        return { before: target, after: merged };
      });
      mr.state = 'merged';
      mr.headSha = head;
      mr.mergeCommitSha = mr.squash ? null : after;
      mr.squashCommitSha = mr.squash ? after : null;
      mr.mergedById = userId;
      mr.mergedAt = world.nowIso();
      mr.updatedAt = mr.mergedAt;
      mr.autoMerge = null;
      await firePush({ project, ref: mr.targetBranch, before, after, userId, forced: false, tag: false });
      if (mr.removeSourceBranch && (await project.repo.branchSha(mr.sourceBranch))) {
        await world.deleteBranch(project, mr.sourceBranch, userId);
      }
    },
    addNote(input) {
      const now = world.nowIso();
      const note: SimNote = {
        system: false,
        ...input,
        id: world.nextId('note'),
        createdAt: now,
        updatedAt: now,
      };
      world.notes.push(note);
      return note;
    },

    onPush(listener) {
      pushListeners.push(listener);
    },
    notifyPush(event) {
      return firePush(event);
    },
    onPipelineFinished(listener) {
      finishedListeners.push(listener);
    },
    async emitPipelineFinished(pipeline) {
      for (const l of finishedListeners) await l(pipeline);
    },
    packageDir() {
      return join(dir, 'packages');
    },
  };

  async function firePush(event: PushEvent): Promise<void> {
    for (const l of pushListeners) await l(event);
  }

  return world;
}
