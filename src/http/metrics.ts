import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunnerMetrics } from '../runner/observers.js';

/** Prometheus metrics for the daemon (loaded only by `start`). */
export interface Metrics extends RunnerMetrics {
  registry: Registry;
}

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
    help: 'Unix time of the last ok/noop run per job',
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
  return {
    registry,
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
  };
}
