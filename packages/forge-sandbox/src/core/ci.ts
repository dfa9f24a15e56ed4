import type {
  CiOutcome,
  SimCheckRun,
  SimForge,
  SimJob,
  SimJobSpec,
  SimPipeline,
  SimProject,
} from './model.js';
import { SimError, type PushEvent, type World } from './world.js';

/**
 * CI on simulated time. Every push to a branch or tag creates a pipeline whose jobs move
 * `created → pending → running → success|failed|canceled` as the clock advances. What happens
 * is scripted: per commit, by a marker in the commit message, per branch, or per project.
 *
 * Commit message markers:
 *   [ci:fail] [ci:fail=test,lint]   the named (default: last) jobs fail
 *   [ci:flaky] [ci:flaky=test]      they fail, and pass when retried
 *   [ci:stuck]                      the pipeline never finishes
 *   [ci:cancel]                     the pipeline is canceled
 *   [ci:jobs=docs-lint,markdown]    only these jobs run (a docs-only pipeline)
 *   [ci skip] / [skip ci]           no pipeline
 */

/**
 * Pipelines are created asynchronously on the real forges: GitLab's PostReceive worker queues
 * `CreatePipelineWorker` (an MR shows `head_pipeline: null` and "Checking pipeline status" meanwhile,
 * gitlab-org/gitlab#353984), GitHub starts workflow runs and check suites from the push webhook.
 * With a delay, a push schedules its pipeline instead of creating it inside the push: it appears
 * once simulated time has passed `delayMs` or once the forge has served `delayRequests` more API
 * requests, whichever comes first. Per forge; 0 (the default) creates it within the push.
 */
export interface CiTiming {
  delayMs?: Partial<Record<SimForge, number>>;
  delayRequests?: Partial<Record<SimForge, number>>;
}

interface ScheduledPipeline {
  project: SimProject;
  ref: string;
  sha: string;
  tag: boolean;
  userId: number;
  dueMs: number;
  requestsLeft: number;
}

const QUEUE_MS = 10_000;
const DEFAULT_JOB_MS = 5 * 60_000;
const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);

export interface CiEngine {
  createPipeline(input: {
    project: SimProject;
    ref: string;
    sha: string;
    tag?: boolean;
    source?: string;
    userId: number;
    variables?: Record<string, string>;
    outcome?: CiOutcome;
    /** When the pipeline was created (default now; a scheduled pipeline is created at its due time). */
    atMs?: number;
  }): Promise<SimPipeline>;
  /** Progress every pipeline to the clock's current time. */
  tick(): Promise<void>;
  retryJob(job: SimJob, userId: number): Promise<SimJob>;
  retryPipeline(pipeline: SimPipeline, userId: number): Promise<SimPipeline>;
  playJob(job: SimJob, userId: number): Promise<SimJob>;
  cancelPipeline(pipeline: SimPipeline): Promise<SimPipeline>;
  jobsOf(pipeline: SimPipeline, includeRetried?: boolean): SimJob[];
  /** Latest pipeline for a ref+sha. */
  latestPipeline(project: SimProject, sha: string, ref?: string): SimPipeline | undefined;
  isFinished(status: string): boolean;
  /** A push's pipeline is scheduled but not created yet (the forge is still creating it). */
  creating(project: SimProject, sha: string, ref?: string): boolean;
  /** Called once per API request a forge serves: request-counted pipeline delays move on. */
  noteRequest(forge: SimForge): Promise<void>;
  /** Create every scheduled pipeline now, as if the forge's workers caught up (clock unchanged). */
  createScheduled(): Promise<void>;
}

export function parseMarkers(message: string): CiOutcome | 'skip' | undefined {
  if (/\[(ci skip|skip ci)\]/i.test(message)) return 'skip';
  let outcome: CiOutcome | undefined;
  const list = (v: string | undefined) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
  for (const m of message.matchAll(/\[ci:(fail|flaky|stuck|cancel|jobs)(?:=([^\]]*))?\]/g)) {
    const [, kind, arg] = m;
    if (kind === 'jobs') {
      outcome = {
        result: outcome?.result ?? 'success',
        ...outcome,
        jobs: list(arg)!.map((name) => ({ name, stage: 'test' })),
      };
    } else {
      const result =
        kind === 'fail' ? 'failed' : kind === 'cancel' ? 'canceled' : (kind as 'flaky' | 'stuck');
      outcome = { ...outcome, result, failJobs: list(arg) ?? outcome?.failJobs };
    }
  }
  return outcome;
}

export function createCiEngine(world: World, timing: CiTiming = {}): CiEngine {
  const iidCounters = new Map<number, number>();
  const scheduled: ScheduledPipeline[] = [];

  function nextIid(projectId: number): number {
    const n = (iidCounters.get(projectId) ?? 0) + 1;
    iidCounters.set(projectId, n);
    return n;
  }

  function addCheckRun(project: SimProject, job: SimJob, sha: string): void {
    if (project.forge !== 'github' || project.ciReports === 'statuses') return;
    const run: SimCheckRun = {
      id: world.nextId('check_run'),
      projectId: project.id,
      sha,
      name: job.name,
      status: 'queued',
      conclusion: null,
      jobId: job.id,
      externalId: String(job.id),
      detailsUrl: `${world.webUrl.github}/${project.path}/actions/runs/${job.pipelineId}/job/${job.id}`,
      startedAt: null,
      completedAt: null,
      appSlug: 'github-actions',
    };
    world.checkRuns.push(run);
  }

  function syncStatus(project: SimProject, job: SimJob, sha: string): void {
    if (project.forge !== 'github' || project.ciReports === 'checks') return;
    const context = `ci/${job.name}`;
    const state =
      job.status === 'success'
        ? 'success'
        : job.status === 'failed'
          ? 'failed'
          : job.status === 'canceled'
            ? 'error'
            : 'pending';
    const now = world.nowIso();
    world.statuses.push({
      id: world.nextId('status'),
      projectId: project.id,
      sha,
      context,
      state,
      description: `${job.name} ${job.status}`,
      targetUrl: `${world.webUrl.github}/${project.path}/actions/runs/${job.pipelineId}/job/${job.id}`,
      creatorId: job.userId,
      createdAt: now,
      updatedAt: now,
    });
  }

  function mirror(job: SimJob): void {
    const project = world.projects.get(job.projectId)!;
    const pipeline = world.pipelines.find((p) => p.id === job.pipelineId)!;
    const run = world.checkRuns.find((c) => c.jobId === job.id);
    if (run) {
      run.status = FINISHED.has(job.status)
        ? 'completed'
        : job.status === 'running'
          ? 'in_progress'
          : 'queued';
      run.startedAt = job.startedAt;
      run.completedAt = job.finishedAt;
      run.conclusion =
        job.status === 'success'
          ? 'success'
          : job.status === 'failed'
            ? 'failure'
            : job.status === 'canceled'
              ? 'cancelled'
              : job.status === 'skipped'
                ? 'skipped'
                : null;
    }
    syncStatus(project, job, pipeline.sha);
  }

  function makeJob(
    pipeline: SimPipeline,
    spec: SimJobSpec,
    outcome: CiOutcome,
    attempt: number,
    userId: number,
    now = world.nowIso(),
  ): SimJob {
    const failing = new Set(outcome.failJobs ?? []);
    const manual = spec.when === 'manual';
    const isFailTarget =
      (outcome.result === 'failed' || outcome.result === 'flaky') &&
      (failing.size > 0 ? failing.has(spec.name) : spec.name === defaultFailJob(outcome, pipeline));
    const willFail = isFailTarget && (outcome.result === 'failed' || attempt === 0);
    return {
      id: world.nextId('job'),
      pipelineId: pipeline.id,
      projectId: pipeline.projectId,
      name: spec.name,
      stage: spec.stage,
      status: manual && attempt === 0 ? 'manual' : 'created',
      when: spec.when ?? 'on_success',
      allowFailure: spec.allowFailure ?? manual,
      failureReason: null,
      retried: false,
      attempt,
      durationMs: outcome.durationMs ?? spec.durationMs ?? DEFAULT_JOB_MS,
      willFail,
      stuck: outcome.result === 'stuck' && !manual,
      userId,
      createdAt: now,
      queuedAt: null,
      startedAt: null,
      finishedAt: null,
      environment: spec.name.startsWith('deploy:') ? spec.name.slice('deploy:'.length) : null,
    };
  }

  function specsFor(project: SimProject, outcome: CiOutcome): SimJobSpec[] {
    return outcome.jobs ?? project.ciJobs;
  }

  function defaultFailJob(outcome: CiOutcome, pipeline: SimPipeline): string | undefined {
    const project = world.projects.get(pipeline.projectId)!;
    const specs = specsFor(project, outcome).filter((s) => s.when !== 'manual');
    return specs[specs.length - 1]?.name;
  }

  async function resolveOutcome(project: SimProject, ref: string, sha: string): Promise<CiOutcome | 'skip'> {
    const bySha = project.ciBySha.get(sha);
    if (bySha) return bySha;
    const commit = await project.repo.getCommit(sha);
    const marked = commit ? parseMarkers(commit.message) : undefined;
    if (marked) return marked;
    return project.ciByBranch.get(ref) ?? project.ciDefault;
  }

  function computeStatus(pipeline: SimPipeline): SimPipeline['status'] {
    if (pipeline.status === 'canceled') return 'canceled';
    const jobs = engine.jobsOf(pipeline).filter((j) => !(j.when === 'manual' && j.status === 'manual'));
    const manualBlocking = engine
      .jobsOf(pipeline)
      .some((j) => j.when === 'manual' && j.status === 'manual' && !j.allowFailure);
    if (jobs.length === 0) return manualBlocking ? 'manual' : 'success';
    if (jobs.some((j) => !FINISHED.has(j.status))) {
      return jobs.some((j) => j.status === 'running')
        ? 'running'
        : jobs.every((j) => j.status === 'created')
          ? 'created'
          : 'pending';
    }
    if (jobs.some((j) => j.status === 'failed' && !j.allowFailure)) return 'failed';
    if (jobs.some((j) => j.status === 'canceled')) return 'canceled';
    return manualBlocking ? 'manual' : 'success';
  }

  async function refresh(pipeline: SimPipeline): Promise<void> {
    const before = pipeline.status;
    const status = computeStatus(pipeline);
    if (status === before) return;
    pipeline.status = status;
    pipeline.updatedAt = world.nowIso();
    if (status === 'running' && !pipeline.startedAt) pipeline.startedAt = pipeline.updatedAt;
    if (FINISHED.has(status)) {
      pipeline.finishedAt = pipeline.updatedAt;
      await world.emitPipelineFinished(pipeline);
    } else {
      pipeline.finishedAt = null;
    }
  }

  function advanceJob(job: SimJob, nowMs: number): boolean {
    if (FINISHED.has(job.status) || job.status === 'manual') return false;
    const created = Date.parse(job.createdAt);
    let changed = false;
    if (job.status === 'created' && nowMs >= created) {
      job.status = 'pending';
      job.queuedAt = new Date(Math.max(created, nowMs - 1)).toISOString();
      changed = true;
    }
    if (job.status === 'pending' && nowMs >= created + QUEUE_MS) {
      job.status = 'running';
      job.startedAt = new Date(created + QUEUE_MS).toISOString();
      changed = true;
    }
    if (job.status === 'running' && !job.stuck && nowMs >= Date.parse(job.startedAt!) + job.durationMs) {
      job.finishedAt = new Date(Date.parse(job.startedAt!) + job.durationMs).toISOString();
      job.status = job.willFail ? 'failed' : 'success';
      if (job.willFail) job.failureReason = outcomeReason(job);
      changed = true;
    }
    if (changed) mirror(job);
    return changed;
  }

  function outcomeReason(job: SimJob): string {
    const pipeline = world.pipelines.find((p) => p.id === job.pipelineId)!;
    return pipeline.outcome.failureReason ?? 'script_failure';
  }

  async function onJobSucceeded(job: SimJob): Promise<void> {
    if (!job.environment) return;
    const pipeline = world.pipelines.find((p) => p.id === job.pipelineId)!;
    const project = world.projects.get(job.projectId)!;
    let env = world.environments.find((e) => e.projectId === project.id && e.name === job.environment);
    if (!env) {
      env = {
        id: world.nextId('environment'),
        projectId: project.id,
        name: job.environment,
        externalUrl: null,
        state: 'available',
        createdAt: world.nowIso(),
      };
      world.environments.push(env);
    }
    const existing = world.deployments.find((d) => d.jobId === job.id);
    if (existing) return;
    const now = world.nowIso();
    world.deployments.push({
      id: world.nextId('deployment'),
      iid: world.deployments.filter((d) => d.projectId === project.id).length + 1,
      projectId: project.id,
      environmentId: env.id,
      ref: pipeline.ref,
      sha: pipeline.sha,
      status: 'success',
      userId: job.userId,
      jobId: job.id,
      payload: { ...pipeline.variables },
      description: pipeline.variables.DEPLOY_VERSION ?? null,
      createdAt: job.startedAt ?? now,
      updatedAt: now,
      finishedAt: now,
    });
  }

  const engine: CiEngine = {
    async createPipeline({
      project,
      ref,
      sha,
      tag = false,
      source = 'push',
      userId,
      variables = {},
      outcome,
      atMs,
    }) {
      const resolved = outcome ?? (await resolveOutcome(project, ref, sha));
      if (resolved === 'skip') throw new SimError(400, 'Pipeline skipped by commit message', 'skipped');
      const now = atMs === undefined ? world.nowIso() : new Date(atMs).toISOString();
      const pipeline: SimPipeline = {
        id: world.nextId('pipeline'),
        iid: nextIid(project.id),
        projectId: project.id,
        ref,
        sha,
        tag,
        source,
        status: 'created',
        userId,
        outcome: resolved,
        variables,
        createdAt: now,
        updatedAt: now,
        startedAt: null,
        finishedAt: null,
      };
      world.pipelines.push(pipeline);
      for (const spec of specsFor(project, resolved)) {
        const job = makeJob(pipeline, spec, resolved, 0, userId, now);
        world.jobs.push(job);
        if (job.status !== 'manual') {
          addCheckRun(project, job, sha);
          syncStatus(project, job, sha);
        }
      }
      if (resolved.result === 'canceled') {
        for (const job of engine.jobsOf(pipeline)) {
          job.status = 'canceled';
          job.finishedAt = now;
          mirror(job);
        }
        pipeline.status = 'canceled';
        pipeline.finishedAt = now;
        await world.emitPipelineFinished(pipeline);
      }
      return pipeline;
    },

    async tick() {
      const nowMs = world.clock.nowMs();
      await createDue((p) => p.dueMs <= nowMs);
      for (const pipeline of world.pipelines) {
        if (pipeline.status === 'canceled') continue;
        let changed = false;
        for (const job of engine.jobsOf(pipeline)) {
          const wasSuccess = job.status === 'success';
          if (advanceJob(job, nowMs)) {
            changed = true;
            if (!wasSuccess && job.status === 'success') await onJobSucceeded(job);
          }
        }
        if (changed || !FINISHED.has(pipeline.status)) await refresh(pipeline);
      }
    },

    async retryJob(job, userId) {
      if (!['failed', 'canceled', 'success'].includes(job.status) || job.retried)
        throw new SimError(403, 'Job is not retryable', 'not_retryable');
      const pipeline = world.pipelines.find((p) => p.id === job.pipelineId)!;
      const spec = {
        name: job.name,
        stage: job.stage,
        when: job.when,
        allowFailure: job.allowFailure,
        durationMs: job.durationMs,
      };
      job.retried = true;
      const retry = makeJob(pipeline, spec, pipeline.outcome, job.attempt + 1, userId);
      retry.status = 'pending';
      retry.queuedAt = world.nowIso();
      world.jobs.push(retry);
      const project = world.projects.get(job.projectId)!;
      addCheckRun(project, retry, pipeline.sha);
      syncStatus(project, retry, pipeline.sha);
      if (pipeline.status === 'canceled') pipeline.status = 'running';
      await refresh(pipeline);
      return retry;
    },

    async retryPipeline(pipeline, userId) {
      const failed = engine.jobsOf(pipeline).filter((j) => j.status === 'failed' || j.status === 'canceled');
      if (failed.length === 0) throw new SimError(403, 'Pipeline is not retryable', 'not_retryable');
      if (pipeline.status === 'canceled') pipeline.status = 'running';
      for (const job of failed) await engine.retryJob(job, userId);
      return pipeline;
    },

    async playJob(job, userId) {
      if (job.status !== 'manual') throw new SimError(400, 'Unplayable Job', 'unplayable');
      const pipeline = world.pipelines.find((p) => p.id === job.pipelineId)!;
      const project = world.projects.get(job.projectId)!;
      job.status = 'pending';
      job.userId = userId;
      job.createdAt = world.nowIso();
      job.queuedAt = job.createdAt;
      addCheckRun(project, job, pipeline.sha);
      await refresh(pipeline);
      return job;
    },

    async cancelPipeline(pipeline) {
      for (const job of engine.jobsOf(pipeline)) {
        if (!FINISHED.has(job.status) && job.status !== 'manual') {
          job.status = 'canceled';
          job.finishedAt = world.nowIso();
          mirror(job);
        }
      }
      await refresh(pipeline);
      return pipeline;
    },

    jobsOf(pipeline, includeRetried = false) {
      return world.jobs.filter((j) => j.pipelineId === pipeline.id && (includeRetried || !j.retried));
    },

    latestPipeline(project, sha, ref) {
      let latest: SimPipeline | undefined;
      for (const p of world.pipelines)
        if (
          p.projectId === project.id &&
          p.sha === sha &&
          (!ref || p.ref === ref) &&
          (!latest || p.id > latest.id)
        )
          latest = p;
      return latest;
    },

    isFinished(status) {
      return FINISHED.has(status);
    },

    creating(project, sha, ref) {
      return scheduled.some((p) => p.project === project && p.sha === sha && (!ref || p.ref === ref));
    },

    async createScheduled() {
      await createDue(() => true);
    },

    async noteRequest(forge) {
      for (const p of scheduled) if (p.project.forge === forge) p.requestsLeft--;
      await createDue((p) => p.requestsLeft <= 0);
    },
  };

  /** Create the scheduled pipelines that are due, oldest first, each at its own due time. */
  async function createDue(due: (p: ScheduledPipeline) => boolean): Promise<void> {
    const ready = scheduled.filter(due).sort((a, b) => a.dueMs - b.dueMs);
    if (ready.length === 0) return;
    for (const p of ready) scheduled.splice(scheduled.indexOf(p), 1);
    const nowMs = world.clock.nowMs();
    for (const p of ready) await createNow(p, Math.min(p.dueMs, nowMs));
  }

  async function createNow(
    p: Omit<ScheduledPipeline, 'dueMs' | 'requestsLeft'>,
    atMs?: number,
  ): Promise<void> {
    try {
      await engine.createPipeline({
        project: p.project,
        ref: p.ref,
        sha: p.sha,
        tag: p.tag,
        source: 'push',
        userId: p.userId,
        atMs,
      });
    } catch (error) {
      if (!(error instanceof SimError && error.code === 'skipped')) throw error;
    }
  }

  world.onPush(async (event: PushEvent) => {
    if (!event.after) return;
    const project = event.project;
    if (!event.tag) await onBranchMoved(event);
    if (!project.ciEnabled) return;
    const push = { project, ref: event.ref, sha: event.after, tag: event.tag, userId: event.userId };
    const delayMs = timing.delayMs?.[project.forge] ?? 0;
    const delayRequests = timing.delayRequests?.[project.forge] ?? 0;
    if (delayMs <= 0 && delayRequests <= 0) return createNow(push);
    scheduled.push({
      ...push,
      dueMs: world.clock.nowMs() + (delayMs > 0 ? delayMs : Number.POSITIVE_INFINITY),
      requestsLeft: delayRequests > 0 ? delayRequests : Number.POSITIVE_INFINITY,
    });
  });

  async function onBranchMoved(event: PushEvent): Promise<void> {
    for (const mr of world.mergeRequestsOf(event.project)) {
      if (mr.state !== 'opened' || mr.sourceBranch !== event.ref) continue;
      mr.updatedAt = world.nowIso();
      if (mr.autoMerge && mr.autoMerge.sha !== event.after) {
        // GitLab aborts auto-merge when the source branch moves; the bot must re-arm it with the new sha.
        mr.autoMerge = null;
        world.addNote({
          projectId: mr.projectId,
          noteableType: 'MergeRequest',
          noteableIid: mr.iid,
          body: 'aborted the automatic merge because the source branch was updated',
          authorId: event.userId,
          system: true,
        });
      }
      mr.approvedBy = [];
    }
  }

  world.onPipelineFinished(async (pipeline) => {
    if (pipeline.status !== 'success') return;
    const project = world.projects.get(pipeline.projectId)!;
    for (const mr of world.mergeRequestsOf(project)) {
      if (mr.state !== 'opened' || !mr.autoMerge || mr.sourceBranch !== pipeline.ref) continue;
      if (mr.autoMerge.sha !== pipeline.sha) continue;
      if ((await world.mrHeadSha(mr)) !== pipeline.sha) continue;
      if (mr.approvedBy.length < project.approvalsRequired) continue;
      const latest = engine.latestPipeline(project, pipeline.sha, pipeline.ref);
      if (latest && latest.id !== pipeline.id) continue;
      mr.squash = mr.autoMerge.squash || mr.squash;
      mr.removeSourceBranch = mr.autoMerge.removeSourceBranch || mr.removeSourceBranch;
      try {
        await world.mergeMergeRequest(mr, mr.autoMerge.userId);
      } catch (error) {
        if (!(error instanceof SimError)) throw error;
        world.addNote({
          projectId: mr.projectId,
          noteableType: 'MergeRequest',
          noteableIid: mr.iid,
          body: `aborted the automatic merge: ${error.message}`,
          authorId: mr.autoMerge?.userId ?? mr.authorId,
          system: true,
        });
        mr.autoMerge = null;
      }
    }
  });

  world.clock.onAdvance(() => engine.tick());
  return engine;
}
