/**
 * Sentry through the real `@sentry/node` SDK: run failures, alerts and cron check-ins.
 *
 * Importing this module loads the SDK (≈ 0.5 s, ≈ 40 MB), so nothing the CLI loads eagerly may
 * import it: go through `loadSentry` in `sentry-loader.ts`, which skips the import when no DSN is
 * configured. The SDK is process-global; `initSentry` initialises it once per process.
 */
import * as Sentry from '@sentry/node';
import type { Breadcrumb, Event } from '@sentry/node';
import { maskDeep, registerSecret } from '../secrets/masker.js';
import { disabledSentry } from './sentry-disabled.js';
import type {
  CheckInOptions,
  MessageContext,
  MonitorOptions,
  RunContext,
  SentryOptions,
  SentryReporter,
} from './sentry-types.js';

let initialised = false;

/**
 * Initialises the SDK once per process (later calls return the same reporter and ignore their
 * options) and returns the reporter. Without a DSN nothing is initialised and the reporter is
 * disabled. Lean on purpose: no default integrations (they patch http, console and process
 * handlers the bot does not need), no module-loader hooks, no client reports, tracing off
 * unless asked.
 */
export function initSentry(options: SentryOptions): SentryReporter {
  if (!options.dsn) return disabledSentry;
  if (initialised) return reporter;
  registerDsn(options.dsn);
  const client = Sentry.initWithoutDefaultIntegrations({
    dsn: options.dsn,
    environment: options.environment,
    release: options.release,
    debug: options.debug ?? false,
    tracesSampleRate: options.tracesSampleRate,
    // Classic transactions, so `beforeSendTransaction` masks them (span streaming, v11's default, skips it).
    traceLifecycle: 'static',
    // linkedErrors sends `error.cause` chains: a ForgeError's cause is often the real story.
    integrations: [Sentry.linkedErrorsIntegration()],
    sendClientReports: false,
    // Otherwise init registers module-loader hooks that rewrite every module loaded afterwards
    // (≈ 0.4 s and ≈ 27 MB) for framework integrations the bot does not use.
    enableRuntimeChannelInjection: false,
    shutdownTimeout: options.shutdownTimeoutMs ?? 2000,
    initialScope: { contexts: { runtime: { name: 'node', version: process.version } } },
    // Secrets may be registered after an event or breadcrumb was recorded: mask at send time too.
    beforeSend: (event) => maskEvent(event),
    beforeSendTransaction: (event) => maskEvent(event),
    beforeBreadcrumb: (breadcrumb: Breadcrumb) => maskDeep(breadcrumb),
    beforeSendLog: (log) => maskDeep(log),
  });
  // Last net before the wire: the envelope header carries a trace context built from the
  // transaction name, and check-ins skip `beforeSend`.
  client?.on('beforeEnvelope', maskEnvelope);
  initialised = true;
  return reporter;
}

/** Reports a failed run as an exception event tagged job, run_id, trigger, dry_run; returns the event id. */
export function captureRunFailure(error: unknown, context: RunContext): string | undefined {
  if (!initialised) return undefined;
  return Sentry.captureException(error, {
    level: 'error',
    tags: { ...context.tags, ...runTags(context) },
    fingerprint: context.fingerprint,
    extra: { ...errorDetails(error), ...context.extra },
  });
}

/** Reports a non-exception alert (a failed package, a failing gate) as a message event; returns the event id. */
export function captureMessage(message: string, context: MessageContext = {}): string | undefined {
  if (!initialised) return undefined;
  return Sentry.captureMessage(message, {
    level: context.level ?? 'warning',
    tags: { ...context.tags, ...runTags(context) },
    fingerprint: context.fingerprint,
    extra: context.extra,
  });
}

/**
 * Runs `fn` inside a cron check-in: `in_progress` first, then `ok`, or `error` when `fn` throws
 * or `options.isFailure(result)` says so. Each check-in carries the monitor config (crontab
 * schedule, timezone, margin, max runtime) so Sentry creates or updates the monitor itself.
 * Built on `captureCheckIn` rather than `withMonitor` because a run can fail without throwing.
 */
export async function withCheckIn<T>(
  monitor: MonitorOptions,
  fn: () => Promise<T> | T,
  options: CheckInOptions<T> = {},
): Promise<T> {
  if (!initialised) return fn();
  const config = monitorConfig(monitor);
  const { monitorSlug } = monitor;
  const checkInId = Sentry.captureCheckIn({ monitorSlug, status: 'in_progress' }, config);
  const started = performance.now();
  const finish = (status: 'ok' | 'error'): void => {
    const duration = (performance.now() - started) / 1000;
    Sentry.captureCheckIn({ monitorSlug, status, checkInId, duration }, config);
  };
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    finish('error');
    throw error;
  }
  finish(options.isFailure?.(result) ? 'error' : 'ok');
  return result;
}

/** Waits until queued envelopes are sent or `timeoutMs` passes; true when everything went out. */
export async function flushSentry(timeoutMs = 2000): Promise<boolean> {
  if (!initialised) return true;
  return Sentry.flush(timeoutMs);
}

/** Flushes and shuts the SDK down; later calls are no-ops. */
export async function closeSentry(timeoutMs = 2000): Promise<boolean> {
  if (!initialised) return true;
  initialised = false;
  return Sentry.close(timeoutMs);
}

const reporter: SentryReporter = {
  get enabled() {
    return initialised;
  },
  captureRunFailure,
  captureMessage,
  withCheckIn,
  flush: flushSentry,
  close: closeSentry,
};

function runTags(
  context: Partial<Pick<RunContext, 'job' | 'runId' | 'trigger' | 'dryRun'>>,
): Record<string, string> {
  const tags: Record<string, string> = {};
  if (context.job !== undefined) tags.job = context.job;
  if (context.runId !== undefined) tags.run_id = context.runId;
  if (context.trigger !== undefined) tags.trigger = context.trigger;
  if (context.dryRun !== undefined) tags.dry_run = String(context.dryRun);
  return tags;
}

/** Typed errors carry what triage needs (a ForgeError's status, forge and route). */
function errorDetails(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return {};
  const details: Record<string, unknown> = {};
  for (const key of ['status', 'forge', 'route', 'retryAfterMs', 'job', 'holder']) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value !== undefined && typeof value !== 'object' && typeof value !== 'function') details[key] = value;
  }
  return Object.keys(details).length ? { error: details } : {};
}

type MonitorConfig = NonNullable<Parameters<typeof Sentry.captureCheckIn>[1]>;

function monitorConfig(monitor: MonitorOptions): MonitorConfig {
  return {
    schedule: { type: 'crontab', value: monitor.schedule },
    timezone: monitor.timezone,
    checkinMargin: monitor.checkinMargin,
    maxRuntime: monitor.maxRuntime,
    failureIssueThreshold: monitor.failureIssueThreshold,
    recoveryThreshold: monitor.recoveryThreshold,
  };
}

/**
 * Masks every string of an event except `sdkProcessingMetadata`, which holds live SDK objects
 * (scopes) that are never sent and must not be copied.
 */
function maskEvent<E extends Event>(event: E): E {
  const { sdkProcessingMetadata, ...rest } = event;
  const masked = maskDeep(rest) as E;
  if (sdkProcessingMetadata) masked.sdkProcessingMetadata = sdkProcessingMetadata;
  return masked;
}

/** Masks, in place, the envelope header and every JSON item payload (binary attachments are left alone). */
function maskEnvelope(sdkEnvelope: Parameters<Sentry.NodeClient['sendEnvelope']>[0]): void {
  // Every envelope variant is `[header, [itemHeader, payload][]]`.
  const envelope = sdkEnvelope as unknown as [Record<string, unknown>, Array<[unknown, unknown]>];
  const header = envelope[0];
  const masked = maskDeep(header);
  // The DSN key is masked everywhere else, but Sentry needs it here (trace sampling, tunnels).
  if (typeof header.dsn === 'string') masked.dsn = header.dsn;
  const trace = header.trace as Record<string, unknown> | undefined;
  if (trace?.public_key !== undefined)
    (masked.trace as Record<string, unknown>).public_key = trace.public_key;
  envelope[0] = masked;
  for (const item of envelope[1]) {
    const payload = item[1];
    if (payload && typeof payload === 'object' && !ArrayBuffer.isView(payload)) item[1] = maskEvent(payload);
  }
}

/** The DSN's public key authenticates to the project: mask it wherever else it might appear. */
function registerDsn(dsn: string): void {
  registerSecret(dsn);
  try {
    registerSecret(new URL(dsn).username);
  } catch {
    // An unparsable DSN is reported by the SDK itself (it disables sending).
  }
}
