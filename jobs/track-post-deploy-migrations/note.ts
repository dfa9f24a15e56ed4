import type { ForgeLinks } from '../../src/forges/links.js';
import { marker, readMarkers } from '../../src/kit/marker.js';
import type { PackageRecord } from '../../src/domain/post-migration-records.js';

/**
 * The note on the monthly release issue, as release managers know it from release-tools:
 * the package version, then each post-deploy migration linked at the package's GitLab sha.
 * The hidden marker names the package, so a run killed after posting never posts it twice.
 */

export const MARKER_KIND = 'post-deploy-migrations';

export interface NoteMarker {
  package: string;
}

export function fileUrl(source: { links: ForgeLinks }, project: string, sha: string, path: string): string {
  return source.links.blobUrl(project, sha, path);
}

export function noteBody(
  record: PackageRecord,
  source: { links: ForgeLinks },
  project: string,
  followed: string,
): string {
  const analysis = record.analysis!;
  const lines = [
    record.version,
    '',
    ...(analysis.migrations ?? []).map(
      (path) => `- [${path}](${fileUrl(source, project, analysis.sha, path)})`,
    ),
    '',
    `_Post-deploy migrations added since ${analysis.previous ?? 'the previous package'}, deployed to ${followed} with this package. Recorded by release-bot (track-post-deploy-migrations)._`,
    marker(MARKER_KIND, { package: record.version } satisfies NoteMarker),
  ];
  return lines.join('\n');
}

export function notedPackages(body: string): string[] {
  return readMarkers<NoteMarker>(body, MARKER_KIND).map((m) => m.package);
}
