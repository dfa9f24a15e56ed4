import { errorMessage, TransientError } from '../../src/errors.js';
import type { Issue } from '../../src/forges/types.js';
import type { JobContext } from '../../src/runner/job.js';
import { analyse, choosePrevious } from './analysis.js';
import { readEnvironment, type EnvironmentRead } from './deployments.js';
import { readFlag, type FlagValue } from './flag.js';
import { trackedEnvironments, type Options } from './options.js';
import {
  byVersion,
  newRecord,
  type Cursor,
  type NoteState,
  type PackageRecord,
} from '../../src/domain/post-migration-records.js';
import { findReleaseIssue, releaseTitle } from './release-issue.js';

/**
 * Reads the forges and the store and decides, without writing anything: which deployments are
 * new (deploy times to record), which packages newly reached the followed environment (their
 * post-migrations, compared now), and which notes to post. apply.ts performs it; dry-run prints it.
 */

export interface Problem {
  name: string;
  message: string;
}

export interface NoteStep {
  version: string;
  issue: Issue;
}

export interface Plan {
  /** Every record after this run, by version. */
  records: Map<string, PackageRecord>;
  /** Versions whose record changed (to write). */
  changed: Set<string>;
  cursors: { key: string; cursor: Cursor }[];
  /** New deployments recorded, per environment. */
  recorded: { environment: string; packages: string[] }[];
  /** Packages that newly reached the followed environment and were compared. */
  analysed: string[];
  /** Packages whose analysis failed this run (retried next run). */
  failed: Problem[];
  notes: NoteStep[];
  /** Packages whose note waits (flag unreadable, no monthly issue yet). */
  waiting: { version: string; reason: string }[];
  /** Malformed versions and other per-deployment problems. */
  problems: Problem[];
  flag: FlagValue | null;
}

/** Only a real change is written: a note waiting for the same reason every run is not rewritten. */
function setNote(plan: Plan, record: PackageRecord, note: NoteState): void {
  if (JSON.stringify(record.note) === JSON.stringify(note)) return;
  record.note = note;
  plan.changed.add(record.version);
}

function isNewer(at: string, known: string | undefined): boolean {
  return !known || Date.parse(at) < Date.parse(known);
}

function recordDeployments(plan: Plan, read: EnvironmentRead): void {
  const packages: string[] = [];
  for (const seen of read.deployments) {
    const d = seen.deployment;
    if (seen.version instanceof Error) {
      plan.problems.push({
        name: `deployment #${d.id} (${seen.environment})`,
        message: `deployment #${d.id} to ${seen.environment}: ${seen.version.message}; skipped`,
      });
      continue;
    }
    const version = seen.version.version;
    const record = plan.records.get(version) ?? newRecord(seen.version);
    const known = record.environments[seen.environment];
    if (isNewer(d.updatedAt, known?.at)) {
      record.environments[seen.environment] = { at: d.updatedAt, deploymentId: d.id, url: d.webUrl };
      plan.records.set(version, record);
      plan.changed.add(version);
      packages.push(version);
    }
  }
  if (read.cursor) plan.cursors.push({ key: read.key, cursor: read.cursor });
  if (packages.length) plan.recorded.push({ environment: read.environment, packages });
}

export async function planRun(ctx: JobContext, options: Options): Promise<Plan> {
  const deployer = ctx.forge(options.deployments.forge);
  const source = ctx.forge(options.source.forge);
  const tracker = ctx.forge(options.releaseIssue.forge);
  const followed = options.deployments.environment;
  const stored = await ctx.state.list<PackageRecord>('package:');
  const plan: Plan = {
    records: new Map(stored.map((s) => [s.value.version, s.value])),
    changed: new Set(),
    cursors: [],
    recorded: [],
    analysed: [],
    failed: [],
    notes: [],
    waiting: [],
    problems: [],
    flag: null,
  };

  for (const environment of trackedEnvironments(options)) {
    ctx.progress(`reading deployments to ${environment} in ${options.deployments.project}`);
    recordDeployments(plan, await readEnvironment(ctx, deployer, options, environment));
  }

  const all = () => [...plan.records.values()];
  const fresh = all()
    .filter((r) => r.environments[followed] && !r.analysis)
    .sort(byVersion);
  for (const record of fresh) {
    ctx.progress(`${record.version}: comparing with the previous package in ${options.source.project}`);
    const previous = choosePrevious(record, all(), options);
    try {
      record.analysis = await analyse(source, options, record, previous, ctx.now());
      plan.changed.add(record.version);
      plan.analysed.push(record.version);
    } catch (error) {
      if (error instanceof TransientError) throw error;
      plan.failed.push({ name: record.version, message: `${record.version}: ${errorMessage(error)}` });
    }
  }

  // Notes: packages compared now, and earlier ones still waiting for theirs.
  const candidates = all()
    .filter((r) => r.analysis && (r.note === null || r.note.state === 'pending'))
    .sort(byVersion);
  const issues = new Map<string, Issue | null>();
  for (const record of candidates) {
    const migrations = record.analysis!.migrations;
    if (!migrations || migrations.length === 0) {
      setNote(plan, record, { state: 'none' });
      continue;
    }
    plan.flag ??= await readFlag(ctx, options);
    if ('error' in plan.flag) {
      setNote(plan, record, { state: 'pending', reason: plan.flag.error });
      plan.waiting.push({ version: record.version, reason: plan.flag.error });
      continue;
    }
    if (!plan.flag.on) {
      setNote(plan, record, { state: 'disabled' });
      continue;
    }
    if (!issues.has(record.release))
      issues.set(record.release, await findReleaseIssue(tracker, options, record.release));
    const issue = issues.get(record.release)!;
    if (!issue) {
      const labels = options.releaseIssue.labels;
      const reason = `no monthly release issue "${releaseTitle(options, record.release)}"${labels.length ? ` labelled ${labels.join(', ')}` : ''} in ${options.releaseIssue.project}; the note is posted by the first run after it exists`;
      setNote(plan, record, { state: 'pending', reason });
      plan.waiting.push({ version: record.version, reason });
      continue;
    }
    plan.notes.push({ version: record.version, issue });
  }
  return plan;
}
