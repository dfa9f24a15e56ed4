import type { Forge, Issue } from '../../src/forges/types.js';
import { render } from '../../src/kit/template.js';
import type { Options } from './options.js';

/**
 * The monthly release issue of a package's release: the issue carrying every configured label
 * whose title is exactly the rendered pattern (`Release 14.8`). An open one wins over a closed
 * one, then the newest.
 */

export function releaseTitle(options: Options, release: string): string {
  const [major, minor] = release.split('.') as [string, string];
  return render(options.releaseIssue.title, { major, minor });
}

export async function findReleaseIssue(
  forge: Forge,
  options: Options,
  release: string,
): Promise<Issue | null> {
  const title = releaseTitle(options, release);
  const issues = await forge.issues.list(options.releaseIssue.project, {
    state: 'all',
    labels: options.releaseIssue.labels,
    search: title,
    limit: 100,
  });
  const wanted = options.releaseIssue.labels;
  const matching = issues
    .filter((i) => i.title.trim() === title && wanted.every((l) => i.labels.includes(l)))
    .sort((a, b) => Number(b.state === 'opened') - Number(a.state === 'opened') || b.iid - a.iid);
  return matching[0] ?? null;
}
