import type { Commit, CompareResult } from '../../src/forges/types.js';
import { marker } from '../../src/kit/marker.js';
import { render } from '../../src/kit/template.js';
import { BUMP_MARKER_KIND, type BumpMarker } from '../../src/domain/bump.js';
import type { Component } from './options.js';

/** Title and description of the version-bump MR. The hidden marker lets the bot read its own MRs. */

export const MARKER_KIND = BUMP_MARKER_KIND;
const MAX_COMMITS = 50;

export type { BumpMarker };

export function shortSha(sha: string): string {
  return sha.slice(0, 11);
}

export function title(component: Component, sha: string): string {
  return render(component.mergeRequest.title, { name: component.name, sha, short_sha: shortSha(sha) });
}

export function commitMessage(component: Component, sha: string): string {
  return `Update ${component.name} to ${shortSha(sha)}`;
}

/** Commit titles are untrusted: keep them from mentioning people or breaking the list. */
function safe(text: string): string {
  return text
    .replace(/@(?=\w)/g, '@\u200b')
    .replace(/[\r\n]+/g, ' ')
    .replace(/<!--|-->/g, '');
}

export function description(input: {
  component: Component;
  from: string | null;
  to: string;
  evidence: string;
  compare: CompareResult | null;
  sourceWebUrl: string;
}): string {
  const { component, from, to, compare } = input;
  const file = `\`${component.target.versionFile}\``;
  const lines: string[] = [];
  lines.push(
    from
      ? `Updates ${file} from \`${shortSha(from)}\` to \`${shortSha(to)}\` (${input.evidence}).`
      : `Sets ${file} to \`${shortSha(to)}\` (${input.evidence}).`,
  );
  if (compare) lines.push('', `Compare: ${compare.webUrl}`);
  const commits: Commit[] = compare ? [...compare.commits].reverse() : [];
  if (commits.length > 0) {
    lines.push(
      '',
      `### Changes in ${component.name} (${commits.length} commit${commits.length === 1 ? '' : 's'})`,
      '',
    );
    for (const c of commits.slice(0, MAX_COMMITS))
      lines.push(`- [${shortSha(c.sha)}](${c.webUrl}) ${safe(c.title)} — ${safe(c.authorName)}`);
    if (commits.length > MAX_COMMITS)
      lines.push(`- … and ${commits.length - MAX_COMMITS} more (see the compare link)`);
  }
  lines.push(
    '',
    '### If the pipeline fails',
    '',
    '- **Flaky test**: retry the failed jobs; the MR merges itself when the pipeline passes.',
    `- **Broken ${component.target.branch ?? 'default branch'} on this project**: wait for the fix to be merged; the bot refreshes this MR on its next run.`,
    `- **Regression in ${component.name}**: revert or fix it in ${component.source.project}; the bot moves this MR to the next green commit (or close this MR and the bot opens a new one).`,
    '',
    '### If this MR conflicts',
    '',
    `The bot owns the branch and resets it onto the target branch on its next run. Don't push to it: pushes are overwritten. To pin a commit, run \`release-bot run update-component --component ${component.name} --sha <sha>\`.`,
    '',
    `_Opened by release-bot (update-component)._`,
    marker(MARKER_KIND, { component: component.name, sha: to, from } satisfies BumpMarker),
  );
  return lines.join('\n');
}
