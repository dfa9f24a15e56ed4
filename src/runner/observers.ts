import type { ForgeRequestEvent } from '../forges/http.js';
import type { RunStatus, Trigger } from './job.js';
import type { Verdict } from './verdict.js';
import type { AlertTransition } from './verdicts.js';

/**
 * What the runner reports to, kept as small interfaces so the heavy implementations
 * (@sentry/node, prom-client) load only in processes that use them.
 */

export interface MonitorConfig {
  slug: string;
  schedule: string;
  timezone: string;
  checkinMarginMinutes: number;
  maxRuntimeMinutes: number;
}

export interface RunTags {
  job: string;
  runId: string;
  trigger: Trigger;
  dryRun: boolean;
}

export interface RunnerSentry {
  /** Wrap a scheduled run in cron check-ins: in_progress, then ok or error (when fn throws). */
  withCheckIn<T>(monitor: MonitorConfig, fn: () => Promise<T>): Promise<T>;
  captureFailure(
    error: unknown,
    tags: RunTags,
    options?: { fingerprint?: string[]; extra?: Record<string, unknown> },
  ): Promise<void>;
  captureMessage(
    message: string,
    tags: RunTags,
    options?: {
      level?: 'info' | 'warning' | 'error';
      fingerprint?: string[];
      tags?: Record<string, string>;
      extra?: Record<string, unknown>;
    },
  ): Promise<void>;
  flush(timeoutMs?: number): Promise<void>;
}

export interface RunnerMetrics {
  runStarted(job: string): void;
  runFinished(job: string, status: RunStatus, durationMs: number): void;
  forgeRequest(event: ForgeRequestEvent): void;
  /** A real run's verdicts and the alerts they opened, kept or closed. */
  verdicts?(job: string, verdicts: Verdict[], alerts: AlertTransition[]): void;
}

export const noopSentry: RunnerSentry = {
  withCheckIn: (_monitor, fn) => fn(),
  captureFailure: async () => undefined,
  captureMessage: async () => undefined,
  flush: async () => undefined,
};

export const noopMetrics: RunnerMetrics = {
  runStarted: () => undefined,
  runFinished: () => undefined,
  forgeRequest: () => undefined,
};
