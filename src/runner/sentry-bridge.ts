import { toMonitorSlug } from '../notify/sentry-loader.js';
import type { SentryReporter } from '../notify/sentry-types.js';
import type { RunnerSentry } from './observers.js';

/** Adapts the Sentry reporter (src/notify) to what the runner needs. */
export function runnerSentry(reporter: SentryReporter): RunnerSentry {
  return {
    withCheckIn: (monitor, fn) =>
      reporter.withCheckIn(
        {
          monitorSlug: toMonitorSlug(monitor.slug),
          schedule: monitor.schedule,
          timezone: monitor.timezone,
          checkinMargin: monitor.checkinMarginMinutes,
          maxRuntime: monitor.maxRuntimeMinutes,
        },
        fn,
      ),
    async captureFailure(error, tags, options = {}) {
      reporter.captureRunFailure(error, { ...tags, fingerprint: options.fingerprint, extra: options.extra });
    },
    async captureMessage(message, tags, options = {}) {
      reporter.captureMessage(message, {
        ...tags,
        level: options.level,
        fingerprint: options.fingerprint,
        tags: options.tags,
        extra: options.extra,
      });
    },
    async flush(timeoutMs) {
      await reporter.flush(timeoutMs);
    },
  };
}
