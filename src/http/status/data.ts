import { formatInZone, nextRuns } from '../../cli/list.js';
import type { Config } from '../../config/schema.js';
import { errorMessage } from '../../errors.js';
import type { JobDefinition, Link } from '../../runner/job.js';
import { jobSettings } from '../../runner/settings.js';
import { maskDeep } from '../../secrets/masker.js';
import type { RunRecord, Store } from '../../store/types.js';
import { readPending, type PendingAction } from './pending.js';
import { readLinks, readLogLine, readResult, type LogLine, type ShownResult } from './result.js';

/**
 * What the status page shows, assembled from indexed store queries only: `lastRuns()` once and
 * `listRuns({ job, limit: 50 })` per job, so a request costs the same with 100 runs or 100 000.
 * Both pages and their JSON twins are built from these structures.
 */

export const STRIP_LENGTH = 50;

export interface StatusSource {
  config: Config;
  jobs: JobDefinition[];
  store: Store;
  /** Jobs with a run in progress in this process (the scheduler's view). */
  inFlight?: () => string[];
  now?: () => Date;
}

/** One mark on the run strip. */
export interface RunMark {
  id: string;
  status: string;
  trigger: string;
  dryRun: boolean;
  startedAt: string;
  durationMs: number | null;
  summary: string;
}

export interface LastRun extends RunMark {
  finishedAt: string | null;
  error: string | null;
  links: Link[];
}

export interface JobStatus {
  name: string;
  description: string;
  /** Known to this version of the bot (false: only its history remains). */
  registered: boolean;
  configured: boolean;
  enabled: boolean;
  /** Cron expression, or `manual`. */
  schedule: string;
  timezone: string;
  /** A config problem that keeps the job from being scheduled. */
  problem: string | null;
  /** ISO times of the next 3 scheduled runs. */
  nextRuns: string[];
  /** The same times, readable in the job's time zone. */
  nextRunsLocal: string[];
  running: boolean;
  last: LastRun | null;
  /** Newest first, at most 50. */
  runs: RunMark[];
}

export interface PendingEntry extends PendingAction {
  job: string;
  /** The run that declared it. */
  runId: string;
}

export interface StatusData {
  generatedAt: string;
  timezone: string;
  pending: PendingEntry[];
  jobs: JobStatus[];
}

export interface RunDetail {
  run: Omit<RunRecord, 'result' | 'logs'>;
  timezone: string;
  result: ShownResult | null;
  pending: PendingAction[];
  logs: LogLine[];
}

interface JobInfo {
  name: string;
  description: string;
  configured: boolean;
  enabled: boolean;
  schedule: string;
  timezone: string;
  problem: string | null;
}

function jobInfo(config: Config, job: JobDefinition): JobInfo {
  const base = { name: job.name, description: job.description, timezone: config.timezone };
  if (config.jobs[job.name] === undefined)
    return { ...base, configured: false, enabled: false, schedule: job.schedule, problem: null };
  try {
    const s = jobSettings(config, job);
    return {
      ...base,
      configured: true,
      enabled: s.enabled,
      schedule: s.schedule,
      timezone: s.timezone,
      problem: null,
    };
  } catch (error) {
    return {
      ...base,
      configured: true,
      enabled: false,
      schedule: job.schedule,
      problem: errorMessage(error),
    };
  }
}

function mark(run: RunRecord): RunMark {
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    dryRun: run.dryRun,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    summary: run.summary,
  };
}

/**
 * The pending list of a job: from the newest real run that carries `details.pending` (see
 * pending.ts); a dry run only plans, and a run that crashed early says nothing new.
 */
export function pendingOf(runs: RunRecord[]): { runId: string; actions: PendingAction[] } | null {
  for (const run of runs) {
    if (run.dryRun || run.status === 'running') continue;
    const actions = readPending(run.result);
    if (actions) return { runId: run.id, actions };
  }
  return null;
}

function sinceOrder(a: PendingEntry, b: PendingEntry): number {
  // Oldest wait first: it is the one most likely forgotten. Undated ones go last.
  return (a.since ?? '\uffff').localeCompare(b.since ?? '\uffff');
}

export interface StatusReader {
  status(): Promise<StatusData>;
  run(id: string): Promise<RunDetail | null>;
}

export function createStatusReader(source: StatusSource): StatusReader {
  const now = source.now ?? (() => new Date());
  // Settings do not change while the daemon runs; read them once.
  const infos = source.jobs.map((job) => jobInfo(source.config, job));
  const byName = new Map(infos.map((i) => [i.name, i]));
  // Next runs are recomputed only once the first of them has passed.
  const upcoming = new Map<string, Date[]>();

  function nextOf(info: JobInfo, at: Date): Date[] {
    if (!info.configured || !info.enabled || info.problem || info.schedule === 'manual') return [];
    const cached = upcoming.get(info.name);
    if (cached && cached[0] && cached[0].getTime() > at.getTime()) return cached;
    let fresh: Date[];
    try {
      fresh = nextRuns(info.schedule, info.timezone, 3);
    } catch {
      fresh = [];
    }
    upcoming.set(info.name, fresh);
    return fresh;
  }

  async function status(): Promise<StatusData> {
    const at = now();
    const last = await source.store.lastRuns();
    const running = new Set(source.inFlight?.() ?? []);
    // Jobs with history but unknown to this version (removed, or a newer replica's) still show.
    const orphans: JobInfo[] = Object.keys(last)
      .filter((name) => !byName.has(name))
      .sort()
      .map((name) => ({
        name,
        description: '',
        configured: false,
        enabled: false,
        schedule: 'unknown',
        timezone: source.config.timezone,
        problem: null,
      }));
    const all = [...infos, ...orphans];
    const histories = await Promise.all(
      all.map((info) => source.store.listRuns({ job: info.name, limit: STRIP_LENGTH })),
    );
    const pending: PendingEntry[] = [];
    const jobs: JobStatus[] = all.map((info, i) => {
      const runs = histories[i]!;
      const lastRun = last[info.name];
      const declared = pendingOf(runs);
      for (const action of declared?.actions ?? [])
        pending.push({ ...action, job: info.name, runId: declared!.runId });
      const next = nextOf(info, at);
      return {
        ...info,
        registered: byName.has(info.name),
        nextRuns: next.map((d) => d.toISOString()),
        nextRunsLocal: next.map((d) => formatInZone(d, info.timezone)),
        running: running.has(info.name) || runs[0]?.status === 'running',
        last: lastRun
          ? {
              ...mark(lastRun),
              finishedAt: lastRun.finishedAt,
              error: lastRun.error,
              links: readLinks((lastRun.result as { links?: unknown } | null)?.links),
            }
          : null,
        runs: runs.map(mark),
      };
    });
    // Configured jobs first, in registry order; then the rest.
    jobs.sort((a, b) => Number(b.configured) - Number(a.configured));
    pending.sort(sinceOrder);
    // Stored history is masked already; mask again in case a secret was registered since.
    return maskDeep({ generatedAt: at.toISOString(), timezone: source.config.timezone, pending, jobs });
  }

  async function run(id: string): Promise<RunDetail | null> {
    const record = await source.store.getRun(id);
    if (!record) return null;
    const { result, logs, ...rest } = record;
    const startedAt = Date.parse(record.startedAt);
    return maskDeep({
      run: rest,
      timezone: byName.get(record.job)?.timezone ?? source.config.timezone,
      result: result === null || result === undefined ? null : readResult(result),
      pending: readPending(result) ?? [],
      logs: logs.map((line) => readLogLine(line, startedAt)),
    });
  }

  return { status, run };
}
