import { nextRuns } from '../../kit/time.js';
import type { Config } from '../../config/schema.js';
import { errorMessage } from '../../errors.js';
import type { JobDefinition, Link } from '../../runner/job.js';
import { jobSettings } from '../../runner/settings.js';
import { maskDeep } from '../../secrets/masker.js';
import type { RunRecord, Store } from '../../store/types.js';
import { timeIn } from './format.js';
import { readPending, type PendingAction } from './pending.js';
import { readLinks, readLogLine, readResult, type LogLine, type ShownResult } from './result.js';
import { controlsSnapshot, type ControlsSnapshot } from '../../control/actions.js';
import { alertEntry, readVerdicts, type AlertEntry, type ShownVerdict } from './alerts.js';
import { activeFreeze, type ActiveFreeze } from '../../control/freezes.js';
import type { ActivePause } from '../../control/pauses.js';

/**
 * What the status page shows, assembled from indexed store queries only: `lastRuns()` once, and
 * per job its newest run (a probe) plus, when that moved, `listRuns({ job, limit: 50 })` — so a
 * request costs the same with 100 runs or 100 000. Both pages and their JSON twins are built
 * from these structures.
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
  /** `release-bot pause`: real runs are skipped until then. */
  paused: ActivePause | null;
  /** A freeze in force now: runs plan but write nothing. */
  frozen: ActiveFreeze | null;
  /** Open alerts of this job (the world it watches needs a human, whatever the run status). */
  alerts: number;
}

export interface PendingEntry extends PendingAction {
  job: string;
  /** The run that declared it. */
  runId: string;
}

export interface StatusData {
  generatedAt: string;
  timezone: string;
  /** Open alerts, oldest first: shown red, on top of "Waiting for a human". */
  alerts: AlertEntry[];
  pending: PendingEntry[];
  jobs: JobStatus[];
  /** Pauses, holds and freezes (src/control/). */
  controls: ControlsSnapshot;
}

export interface RunDetail {
  run: Omit<RunRecord, 'result' | 'logs'>;
  timezone: string;
  result: ShownResult | null;
  pending: PendingAction[];
  /** What the run found per subject, with its evidence. */
  verdicts: ShownVerdict[];
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

interface JobHistory {
  key: string;
  fetchedAt: number;
  runs: RunMark[];
  declared: { runId: string; actions: PendingAction[] } | null;
}

const HISTORY_MAX_AGE_MS = 10_000;

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
  const upcoming = new Map<string, { iso: string[]; local: string[]; until: number }>();

  function nextOf(info: JobInfo, at: Date): { iso: string[]; local: string[] } {
    if (!info.configured || !info.enabled || info.problem || info.schedule === 'manual')
      return { iso: [], local: [] };
    const cached = upcoming.get(info.name);
    if (cached && cached.until > at.getTime()) return cached;
    let dates: Date[];
    try {
      dates = nextRuns(info.schedule, info.timezone, 3, at);
    } catch {
      dates = [];
    }
    const fresh = {
      iso: dates.map((d) => d.toISOString()),
      local: dates.map((d) => timeIn(d.toISOString(), info.timezone).slice(0, -3)),
      until: dates[0]?.getTime() ?? 0,
    };
    upcoming.set(info.name, fresh);
    return fresh;
  }

  /**
   * The last 50 runs of a job, re-read only when the job's history moved: a run started (the
   * newest run changes) or finished (its status, and the latest finished run, change). Probing
   * costs one row per job instead of 50 parsed results and logs. Anything the probe could miss
   * (another replica rewriting an older run) is re-read after HISTORY_MAX_AGE_MS at most.
   */
  const histories = new Map<string, JobHistory>();

  async function historyOf(job: string, last: RunRecord | undefined): Promise<JobHistory> {
    const [newest] = await source.store.listRuns({ job, limit: 1, withoutLogs: true });
    const key = [
      newest?.id,
      newest?.status,
      newest?.finishedAt,
      last?.id,
      last?.status,
      last?.finishedAt,
    ].join('|');
    const cached = histories.get(job);
    const fetchedAt = Date.now();
    if (cached && cached.key === key && fetchedAt - cached.fetchedAt < HISTORY_MAX_AGE_MS) return cached;
    const runs = await source.store.listRuns({ job, limit: STRIP_LENGTH, withoutLogs: true });
    // Stored history is masked already; mask again in case a secret was registered since. Done
    // here, once per re-read, so every request shares the same (unchanged) strip.
    const fresh: JobHistory = maskDeep({ key, fetchedAt, runs: runs.map(mark), declared: pendingOf(runs) });
    histories.set(job, fresh);
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
    const [histories, controls, openAlerts] = await Promise.all([
      Promise.all(all.map((info) => historyOf(info.name, last[info.name]))),
      controlsSnapshot({ store: source.store, config: source.config, now: () => at }),
      source.store.listAlerts({ state: 'open' }),
    ]);
    const alerts = maskDeep(openAlerts.map(alertEntry));
    const pauses = new Map(controls.pauses.map((p) => [p.job, p]));
    const pending: PendingEntry[] = [];
    const jobs: JobStatus[] = all.map((info, i): JobStatus => {
      const { runs, declared } = histories[i]!;
      const lastRun = last[info.name];
      for (const action of declared?.actions ?? [])
        pending.push({ ...action, job: info.name, runId: declared!.runId });
      const next = nextOf(info, at);
      return {
        ...info,
        registered: byName.has(info.name),
        nextRuns: next.iso,
        nextRunsLocal: next.local,
        running: running.has(info.name) || runs[0]?.status === 'running',
        last: lastRun
          ? maskDeep({
              ...mark(lastRun),
              finishedAt: lastRun.finishedAt,
              error: lastRun.error,
              links: readLinks((lastRun.result as { links?: unknown } | null)?.links),
            })
          : null,
        runs,
        paused: pauses.get(info.name) ?? null,
        frozen: activeFreeze(source.config.freezes, info.name, at, source.config.timezone),
        alerts: alerts.filter((a) => a.job === info.name).length,
      };
    });
    // Configured jobs first, in registry order; then the rest.
    jobs.sort((a, b) => Number(b.configured) - Number(a.configured));
    pending.sort(sinceOrder);
    return {
      generatedAt: at.toISOString(),
      timezone: source.config.timezone,
      alerts,
      pending,
      jobs,
      controls: maskDeep(controls),
    };
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
      verdicts: readVerdicts(result),
      logs: logs.map((line) => readLogLine(line, startedAt)),
    });
  }

  return { status, run };
}
