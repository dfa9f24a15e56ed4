/**
 * The only way code the CLI loads eagerly should reach Sentry: `@sentry/node` costs ≈ 0.5 s and
 * ≈ 40 MB to import, so it is imported on first use, and never when no DSN is configured.
 */
import { disabledSentry } from './sentry-disabled.js';
import type { SentryOptions, SentryReporter } from './sentry-types.js';

export type {
  CheckInOptions,
  MessageContext,
  MonitorOptions,
  RunContext,
  SentryOptions,
  SentryReporter,
} from './sentry-types.js';

export { disabledSentry };

/**
 * Loads and initialises the Sentry SDK when `options.dsn` is set (once per process), else
 * returns `disabledSentry` without importing the SDK.
 *
 * @example
 *   const sentry = await loadSentry(config.sentry);
 *   await sentry.withCheckIn({ monitorSlug: toMonitorSlug(job.name), schedule: job.schedule }, run);
 */
export async function loadSentry(options: SentryOptions | undefined): Promise<SentryReporter> {
  if (!options?.dsn) return disabledSentry;
  const { initSentry } = await import('./sentry.js');
  return initSentry(options);
}

/**
 * A Sentry monitor slug from a job name: lowercase letters, digits, `-` and `_`, at most 50
 * characters (Sentry's rule), e.g. `update-component` → `release-bot-update-component`.
 */
export function toMonitorSlug(name: string, prefix = 'release-bot'): string {
  const slug = `${prefix ? `${prefix}-` : ''}${name}`
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  return slug.slice(0, 50).replace(/-$/, '') || 'release-bot';
}
