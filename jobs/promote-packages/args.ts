import { suggest } from '../../src/config/issues.js';
import { UsageError } from '../../src/errors.js';
import type { Options, PackageConfig } from './options.js';

/**
 * `--version` and `--package`: checked before anything runs (exit 2, nothing written). A
 * version is `MAJOR.MINOR.PATCH` with optional pre-release/build parts (`16.1.0`,
 * `16.1.0-rc42`, `16.1.0+ee.0`), which is also what a generic package version accepts.
 */

const VERSION = /^\d+\.\d+\.\d+(?:[-+.][0-9A-Za-z]+)*$/;

export function releaseVersion(args: Record<string, unknown>): string {
  const raw = args.version;
  if (raw === undefined || raw === true || raw === '')
    throw new UsageError('--version <version> is required (e.g. --version 16.1.0)');
  const version = String(raw);
  if (!VERSION.test(version))
    throw new UsageError(
      `--version ${version}: not a release version (expected MAJOR.MINOR.PATCH, optionally with -pre or +build parts, e.g. 16.1.0 or 16.1.0+ee.0)`,
    );
  return version;
}

export function selectedPackages(options: Options, args: Record<string, unknown>): PackageConfig[] {
  const raw = args.package;
  if (raw === undefined) return options.packages;
  const wanted = (Array.isArray(raw) ? raw : [raw]).map(String);
  const names = options.packages.map((p) => p.name);
  const unknown = wanted.filter((w) => !names.includes(w));
  if (unknown.length > 0) {
    const problems = unknown.map((u) => {
      const hint = suggest(u, names);
      return `--package ${u}: no such package${hint ? ` (did you mean "${hint}"?)` : ''}`;
    });
    throw new UsageError(`${problems.join('; ')}; configured: ${names.join(', ')}`);
  }
  return options.packages.filter((p) => wanted.includes(p.name));
}

/**
 * `--force --reason "…"`: override a refusal (a version whose verification failed). Both or
 * neither: a forced promotion always says why, and the reason is recorded (history, Slack, Sentry).
 */
export function forceReason(args: Record<string, unknown>): string | undefined {
  const force = args.force === true;
  const raw = args.reason;
  const reason = typeof raw === 'string' ? raw.trim() : raw === undefined ? undefined : '';
  if (force && !reason)
    throw new UsageError('--force needs --reason "<why>" (it is recorded in history, Slack and Sentry)');
  if (!force && reason !== undefined) throw new UsageError('--reason is only for --force');
  return force ? reason : undefined;
}
