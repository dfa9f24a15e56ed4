import { createHash } from 'node:crypto';
import type { SimProject } from '../../../packages/forge-sandbox/src/core/model.js';
import type { ReceivedSlackMessage } from '../../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import type { SentryEventPayload } from '../../../packages/forge-sandbox/src/receivers/sentry-receiver.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';

/**
 * A forge state that two runs of the same scenario can be compared on, whatever their ports,
 * ids or timing: per project, every branch's tree; merge requests by source branch with state,
 * title, labels and the bot's hidden marker; issues; the notes on each, by marker or text;
 * deployments per environment in order; public package files with their digests; and how many
 * CI jobs the bot retried. Local origins (each simulator listens on its own ports) are blanked.
 */

export interface Snapshot {
  branches: Record<string, string>;
  mergeRequests: Record<string, string[]>;
  issues: Record<string, string[]>;
  notes: Record<string, string[]>;
  deployments: Record<string, string[]>;
  packages: Record<string, string[]>;
  /** Pipelines per project in creation order: an extra push or a re-created pipeline shows here. */
  pipelines: Record<string, string[]>;
  retries: Record<string, number>;
}

const ORIGIN = /http:\/\/127\.0\.0\.1:\d+/g;
/** Run ids (`mfx3k2a1-8f2c1d`): each run has its own. */
const RUN_ID = /\b[0-9a-z]{8,9}-[0-9a-f]{6}\b/g;

/** Times a run writes from its own clock (a process's wall clock differs from run to run). */
const TIME = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?(?: UTC)?/g;

export function normalise(text: string): string {
  return text.replace(ORIGIN, '<origin>').replace(RUN_ID, '<run>').replace(TIME, '<time>');
}

/**
 * Ids the simulator hands out across projects (pipelines, CI jobs) depend on how concurrent work
 * interleaves (update-component handles its components at the same time); a project's own
 * numbering does not. Rewrites them, where a text names them, as project-scoped names.
 */
export function idNormaliser(sim: Simulator): (text: string) => string {
  const pipelines = new Map<number, string>();
  for (const p of sim.world.pipelines) pipelines.set(p.id, `P${p.projectId}.${p.iid}`);
  const jobs = new Map<number, string>();
  for (const j of sim.world.jobs)
    jobs.set(j.id, `${pipelines.get(j.pipelineId) ?? '?'}/${j.name}/${j.attempt}`);
  return (text) =>
    normalise(text)
      // A Slack link to a pipeline, labelled with its id: `<…/pipelines/1020|#1020 passed>`.
      .replace(/(?<=pipelines\/\d+\|#)(\d+)/g, (id: string) => pipelines.get(Number(id)) ?? id)
      .replace(
        /(pipelines\/|pipeline:? #|"pipeline":|"pipelineId":|pipeline_id=)(\d+)/gi,
        (_, pre: string, id: string) => `${pre}${pipelines.get(Number(id)) ?? id}`,
      )
      .replace(
        /(jobs\/|job:? #|"job":|"jobId":)(\d+)/gi,
        (_, pre: string, id: string) => `${pre}${jobs.get(Number(id)) ?? id}`,
      );
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const MARKER = /<!--\s*release-bot:([\w-]+)\s+(\{.*?\})\s*-->/gs;

/** The bot's hidden markers in a body, of any kind. */
function markers(text: string): string {
  return [...text.matchAll(MARKER)].map((m) => `${m[1]} ${m[2]}`).join(' ');
}

function key(project: SimProject): string {
  return `${project.forge}:${project.path}`;
}

export async function snapshot(sim: Simulator): Promise<Snapshot> {
  const world = sim.world;
  const bot = world.userByName('release-bot')!.id;
  const ids = idNormaliser(sim);
  const out: Snapshot = {
    branches: {},
    mergeRequests: {},
    issues: {},
    notes: {},
    deployments: {},
    packages: {},
    pipelines: {},
    retries: {},
  };
  for (const project of world.projects.values()) {
    const p = key(project);
    for (const branch of await project.repo.listBranches()) {
      const tree = await project.repo.listTree(branch.sha, '', true);
      out.branches[`${p}@${branch.name}`] = digest(
        tree
          .filter((e) => e.type === 'blob')
          .map((e) => `${e.path}:${e.sha}`)
          .sort()
          .join('\n'),
      );
    }
    const mrs = world.mergeRequests.filter((m) => m.projectId === project.id);
    if (mrs.length)
      out.mergeRequests[p] = mrs
        .map(
          (m) =>
            `${m.sourceBranch}→${m.targetBranch} ${m.state} "${normalise(m.title)}" [${[...m.labels].sort().join(',')}] ${markers(ids(m.description))}`,
        )
        .sort();
    const issues = world.issues.filter((i) => i.projectId === project.id);
    if (issues.length)
      out.issues[p] = issues
        .map(
          (i) =>
            `#${i.iid} ${i.state} "${normalise(i.title)}" [${[...i.labels].sort().join(',')}] ${digest(ids(i.description))}`,
        )
        .sort();
    for (const note of world.notes.filter((n) => n.projectId === project.id && n.authorId === bot)) {
      const on = `${p} ${note.noteableType}#${note.noteableIid}`;
      const body = ids(note.body);
      (out.notes[on] ??= []).push(markers(body) || digest(body));
    }
    const envs = world.environments.filter((e) => e.projectId === project.id);
    for (const env of envs) {
      out.deployments[`${p}:${env.name}`] = world.deployments
        .filter((d) => d.environmentId === env.id)
        .sort((a, b) => a.id - b.id)
        .map((d) => `${d.ref} ${d.status}`);
    }
    const packages = world.packages.filter((k) => k.projectId === project.id);
    if (packages.length)
      out.packages[p] = packages
        .flatMap((k) => k.files.map((f) => `${k.name} ${k.version} ${f.fileName} ${f.sha256}`))
        .sort();
    const own = world.pipelines.filter((x) => x.projectId === project.id).sort((a, b) => a.id - b.id);
    if (own.length) out.pipelines[p] = own.map((x) => `${x.ref} ${x.sha.slice(0, 8)} ${x.source}`);
    const pipelines = new Set(own.map((x) => x.id));
    const retried = world.jobs.filter(
      (j) => pipelines.has(j.pipelineId) && j.userId === bot && j.attempt > 0,
    );
    if (retried.length) out.retries[p] = retried.length;
  }
  for (const list of Object.values(out.notes)) list.sort();
  return out;
}

/** Differences between two snapshots, one line each (empty when equal). */
export function compareSnapshots(expected: Snapshot, actual: Snapshot): string[] {
  const problems: string[] = [];
  for (const section of Object.keys(expected) as (keyof Snapshot)[]) {
    const a = expected[section] as Record<string, unknown>;
    const b = actual[section] as Record<string, unknown>;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = JSON.stringify(a[k] ?? null);
      const y = JSON.stringify(b[k] ?? null);
      if (x === y) continue;
      const [u, v] = [a[k], b[k]];
      if (Array.isArray(u) && Array.isArray(v) && u.length + v.length > 10) {
        // Long lists: where they part, not the whole list.
        let i = 0;
        while (i < u.length && JSON.stringify(u[i]) === JSON.stringify(v[i])) i++;
        problems.push(
          `${section} ${k}: ${u.length} expected, ${v.length} got; first difference at #${i}: expected ${JSON.stringify(u.slice(i, i + 3))}, got ${JSON.stringify(v.slice(i, i + 3))}`,
        );
      } else problems.push(`${section} ${k}: expected ${x}, got ${y}`);
    }
  }
  return problems;
}

/** Runner alerts about the run itself ("<job> failed", "<job> recovered"), not the job's own messages. */
export function isRunnerAlert(message: ReceivedSlackMessage): boolean {
  return /^:\w+: [\w-]+ (failed|recovered|is failing)/.test(message.payload.text ?? '');
}

/** A Slack message as comparable text: channel and payload with local origins and global ids rewritten. */
export function slackKey(message: ReceivedSlackMessage, ids: (text: string) => string = normalise): string {
  return `#${message.channel} ${ids(JSON.stringify(message.payload))}`;
}

/** A job's own alert (fingerprinted), not the runner's report of a failed run. */
export function isJobEvent(event: SentryEventPayload): boolean {
  return (
    Array.isArray(event.fingerprint) &&
    event.fingerprint.length > 0 &&
    event.fingerprint[0] !== '{{ default }}'
  );
}

export function sentryKey(event: SentryEventPayload): string {
  return (event.fingerprint ?? []).join('/');
}

/** Counts of each key; `compareCounts` says which keys came more often (duplicates) or less (lost). */
export function countBy<T>(items: T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

export function compareCounts(
  expected: Map<string, number>,
  actual: Map<string, number>,
): { duplicated: string[]; lost: string[] } {
  const duplicated: string[] = [];
  const lost: string[] = [];
  const keys = new Set([...expected.keys(), ...actual.keys()]);
  const more = [...keys].filter((k) => (actual.get(k) ?? 0) > (expected.get(k) ?? 0));
  const fewer = [...keys].filter((k) => (actual.get(k) ?? 0) < (expected.get(k) ?? 0));
  for (const k of more)
    duplicated.push(
      `${actual.get(k)! - (expected.get(k) ?? 0)}× more: ${k.slice(0, 300)}${partedFrom(k, fewer)}`,
    );
  for (const k of fewer)
    lost.push(`${expected.get(k)! - (actual.get(k) ?? 0)}× fewer: ${k.slice(0, 300)}${partedFrom(k, more)}`);
  return { duplicated, lost };
}

/** A message sent in another form rather than twice: where it parts from its nearest twin. */
function partedFrom(key: string, others: string[]): string {
  let best = 0;
  let twin = '';
  for (const other of others) {
    let i = 0;
    while (i < key.length && key[i] === other[i]) i++;
    if (i > best) [best, twin] = [i, other];
  }
  if (best < 60) return '';
  return ` … parts from its twin at ${best}: «${key.slice(best - 80, best + 60)}» vs «${twin.slice(best - 80, best + 60)}»`;
}
