import type { Deployment, Forge } from '../../src/forges/types.js';
import type { NotifyMessage, ProgressRef } from '../../src/notify/types.js';
import { parseDuration } from '../../src/kit/duration.js';
import { botUser, sameUser } from '../../src/kit/bot-user.js';
import type { JobContext, Plan, Step as BaseStep } from '../../src/runner/job.js';
import {
  bumpRecordKey,
  bumpRecordSchema,
  BUMP_RECORD_PREFIX,
  type BumpRecord,
  type DeploymentRef,
} from '../../src/domain/bump-deployments.js';
import { deployVerdicts, type DeployVerdict } from '../../src/domain/deploy-verdicts.js';
import { mergedBumps, newRecord } from './bumps.js';
import {
  arrivalMessage,
  arrivalNote,
  arrivalStep,
  conversationKey,
  eventMessage,
  eventStep,
  noteMarkers,
  progressSummary,
  rollbackNote,
} from './messages.js';
import type { Options } from './options.js';
import { applyDeployment, containment, type Moved } from './progress.js';

/**
 * Plan: read each environment's deployments since its cursor (one request each when nothing
 * moved), look for merged bumps when something moved or a rescan is due, work out arrivals,
 * failures and rollbacks, and list the effects still to perform. Records and cursors are
 * written as staged state (kept only when a real run starts applying); the effects already on
 * the forge (label set, note with our marker, component deployment) are found first, so a run
 * killed between two of them converges with no duplicate.
 */

export type Step = BaseStep &
  (
    | { kind: 'label'; key: string; iid: number; add: string; remove: string[] }
    | { kind: 'note'; key: string; iid: number; environment: string; body: string }
    | {
        kind: 'component-deployment';
        key: string;
        environment: string;
        forge: string;
        project: string;
        ref: string | null;
        sha: string;
        unfinished: boolean;
      }
    | { kind: 'slack'; key: string; environment: string; message: NotifyMessage; progress: ProgressRef }
    | { kind: 'event-note'; key: string; iid: number; event: number; body: string }
    | { kind: 'event-slack'; key: string; event: number; message: NotifyMessage; progress: ProgressRef }
  );

export interface FollowPlan extends Plan<Step> {
  records: Record<string, BumpRecord>;
  moved: { environment: string; deployments: number }[];
  scanned: boolean;
  newBumps: string[];
  arrivals: { key: string; environment: string }[];
  events: { key: string; kind: string; environment: string }[];
  channel: string | undefined;
}

const cursorKey = (env: string) => `cursor:${env}`;
const headKey = (env: string) => `head:${env}`;
const SCANNED = 'scanned-at';

function scopeOf(label: string): string | null {
  const i = label.lastIndexOf('::');
  return i > 0 ? label.slice(0, i) : null;
}

async function loadRecords(ctx: JobContext): Promise<Map<string, BumpRecord>> {
  const records = new Map<string, BumpRecord>();
  for (const row of await ctx.state.list<unknown>(BUMP_RECORD_PREFIX)) {
    const parsed = bumpRecordSchema.safeParse(row.value);
    if (parsed.success) records.set(row.key, parsed.data);
  }
  return records;
}

async function verdictFor(
  ctx: JobContext,
  d: DeploymentRef,
  project: string,
): Promise<DeployVerdict | undefined> {
  const found = await deployVerdicts(ctx.store, [d.version]);
  return found.filter((v) => v.deployment.id === d.id && v.project === project).at(-1);
}

export async function planRun(ctx: JobContext, options: Options): Promise<FollowPlan> {
  const forge = ctx.forge(options.forge);
  const now = ctx.now().getTime();
  const plan: FollowPlan = {
    steps: [],
    records: {},
    moved: [],
    scanned: false,
    newBumps: [],
    arrivals: [],
    events: [],
    channel: options.slackChannel ?? ctx.slackChannel,
  };

  // 1. What moved in each environment (one request each when nothing did).
  const changes = new Map<string, Deployment[]>();
  for (const env of options.environments) {
    const cursor = (await ctx.state.get<string>(cursorKey(env.name))) ?? null;
    const watched = await forge.deployments.watch(options.project, { environment: env.name, cursor });
    changes.set(env.name, watched.deployments);
    if (watched.cursor !== cursor) await ctx.state.set(cursorKey(env.name), watched.cursor);
    if (watched.deployments.length)
      plan.moved.push({ environment: env.name, deployments: watched.deployments.length });
  }

  // 2. The bumps followed, and newly merged ones when something moved or a rescan is due.
  const records = await loadRecords(ctx);
  const lastScan = await ctx.state.get<string>(SCANNED);
  const rescanMs = parseDuration(options.rescanBumps)!;
  if (plan.moved.length > 0 || !lastScan || now - Date.parse(lastScan) >= rescanMs) {
    plan.scanned = true;
    const since = now - parseDuration(options.lookback)!;
    for (const component of options.components) {
      for (const found of await mergedBumps(ctx, forge, options, component, since)) {
        const key = bumpRecordKey({
          component: component.name,
          forge: options.forge,
          project: options.project,
          iid: found.mr.iid,
        });
        if (records.has(key)) continue;
        records.set(key, await newRecord(ctx, options, component, found));
        plan.newBumps.push(key);
      }
    }
    await ctx.state.set(SCANNED, new Date(now).toISOString());
  }

  // 3. Arrivals, failures and rollbacks, oldest deployment first in each environment.
  const followed = [...records.values()].sort(
    (a, b) => a.mergedAt.localeCompare(b.mergedAt) || a.iid - b.iid,
  );
  const contains = containment(forge, options.project);
  const recordsComponent = (r: BumpRecord) =>
    options.components.find((c) => c.name === r.component)?.recordDeployments ?? false;
  const moved: Moved = { arrivals: [], events: [] };
  const touched = new Set<string>(plan.newBumps);
  for (const env of options.environments) {
    let head = (await ctx.state.get<DeploymentRef>(headKey(env.name))) ?? null;
    const list = [...changes.get(env.name)!].sort(
      (a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.id - b.id,
    );
    for (const d of list) {
      await applyDeployment(followed, env.name, d, head, contains, recordsComponent, moved);
      if (d.status === 'success' && (!head || d.id !== head.id)) {
        head = { id: d.id, sha: d.sha, url: d.webUrl, ref: d.ref, version: d.version ?? d.ref };
        await ctx.state.set(headKey(env.name), head);
      }
    }
  }
  for (const a of moved.arrivals) touched.add(bumpRecordKey(a.record));
  for (const e of moved.events) touched.add(bumpRecordKey(e.record));
  plan.events = moved.events.map((e) => ({
    key: bumpRecordKey(e.record),
    kind: e.record.events[e.index]!.kind,
    environment: e.record.events[e.index]!.environment,
  }));
  plan.arrivals = moved.arrivals.map((a) => ({ key: bumpRecordKey(a.record), environment: a.environment }));

  // 4. Settled bumps are no longer followed.
  const settleMs = parseDuration(options.settleAfter)!;
  const last = options.environments.at(-1)!.name;
  for (const record of followed) {
    const final = record.reached[last];
    if (
      !record.settledAt &&
      final &&
      now - Date.parse(final.at) >= settleMs &&
      !Object.keys(record.rolledBack).length
    ) {
      record.settledAt = new Date(now).toISOString();
      touched.add(bumpRecordKey(record));
    }
  }

  // 5. Effects still to perform, checked against the forge first.
  for (const record of followed) {
    const key = bumpRecordKey(record);
    const pending = await planEffects(ctx, forge, options, record, key, followed, plan);
    if (pending || touched.has(key)) {
      plan.records[key] = record;
      await ctx.state.set(key, record);
    }
  }
  return plan;
}

/** The steps one bump still needs; true when it has any (or its record changed while checking). */
async function planEffects(
  ctx: JobContext,
  forge: Forge,
  options: Options,
  record: BumpRecord,
  key: string,
  followed: BumpRecord[],
  plan: FollowPlan,
): Promise<boolean> {
  const order = record.environments.map((e) => e.name);
  const arrivals = order.filter((e) => record.reached[e]).map((e) => ({ env: e, a: record.reached[e]! }));
  const needs = {
    label: arrivals.some((x) => !x.a.done.label),
    note: arrivals.some((x) => !x.a.done.note) || record.events.some((e) => !e.done.note),
    component: arrivals.some((x) => !x.a.done.component),
    slack: arrivals.some((x) => !x.a.done.slack) || record.events.some((e) => !e.done.slack),
  };
  if (!needs.label && !needs.note && !needs.component && !needs.slack) return false;
  const subject = record.component;
  const mrRef = forge.links.changeRequestRef(record.iid);
  const noun = forge.links.changeRequestNoun;
  const name = `${noun} ${mrRef}`;

  if (needs.label) {
    const furthest = arrivals.at(-1)!;
    const label = record.environments.find((e) => e.name === furthest.env)!.label;
    const mr = await forge.changeRequests.get(record.project, record.iid);
    const scope = scopeOf(label);
    const remove = (mr?.labels ?? []).filter((l) => l !== label && scope !== null && scopeOf(l) === scope);
    if (mr && mr.labels.includes(label) && remove.length === 0)
      for (const x of arrivals) x.a.done.label = true;
    else if (mr)
      plan.steps.push({
        kind: 'label',
        key,
        iid: record.iid,
        add: label,
        remove,
        subject,
        url: record.url,
        description: `label ${name} ${label}${remove.length ? ` (instead of ${remove.join(', ')})` : ''}`,
      });
  }

  if (needs.note) {
    const bot = await botUser(ctx, forge);
    const notes = await forge.notes.list(record.project, { kind: 'change_request', iid: record.iid });
    const ours = new Set(
      notes
        .filter((n) => sameUser(n.author, bot.username))
        .flatMap((n) => noteMarkers(n.body))
        .map((m) => `${m.environment}#${m.deployment}`),
    );
    for (const { env, a } of arrivals) {
      if (a.done.note) continue;
      if (ours.has(`${env}#${a.deployment.id}`)) {
        a.done.note = true;
        continue;
      }
      plan.steps.push({
        kind: 'note',
        key,
        iid: record.iid,
        environment: env,
        body: arrivalNote(record, env, a),
        subject,
        url: record.url,
        description: `note on ${name}: reached ${env} (deployment #${a.deployment.id})`,
      });
    }
    record.events.forEach((event, i) => {
      if (event.done.note) return;
      if (ours.has(`rollback:${event.environment}#${event.deployment.id}`)) {
        event.done.note = true;
        return;
      }
      plan.steps.push({
        kind: 'event-note',
        key,
        iid: record.iid,
        event: i,
        body: rollbackNote(record, event),
        subject,
        url: record.url,
        description: `note on ${name}: rolled back on ${event.environment}`,
      });
    });
  }

  if (needs.component) {
    const component = options.components.find((c) => c.name === record.component);
    for (const { env, a } of arrivals) {
      if (a.done.component) continue;
      // Several bumps of one component in one deployment: only the newest one's sha is what runs.
      const newer = followed.some(
        (r) =>
          r !== record &&
          r.component === record.component &&
          r.mergedAt > record.mergedAt &&
          r.reached[env]?.deployment.id === a.deployment.id,
      );
      if (newer || !component?.source) {
        a.done.component = true;
        continue;
      }
      const source = ctx.forge(component.source.forge);
      const recent = await source.deployments.list(component.source.project, { environment: env, limit: 5 });
      if (recent.some((d) => d.sha === record.sha && d.status === 'success')) {
        a.done.component = true;
        continue;
      }
      plan.steps.push({
        kind: 'component-deployment',
        key,
        environment: env,
        forge: component.source.forge,
        project: component.source.project,
        ref: component.source.branch ?? null,
        sha: record.sha,
        // GitHub records in two writes; only a statusless deployment of this sha can be a
        // half-done record of ours to finish (the adapter checks it is ours).
        unfinished: recent.some((d) => d.sha === record.sha && d.status === 'created'),
        subject,
        description: `record deployment of ${record.component} ${record.sha.slice(0, 11)} to ${env} on ${component.source.project}`,
      });
    }
  }

  if (needs.slack) {
    // One conversation per bump: each step below is a reply in its thread (bot token) or a
    // message of its own (webhooks); the parent reads the bump's summary as of this run.
    const input = { job: ctx.job, runId: ctx.runId, noun, mrRef };
    const eventVerdict = (event: BumpRecord['events'][number]) =>
      verdictFor(
        ctx,
        // A rollback is judged on the deployment it went back from (the one that carried the bump).
        (event.kind === 'rolled-back' ? record.reached[event.environment]?.deployment : undefined) ??
          event.deployment,
        record.project,
      );
    const latest = record.events.at(-1);
    const summary = progressSummary(record, {
      ...input,
      verdict: latest ? await eventVerdict(latest) : undefined,
    });
    const conversation = (step: string): ProgressRef => ({ key: conversationKey(key), step, summary });
    for (const { env, a } of arrivals) {
      if (a.done.slack) continue;
      const message = arrivalMessage(record, env, a, {
        ...input,
        verdict: await verdictFor(ctx, a.deployment, record.project),
      });
      plan.steps.push({
        kind: 'slack',
        key,
        environment: env,
        message,
        // A dry run shows it among the Slack messages that would have been sent.
        slack: { channel: plan.channel, message },
        progress: conversation(arrivalStep(env, a)),
        subject,
        description: `Slack: ${record.component} ${name} reached ${env}`,
      });
    }
    for (const [i, event] of record.events.entries()) {
      if (event.done.slack) continue;
      const message = eventMessage(record, event, { ...input, verdict: await eventVerdict(event) });
      plan.steps.push({
        kind: 'event-slack',
        key,
        event: i,
        message,
        slack: { channel: plan.channel, message },
        progress: conversation(eventStep(event)),
        subject,
        description: `Slack: ${record.component} ${name} ${event.kind} on ${event.environment} (deployment #${event.deployment.id})`,
      });
    }
  }
  return true;
}
