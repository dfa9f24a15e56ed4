import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunnerMetrics } from '../runner/observers.js';
import { VERDICT_KINDS } from '../runner/verdict.js';
import type { Store } from '../store/types.js';

/** Prometheus metrics for the daemon (loaded only by `start`). */
export interface Metrics extends RunnerMetrics {
  registry: Registry;
  /**
   * Before the first scrape: a series for every configured job at 0 (so `increase()` and
   * absence alerts work from the start), the last success per job and the open alerts from the
   * store (so an alert on a weekly job survives a restart).
   */
  preload(input: { jobs: string[]; store: Store }): Promise<void>;
}

const RUN_STATUSES = ['ok', 'noop', 'failed', 'skipped', 'aborted', 'refused'] as const;

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'release_bot_' });
  const runs = new Counter({
    name: 'release_bot_runs_total',
    help: 'Job runs by job and final status',
    labelNames: ['job', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'release_bot_run_duration_seconds',
    help: 'Job run duration',
    labelNames: ['job'] as const,
    buckets: [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'release_bot_last_success_timestamp_seconds',
    help: 'Unix time of the last ok/noop run per job (loaded from the store at start)',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const running = new Gauge({
    name: 'release_bot_runs_in_progress',
    help: 'Runs in progress per job',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: 'release_bot_forge_requests_total',
    help: 'Requests to forges by forge, method and status (status "error" for network failures)',
    labelNames: ['forge', 'method', 'status'] as const,
    registers: [registry],
  });
  const alertsOpen = new Gauge({
    name: 'release_bot_alerts_open',
    help: 'Open alerts (1 per job and subject) until the job sees the subject healthy again',
    labelNames: ['job', 'subject'] as const,
    registers: [registry],
  });
  const alertsOpenByJob = new Gauge({
    name: 'release_bot_job_alerts_open',
    help: 'Number of open alerts per job',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const verdicts = new Counter({
    name: 'release_bot_verdicts_total',
    help: 'Verdicts of real runs by job and verdict (healthy, alert, waiting, unknown)',
    labelNames: ['job', 'verdict'] as const,
    registers: [registry],
  });
  const openCount = new Map<string, Set<string>>();

  function setOpen(job: string, subject: string, open: boolean): void {
    const set = openCount.get(job) ?? new Set<string>();
    openCount.set(job, set);
    if (open) {
      set.add(subject);
      alertsOpen.set({ job, subject }, 1);
    } else {
      set.delete(subject);
      // Gone rather than 0: a closed alert's subject (an old deployment target) should not linger.
      alertsOpen.remove({ job, subject });
    }
    alertsOpenByJob.set({ job }, set.size);
  }

  return {
    registry,
    async preload({ jobs, store }) {
      for (const job of jobs) {
        for (const status of RUN_STATUSES) runs.inc({ job, status }, 0);
        for (const verdict of VERDICT_KINDS) verdicts.inc({ job, verdict }, 0);
        duration.zero({ job });
        running.set({ job }, 0);
        alertsOpenByJob.set({ job }, openCount.get(job)?.size ?? 0);
        const [ok] = await store.listRuns({ job, status: 'ok', limit: 1, withoutLogs: true });
        const [noop] = await store.listRuns({ job, status: 'noop', limit: 1, withoutLogs: true });
        const last = [ok, noop]
          .map((r) => (r ? Date.parse(r.finishedAt ?? r.startedAt) : NaN))
          .filter((t) => !Number.isNaN(t));
        if (last.length) lastSuccess.set({ job }, Math.max(...last) / 1000);
      }
      for (const alert of await store.listAlerts({ state: 'open' })) setOpen(alert.job, alert.subject, true);
    },
    runStarted(job) {
      running.inc({ job });
    },
    runFinished(job, status, durationMs) {
      if (status !== 'refused') running.dec({ job });
      runs.inc({ job, status });
      duration.observe({ job }, durationMs / 1000);
      if (status === 'ok' || status === 'noop') lastSuccess.set({ job }, Date.now() / 1000);
    },
    forgeRequest(event) {
      requests.inc({ forge: event.forge, method: event.method, status: String(event.status) });
    },
    verdicts(job, found, alerts) {
      for (const v of found) verdicts.inc({ job, verdict: v.verdict });
      for (const { change, alert } of alerts) setOpen(job, alert.subject, change !== 'closed');
    },
  };
}
