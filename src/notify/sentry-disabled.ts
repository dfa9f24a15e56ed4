import type { SentryReporter } from './sentry-types.js';

/**
 * The reporter used when no DSN is configured. Its own file so that both the lazy loader and the
 * SDK wrapper (sentry.ts, which the loader imports on demand) can use it without importing each other.
 * Every method does nothing; `withCheckIn` just runs its function.
 */
export const disabledSentry: SentryReporter = {
  enabled: false,
  captureRunFailure: () => undefined,
  captureMessage: () => undefined,
  withCheckIn: async (_monitor, fn) => fn(),
  flush: async () => true,
  close: async () => true,
};
