import { suggest } from '../../src/config/issues.js';
import { UsageError } from '../../src/errors.js';
import type { ImageConfig } from './images/options.js';
import type { Options, PackageConfig } from './options.js';

/**
 * `--version`, `--package` and `--image`: checked before anything runs (exit 2, nothing written). A
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

/** What a run promotes: the packages and images `--package` / `--image` selected (default: all). */
export interface Selection {
  packages: PackageConfig[];
  images: ImageConfig[];
}

function names(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

/**
 * `--package <name>` selects by name what is configured under it: the package and the image of
 * that name (a release's `gitlab-ee` is both); `--image <name>` selects an image only. Each flag
 * adds to the selection; neither selects everything. A name that matches nothing is a usage
 * error (exit 2, nothing written) listing what is configured.
 */
export function selection(options: Options, args: Record<string, unknown>): Selection {
  const packages = options.packages ?? [];
  const images = options.images?.repositories ?? [];
  const byPackage = names(args.package);
  const byImage = names(args.image);
  if (!byPackage && !byImage) return { packages, images };
  const packageNames = packages.map((p) => p.name);
  const imageNames = images.map((i) => i.name);
  const problems = [
    ...(byPackage ?? [])
      .filter((w) => !packageNames.includes(w) && !imageNames.includes(w))
      .map((w) => {
        const hint = suggest(w, [...new Set([...packageNames, ...imageNames])]);
        return `--package ${w}: no such package or image${hint ? ` (did you mean "${hint}"?)` : ''}`;
      }),
    ...(byImage ?? [])
      .filter((w) => !imageNames.includes(w))
      .map((w) => {
        const hint = suggest(w, imageNames);
        return `--image ${w}: no such image${hint ? ` (did you mean "${hint}"?)` : ''}`;
      }),
  ];
  if (problems.length > 0) {
    const configured = [
      `packages: ${packageNames.join(', ') || 'none'}`,
      `images: ${imageNames.join(', ') || 'none'}`,
    ];
    throw new UsageError(`${problems.join('; ')}; configured ${configured.join('; ')}`);
  }
  const wanted = new Set([...(byPackage ?? []), ...(byImage ?? [])]);
  return {
    packages: packages.filter((p) => byPackage?.includes(p.name)),
    images: images.filter((i) => wanted.has(i.name)),
  };
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
