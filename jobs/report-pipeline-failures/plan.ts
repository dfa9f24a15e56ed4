import { ForgeError } from '../../src/errors.js';
import type { ChangeRequest, Forge, Pipeline } from '../../src/forges/types.js';
import { botUser, sameUser } from '../../src/kit/bot-user.js';
import { readMarkers } from '../../src/kit/marker.js';
import type { IncidentRef, NotifyMessage } from '../../src/notify/types.js';
import type { JobContext, Verdict } from '../../src/runner/job.js';
import { brokenRef, greenRef, incidentKey } from './ref-verdict.js';
import {
  closedMessage,
  closeNote,
  failureMessage,
  failureNote,
  NOTE_MARKER,
  VERDICT,
  recoveredMessage,
  type FailureReport,
  type Where,
} from './messages.js';
import type { MergeRequestTarget } from './options.js';
import { fetchChanged, startCursor } from './pipelines.js';
import {
  emptyBranch,
  emptyStreak,
  keys,
  needsAttention,
  type BranchMr,
  type BranchState,
  type Cursor,
  type PipelineRecord,
  type Streak,
} from './state.js';
import { collectFailure, componentRange, latestFinished, shouldRetry, type Failure } from './triage.js';
import { defaultBranch, type BranchTarget, type RefTarget, type Target } from './watch.js';

/**
 * Reads the forges and the store and decides, per watched ref, what to do: pure data (steps),
 * printed as is in dry-run and performed in order otherwise (apply.ts).
 *
 * Order per failed pipeline, chosen so a run killed after any step converges without a
 * duplicate: Slack (intent → send → sent), then the MR label and note (found on the forge
 * again: never twice), then Sentry (grouped by fingerprint, so a repeat is harmless), then the
 * ref's streak or branch state (set semantics: adding a pipeline twice is adding it once), then
 * the pipeline's record is marked done; the cursor moves last. A retry is performed before it is
 * recorded: the forge itself shows an earlier attempt, so a retry is never repeated.
 */

export type Step = { subject: string; description: string; url?: string } & (
  | { kind: 'start-watching'; key: string; cursor: Cursor }
  | { kind: 'retry'; forge: string; project: string; pipelineId: number; jobIds: number[] }
  | {
      kind: 'notify';
      slack: { channel: string | undefined; message: NotifyMessage };
      record: string;
      patch: Partial<PipelineRecord>;
      /** A watched ref's failures are one conversation in Slack, ended by its recovery. */
      incident?: IncidentRef;
    }
  | { kind: 'label'; forge: string; project: string; iid: number; add: string[]; remove: string[] }
  | { kind: 'note'; forge: string; project: string; iid: number; body: string }
  | {
      kind: 'sentry';
      message: string;
      fingerprint: string[];
      tags: Record<string, string>;
      extra: Record<string, unknown>;
      record: string;
    }
  | { kind: 'delete-branch'; forge: string; project: string; branch: string }
  | { kind: 'close-mr'; forge: string; project: string; iid: number }
  /** Store writes: not shown as actions. */
  | { kind: 'remember'; key: string; value: unknown }
  | { kind: 'record'; key: string; patch: Partial<PipelineRecord> }
);

export const INTERNAL_STEPS = new Set<Step['kind']>(['remember', 'record']);

export interface TargetPlan {
  target: Target;
  steps: Step[];
  /** One line per pipeline or decision, for the run summary. */
  notes: string[];
  warnings: string[];
  /** A watched ref's state for the runner's alerts (broken / green), when this run learned it. */
  verdict?: Verdict;
}

/** What the whole run shares: the first-run flag and per-run memos (one request per ref at most). */
export interface Planner {
  ctx: JobContext;
  /** No pipeline is reported on the job's first run: it only starts watching. */
  firstRun: boolean;
  /** When the job started watching: a bot branch seen for the first time is read from here. */
  since: string;
  latest(target: Target, ref: string): Promise<Pipeline | null>;
}

export function createPlanner(ctx: JobContext, firstRun: boolean, since: string): Planner {
  const memo = new Map<string, Promise<Pipeline | null>>();
  return {
    ctx,
    firstRun,
    since,
    latest(target, ref) {
      const key = `${target.forgeName}:${target.project}:${ref}`;
      let found = memo.get(key);
      if (!found) memo.set(key, (found = latestFinished(target.forge, target.project, ref)));
      return found;
    },
  };
}

const sigil = (forge: Forge): '!' | '#' => forge.links.changeRequestSigil;

function channelOf(ctx: JobContext, settings: { slackChannel?: string }): string | undefined {
  return settings.slackChannel ?? ctx.slackChannel;
}

function channelName(ctx: JobContext, settings: { slackChannel?: string }): string | undefined {
  return channelOf(ctx, settings) ?? ctx.config.slack.defaultChannel;
}

function context(ctx: JobContext): NotifyMessage['context'] {
  return { job: ctx.job, runId: ctx.runId, dryRun: ctx.dryRun || undefined };
}

function mrInfo(mr: ChangeRequest): BranchMr {
  return { iid: mr.iid, title: mr.title, webUrl: mr.webUrl, targetBranch: mr.targetBranch };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Slack once: a record already `sending` means a run died mid-send; it is never resent. */
function notify(
  plan: TargetPlan,
  record: PipelineRecord | undefined,
  key: string,
  channel: string | undefined,
  message: NotifyMessage,
  patch: Partial<PipelineRecord>,
  incident?: IncidentRef,
): void {
  const subject = plan.target.subject;
  if (!record?.slack) {
    plan.steps.push({
      kind: 'notify',
      subject,
      description: `post to Slack${channel ? ` #${channel}` : ''}: "${message.title}"`,
      url: message.links?.[0]?.url,
      slack: { channel, message },
      record: key,
      patch,
      ...(incident ? { incident } : {}),
    });
  } else if (record.slack === 'sending') {
    plan.warnings.push(
      `a run stopped while posting "${message.title}" to Slack; not posting it again (it may or may not have arrived)`,
    );
    plan.steps.push({ kind: 'record', subject, description: '', key, patch: { slack: 'unconfirmed' } });
  }
}

function remember(plan: TargetPlan, key: string, value: unknown): void {
  plan.steps.push({ kind: 'remember', subject: plan.target.subject, description: '', key, value });
}

function markDone(plan: TargetPlan, key: string, record: PipelineRecord | undefined, now: Date): void {
  plan.steps.push({
    kind: 'record',
    subject: plan.target.subject,
    description: '',
    key,
    patch: { at: record?.at ?? now.toISOString(), done: true },
  });
}

function retry(plan: TargetPlan, target: Target, failure: Failure, key: string, now: Date): void {
  const names = failure.jobs.map((j) => j.name).join(', ');
  plan.steps.push({
    kind: 'retry',
    subject: target.subject,
    description: `retry the failed jobs of pipeline #${failure.pipeline.id} once (looks flaky: ${names})`,
    url: failure.pipeline.webUrl,
    forge: target.forgeName,
    project: target.project,
    pipelineId: failure.pipeline.id,
    jobIds: failure.jobs.map((j) => j.id),
  });
  plan.steps.push({
    kind: 'record',
    subject: target.subject,
    description: '',
    key,
    patch: { at: now.toISOString(), retried: failure.jobs.map((j) => j.id) },
  });
  plan.notes.push(
    `#${failure.pipeline.id} failed on flaky job(s) ${names}: retrying once, reporting only if it fails again`,
  );
}

type From = { cursor: Cursor } | { since: string };

async function cursorOrStart(
  planner: Planner,
  plan: TargetPlan,
  ref: string,
  fromHistory: boolean,
): Promise<From | null> {
  const { ctx } = planner;
  const { target } = plan;
  const key = keys.cursor(target.forgeName, target.project, ref);
  const cursor = await ctx.state.get<Cursor>(key);
  if (cursor) return { cursor };
  if (!fromHistory) return { since: planner.since };
  const start = await startCursor(target.forge, target.project, ref, ctx.now());
  plan.steps.push({
    kind: 'start-watching',
    subject: target.subject,
    description: `start watching ${target.subject} (pipelines finished before now are not reported)`,
    key,
    cursor: start,
  });
  plan.notes.push('started watching');
  return null;
}

function moveCursor(plan: TargetPlan, ref: string, from: From, next: Cursor): void {
  if ('cursor' in from && same(from.cursor, next)) return;
  const { target } = plan;
  remember(plan, keys.cursor(target.forgeName, target.project, ref), next);
}

// ---------------------------------------------------------------- watched refs (projects)

async function sinceGreen(
  target: RefTarget,
  streak: Streak,
  sha: string,
): Promise<FailureReport['sinceGreen']> {
  let from = streak.lastGreen?.sha;
  if (!from) {
    const [green] = await target.forge.ci.listPipelines(target.project, {
      ref: target.ref,
      status: 'success',
      sort: 'desc',
      limit: 1,
    });
    from = green?.sha;
  }
  if (!from || from === sha) return null;
  try {
    return { from, compare: await target.forge.repo.compare(target.project, from, sha) };
  } catch (error) {
    // A force-pushed branch: name the last green commit without the list.
    if (error instanceof ForgeError && [400, 404].includes(error.status)) return { from, compare: null };
    throw error;
  }
}

async function planRef(planner: Planner, target: RefTarget): Promise<TargetPlan> {
  const { ctx } = planner;
  const plan: TargetPlan = { target, steps: [], notes: [], warnings: [] };
  const from = await cursorOrStart(planner, plan, target.ref, true);
  if (!from) return plan;
  const fetched = await fetchChanged(target.forge, target.project, target.ref, from);
  if (fetched.truncated)
    plan.warnings.push(`more than 100 pipelines changed on ${target.subject}; older ones were not examined`);
  const { settings } = target;
  const streakKey = keys.streak(target.forgeName, target.project, target.ref);
  const stored = (await ctx.state.get<Streak>(streakKey)) ?? emptyStreak();
  const streak: Streak = structuredClone(stored);
  let written: Streak = stored;
  const where: Where = { project: target.project, ref: target.ref, mr: null, mrSigil: sigil(target.forge) };

  for (const pipeline of fetched.finished) {
    if (pipeline.status !== 'failed' && pipeline.status !== 'success') continue;
    // A failure and a later success of the same pipeline (retried by someone) are two events.
    const key = keys.pipeline(target.forgeName, target.project, pipeline.id, pipeline.status);
    const record = await ctx.state.get<PipelineRecord>(key);
    if (record?.done) continue;

    if (pipeline.status === 'success') {
      const recovered = streak.failed.length > 0 && pipeline.id >= Math.max(...streak.failed);
      if (recovered) {
        notify(
          plan,
          record,
          key,
          channelOf(ctx, settings),
          recoveredMessage({
            where,
            pipeline,
            failedPipelines: streak.failed.length,
            since: streak.since,
            merged: false,
            context: context(ctx),
          }),
          {},
          { key: incidentKey(target), resolved: true },
        );
        plan.notes.push(`#${pipeline.id} passed: recovered after ${streak.failed.length} failed pipeline(s)`);
        streak.failed = [];
        streak.since = null;
      }
      if (!streak.lastGreen || pipeline.id > streak.lastGreen.id)
        streak.lastGreen = { id: pipeline.id, sha: pipeline.sha };
      if (streak.failed.length === 0) plan.verdict = greenRef(target, pipeline);
      if (!same(streak, written)) remember(plan, streakKey, (written = structuredClone(streak)));
      if (recovered) markDone(plan, key, record, ctx.now());
      continue;
    }

    const failure = await collectFailure(target.forge, target.project, pipeline, settings.knownFlaky);
    if (shouldRetry(failure, settings.retryFlakyOnce, Boolean(record?.retried))) {
      retry(plan, target, failure, key, ctx.now());
      continue;
    }
    const verdict = record?.verdict ?? (failure.flaky ? 'flake' : 'broken-ref');
    const report: FailureReport = {
      where,
      failure,
      verdict,
      targetPipeline: null,
      range: null,
      sinceGreen: await sinceGreen(target, streak, pipeline.sha),
      mention: settings.mention,
      context: context(ctx),
    };
    notify(
      plan,
      record,
      key,
      channelOf(ctx, settings),
      failureMessage(report),
      { at: record?.at ?? ctx.now().toISOString(), verdict },
      { key: incidentKey(target) },
    );
    if (!streak.failed.includes(pipeline.id)) streak.failed.push(pipeline.id);
    streak.since ??= failure.pipeline.finishedAt ?? pipeline.updatedAt;
    plan.verdict = brokenRef(target, streak, failure);
    plan.notes.push(
      `#${pipeline.id} failed (${VERDICT[verdict]}${failure.retriedOnce ? ', retried once' : ''}): reported`,
    );
    if (settings.sentryAfter > 0 && streak.failed.length >= settings.sentryAfter && !record?.sentry) {
      const message = `Pipelines failing on ${target.project} ${target.ref}: ${streak.failed.length} in a row`;
      plan.steps.push({
        kind: 'sentry',
        subject: target.subject,
        description: `send a Sentry event "${message}" (grouped per project and ref)`,
        message,
        fingerprint: ['pipeline-failure', target.project, target.ref],
        tags: { project: target.project, ref: target.ref, forge: target.forgeName, verdict },
        extra: {
          pipeline: pipeline.webUrl,
          failedPipelines: streak.failed.length,
          failingSince: streak.since,
          failedJobs: failure.jobs.slice(0, 50).map((j) => j.name),
        },
        record: key,
      });
    }
    if (!same(streak, written)) remember(plan, streakKey, (written = structuredClone(streak)));
    markDone(plan, key, record, ctx.now());
  }
  moveCursor(plan, target.ref, from, fetched.next);
  return plan;
}

// ---------------------------------------------------------------- the bot's MRs

type WorkflowState = 'failed' | 'ready' | 'merged';

function labelStep(plan: TargetPlan, target: BranchTarget, mr: ChangeRequest, want: WorkflowState): void {
  const names = target.settings.labels;
  const add = mr.labels.includes(names[want]) ? [] : [names[want]];
  const remove = (Object.keys(names) as WorkflowState[])
    .filter((s) => s !== want && mr.labels.includes(names[s]))
    .map((s) => names[s]);
  if (!add.length && !remove.length) return;
  plan.steps.push({
    kind: 'label',
    subject: target.subject,
    description: `label MR ${sigil(target.forge)}${mr.iid} ${names[want]}${remove.length ? ` (remove ${remove.join(', ')})` : ''}`,
    url: mr.webUrl,
    forge: target.forgeName,
    project: target.project,
    iid: mr.iid,
    add,
    remove,
  });
  // Later steps of this run see the labels as they will be.
  mr.labels = [...mr.labels.filter((l) => !remove.includes(l)), ...add];
}

async function hasNote(
  target: BranchTarget,
  iid: number,
  match: (data: Record<string, unknown>) => boolean,
): Promise<boolean> {
  const notes = await target.forge.notes.list(target.project, { kind: 'change_request', iid });
  // Only the bot's own notes: anyone can write the marker into a comment of theirs.
  const bot = (await botUser(target.forge, target.forge)).username;
  return notes.some((n) => sameUser(n.author, bot) && readMarkers(n.body, NOTE_MARKER).some(match));
}

async function findMr(target: BranchTarget, state: BranchState): Promise<ChangeRequest | null> {
  const [open] = await target.forge.changeRequests.list(target.project, {
    sourceBranch: target.ref,
    state: 'opened',
  });
  if (open) return open;
  return state.mr ? target.forge.changeRequests.get(target.project, state.mr.iid) : null;
}

/** The MR that merged this head: a green MR often merges (and loses its branch) between two runs. */
async function mergedMr(target: BranchTarget, sha: string): Promise<ChangeRequest | null> {
  const merged = await target.forge.changeRequests.list(target.project, {
    sourceBranch: target.ref,
    state: 'merged',
    limit: 5,
  });
  return merged.find((m) => m.headSha === sha) ?? null;
}

async function planBranch(planner: Planner, target: BranchTarget): Promise<TargetPlan> {
  const { ctx } = planner;
  const plan: TargetPlan = { target, steps: [], notes: [], warnings: [] };
  const from = await cursorOrStart(planner, plan, target.ref, planner.firstRun);
  if (!from) return plan;
  const { settings } = target;
  const branchKey = keys.branch(target.forgeName, target.project, target.ref);
  const stored = (await ctx.state.get<BranchState>(branchKey)) ?? emptyBranch();
  let state: BranchState = structuredClone(stored);
  let written: BranchState = stored;
  const save = () => {
    if (!same(state, written)) remember(plan, branchKey, (written = structuredClone(state)));
  };
  let mrMemo: Promise<ChangeRequest | null> | undefined;
  const currentMr = () => (mrMemo ??= findMr(target, state));
  let sawSuccess = false;
  const adopt = (mr: ChangeRequest | null) => {
    if (mr && state.mr?.iid !== mr.iid) state = { ...emptyBranch(), mr: mrInfo(mr), headSha: state.headSha };
  };
  if (target.sha && target.sha !== state.headSha) {
    // A new head (a new or refreshed MR): learn its MR now, so it is known even if it merges
    // before this job sees it open. An unchanged head costs nothing here.
    state.headSha = target.sha;
    adopt(await currentMr());
  }

  // The branch's pipelines, and on GitLab projects with merge request pipelines those of the
  // MR's ref too (refs/merge-requests/<iid>/head), while the MR is live.
  const sources: { ref: string; from: From; next: Cursor }[] = [];
  const finished: Pipeline[] = [];
  const read = async (ref: string, from: From) => {
    const fetched = await fetchChanged(target.forge, target.project, ref, from);
    sources.push({ ref, from, next: fetched.next });
    finished.push(...fetched.finished);
  };
  await read(target.ref, from);
  if (
    settings.mergeRequestPipelines &&
    target.forge.capabilities.changeRequestPipelines &&
    state.mr &&
    (target.listed || needsAttention(state))
  ) {
    const ref = `refs/merge-requests/${state.mr.iid}/head`;
    await read(ref, (await cursorOrStart(planner, plan, ref, false))!);
  }
  finished.sort((a, b) => a.id - b.id);

  for (const pipeline of finished) {
    if (pipeline.status !== 'failed' && pipeline.status !== 'success') continue;
    // A failure and a later success of the same pipeline (retried by someone) are two events.
    const key = keys.pipeline(target.forgeName, target.project, pipeline.id, pipeline.status);
    const record = await ctx.state.get<PipelineRecord>(key);
    if (record?.done) continue;
    let mr = await currentMr();
    if (!mr && pipeline.status === 'success') mr = await mergedMr(target, pipeline.sha);
    adopt(mr);
    const where: Where = {
      project: target.project,
      ref: target.ref,
      mr: mr ? mrInfo(mr) : null,
      mrSigil: sigil(target.forge),
    };

    if (pipeline.status === 'success') {
      sawSuccess = true;
      if (mr && mr.state !== 'closed')
        labelStep(plan, target, mr, mr.state === 'merged' ? 'merged' : 'ready');
      const recovered = state.failed.length > 0 && pipeline.id >= Math.max(...state.failed);
      if (recovered) {
        notify(
          plan,
          record,
          key,
          channelOf(ctx, settings),
          recoveredMessage({
            where,
            pipeline,
            failedPipelines: state.failed.length,
            since: null,
            merged: mr?.state === 'merged',
            context: context(ctx),
          }),
          {},
        );
        plan.notes.push(`#${pipeline.id} passed: MR recovered`);
      } else plan.notes.push(`#${pipeline.id} passed`);
      state.failed = [];
      state.waiting = null;
      state.awaitingMerge = mr?.state === 'opened';
      save();
      if (recovered) markDone(plan, key, record, ctx.now());
      continue;
    }

    const failure = await collectFailure(target.forge, target.project, pipeline, settings.knownFlaky);
    if (shouldRetry(failure, settings.retryFlakyOnce, Boolean(record?.retried))) {
      retry(plan, target, failure, key, ctx.now());
      continue;
    }
    const targetBranch = mr?.targetBranch ?? (await defaultBranch(ctx, target.forgeName, target.project));
    let verdict = record?.verdict;
    const flake = verdict === 'flake' || (verdict === undefined && failure.flaky);
    // Is the target branch failing too? Then the MR is not to blame.
    const targetLatest = flake ? null : await planner.latest(target, targetBranch);
    verdict ??= flake ? 'flake' : targetLatest?.status === 'failed' ? 'broken-default-branch' : 'regression';
    const report: FailureReport = {
      where,
      failure,
      verdict,
      targetPipeline: verdict === 'broken-default-branch' ? targetLatest : null,
      // The range comes from the MR's marker: only the bot's own MR's marker is its word.
      range:
        verdict === 'regression' &&
        mr &&
        sameUser(mr.author, (await botUser(target.forge, target.forge)).username)
          ? await componentRange(mr, ctx.config, ctx.forge)
          : null,
      sinceGreen: null,
      mention: settings.mention,
      context: context(ctx),
    };
    notify(plan, record, key, channelOf(ctx, settings), failureMessage(report), {
      at: record?.at ?? ctx.now().toISOString(),
      verdict,
    });
    plan.notes.push(
      `#${pipeline.id} failed (${VERDICT[verdict]}${failure.retriedOnce ? ', retried once' : ''}): reported`,
    );
    if (mr) {
      if (mr.state === 'opened') labelStep(plan, target, mr, 'failed');
      if (!(await hasNote(target, mr.iid, (d) => d.pipeline === pipeline.id)))
        plan.steps.push({
          kind: 'note',
          subject: target.subject,
          description: `note on MR ${sigil(target.forge)}${mr.iid} with the report of pipeline #${pipeline.id}`,
          url: mr.webUrl,
          forge: target.forgeName,
          project: target.project,
          iid: mr.iid,
          body: failureNote(report, channelName(ctx, settings)),
        });
    }
    if (!state.failed.includes(pipeline.id)) state.failed.push(pipeline.id);
    state.awaitingMerge = false;
    if (
      verdict === 'broken-default-branch' &&
      settings.closeStaleWhenGreen &&
      mr?.state === 'opened' &&
      targetLatest
    )
      state.waiting = {
        targetBranch,
        staleSha: pipeline.sha,
        pipelineId: targetLatest.id,
        since: pipeline.updatedAt,
      };
    save();
    markDone(plan, key, record, ctx.now());
  }

  state = await planWaiting(planner, plan, target, state, settings, sawSuccess);
  save();
  for (const source of sources) moveCursor(plan, source.ref, source.from, source.next);
  return plan;
}

/** Between pipelines: a green MR merging, a stale MR whose target branch turned green, an MR closed by a human. */
async function planWaiting(
  planner: Planner,
  plan: TargetPlan,
  target: BranchTarget,
  current: BranchState,
  settings: MergeRequestTarget,
  sawSuccess: boolean,
): Promise<BranchState> {
  const { ctx } = planner;
  const state = structuredClone(current);
  if (!state.mr) return state;
  const { forge, project } = target;
  let mrMemo: Promise<ChangeRequest | null> | undefined;
  const mr = () => (mrMemo ??= forge.changeRequests.get(project, state.mr!.iid));

  if (state.awaitingMerge && !sawSuccess) {
    const now = await mr();
    if (now?.state === 'merged') {
      labelStep(plan, target, now, 'merged');
      plan.notes.push(`MR ${sigil(forge)}${now.iid} merged`);
    }
    if (now?.state !== 'opened') state.awaitingMerge = false;
  }

  if (state.waiting && settings.closeStaleWhenGreen) {
    const waiting = state.waiting;
    const green = await planner.latest(target, waiting.targetBranch);
    if (green?.status === 'success' && green.id > waiting.pipelineId) {
      const stale = await mr();
      // Close and delete only the bot's own MR: a branch name is no proof of who opened it.
      const own = stale
        ? sameUser(stale.author, (await botUser(target.forge, target.forge)).username)
        : false;
      if (own && stale?.state === 'opened' && (stale.headSha === waiting.staleSha || !target.listed)) {
        const s = sigil(forge);
        if (!(await hasNote(target, stale.iid, (d) => d.closed === waiting.staleSha)))
          plan.steps.push({
            kind: 'note',
            subject: target.subject,
            description: `note on MR ${s}${stale.iid} why it is closed`,
            url: stale.webUrl,
            forge: target.forgeName,
            project,
            iid: stale.iid,
            body: closeNote({ targetBranch: waiting.targetBranch, green, staleSha: waiting.staleSha }),
          });
        // Branch, message, then the MR: with no branch, update-component starts afresh from the
        // fixed target branch even if this run dies before closing; while the MR is open a later
        // run finishes the job (the note and message are not repeated).
        if (target.listed)
          plan.steps.push({
            kind: 'delete-branch',
            subject: target.subject,
            description: `delete the stale branch ${target.ref} (built on the broken ${waiting.targetBranch})`,
            forge: target.forgeName,
            project,
            branch: target.ref,
          });
        const key = keys.closed(target.forgeName, project, stale.iid);
        notify(
          plan,
          await ctx.state.get<PipelineRecord>(key),
          key,
          channelOf(ctx, settings),
          closedMessage({
            project,
            mr: mrInfo(stale),
            mrSigil: s,
            targetBranch: waiting.targetBranch,
            green,
            context: context(ctx),
          }),
          { at: ctx.now().toISOString() },
        );
        plan.steps.push({
          kind: 'close-mr',
          subject: target.subject,
          description: `close the stale MR ${s}${stale.iid}: ${waiting.targetBranch} is green again (pipeline #${green.id})`,
          url: stale.webUrl,
          forge: target.forgeName,
          project,
          iid: stale.iid,
        });
        plan.notes.push(`${waiting.targetBranch} is green again: closing the stale MR ${s}${stale.iid}`);
        return { ...emptyBranch(), headSha: state.headSha };
      }
      // Refreshed by update-component (new head) or closed by someone: nothing to close.
      state.waiting = null;
    }
  }

  if (!target.listed && !state.waiting && !state.awaitingMerge) {
    // The branch is gone and nothing is pending: forget the MR once it is closed or merged.
    const now = await mr();
    if (now?.state !== 'opened') return { ...emptyBranch(), headSha: state.headSha };
  }
  return state;
}

export function planTarget(planner: Planner, target: Target): Promise<TargetPlan> {
  return target.kind === 'ref' ? planRef(planner, target) : planBranch(planner, target);
}
