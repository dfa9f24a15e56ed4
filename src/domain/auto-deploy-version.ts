/**
 * Auto-deploy package versions: `MAJOR.MINOR.YYYYMMDDHHMM-<gitlab sha>.<omnibus sha>`, e.g.
 * `14.8.202202080920-97d6e07c2a1.4ce763dbce1`. The auto-deploy tag spells the same version with
 * `+` (`14.8.202202080920+97d6e07c2a1.4ce763dbce1`); both are accepted and the `-` form is the
 * canonical one (what notes, the store and the CLI show).
 */

export interface PackageVersion {
  /** Canonical form, with `-`. */
  version: string;
  major: number;
  minor: number;
  /** `14.8`: the monthly release the package belongs to. */
  release: string;
  /** `YYYYMMDDHHMM` as written. */
  timestamp: string;
  /** When the package was built (UTC), from the timestamp. */
  builtAt: string;
  gitlabSha: string;
  omnibusSha: string;
}

export class MalformedVersionError extends Error {
  override name = 'MalformedVersionError';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(
      `"${input}" is not an auto-deploy package version: ${reason} (expected MAJOR.MINOR.YYYYMMDDHHMM-<gitlab sha>.<omnibus sha>, e.g. 14.8.202202080920-97d6e07c2a1.4ce763dbce1)`,
    );
  }
}

const SHAPE = /^(\d+)\.(\d+)\.(\d+)[-+]([^.]*)\.(.*)$/;
const SHA = /^[0-9a-f]{11,40}$/;

function timestampReason(ts: string): string | undefined {
  if (!/^\d{12}$/.test(ts)) return `the timestamp "${ts}" must be 12 digits (YYYYMMDDHHMM)`;
  const [y, mo, d, h, mi] = [
    ts.slice(0, 4),
    ts.slice(4, 6),
    ts.slice(6, 8),
    ts.slice(8, 10),
    ts.slice(10, 12),
  ].map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59)
    return `the timestamp "${ts}" is not a valid date and time`;
  return undefined;
}

/** Throws MalformedVersionError naming the input and what is wrong with it. */
export function parseVersion(input: string): PackageVersion {
  const text = input.trim();
  const m = SHAPE.exec(text);
  if (!m) return malformed(input, 'it does not have the shape MAJOR.MINOR.TIMESTAMP-SHA.SHA');
  const [, major, minor, timestamp, gitlabSha, omnibusSha] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const tsProblem = timestampReason(timestamp);
  if (tsProblem) return malformed(input, tsProblem);
  if (!SHA.test(gitlabSha))
    return malformed(input, `the GitLab sha "${gitlabSha}" must be 11 to 40 lowercase hex digits`);
  if (!SHA.test(omnibusSha))
    return malformed(input, `the Omnibus sha "${omnibusSha}" must be 11 to 40 lowercase hex digits`);
  const iso = `${timestamp.slice(0, 4)}-${timestamp.slice(4, 6)}-${timestamp.slice(6, 8)}T${timestamp.slice(8, 10)}:${timestamp.slice(10, 12)}:00.000Z`;
  return {
    version: `${Number(major)}.${Number(minor)}.${timestamp}-${gitlabSha}.${omnibusSha}`,
    major: Number(major),
    minor: Number(minor),
    release: `${Number(major)}.${Number(minor)}`,
    timestamp,
    builtAt: iso,
    gitlabSha,
    omnibusSha,
  };
}

function malformed(input: string, reason: string): never {
  throw new MalformedVersionError(input, reason);
}

export function tryParseVersion(input: string): PackageVersion | MalformedVersionError {
  try {
    return parseVersion(input);
  } catch (error) {
    if (error instanceof MalformedVersionError) return error;
    throw error;
  }
}

/** Build order: the timestamp first (packages are cut in sequence), then the release, then the text. */
export function compareVersions(a: PackageVersion, b: PackageVersion): number {
  return (
    a.timestamp.localeCompare(b.timestamp) ||
    a.major - b.major ||
    a.minor - b.minor ||
    a.version.localeCompare(b.version)
  );
}

/** `14.8` → [14, 8]; undefined when it is not MAJOR.MINOR. */
export function parseRelease(text: string): { major: number; minor: number; release: string } | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), release: `${Number(m[1])}.${Number(m[2])}` };
}
