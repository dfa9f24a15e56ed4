import type { Commit } from '../../src/forges/types.js';
import { marker } from '../../src/kit/marker.js';
import type { GateResult } from './gates.js';
import type { OutcomeStatus, RepoOutcome } from './move.js';
import { shortSha } from './plan.js';

/**
 * Markdown for the approval issue and its notes, and plain text for the terminal. Commit titles,
 * authors and gate evidence are untrusted: they are kept from mentioning people, closing HTML
 * comments (our markers) or breaking tables.
 */

export const ISSUE_MARKER = 'move-stable-branches';
export const NOTE_MARKER = 'move-stable-branches-note';
const MAX_COMMITS = 50;

export interface IssueMarker {
  hash: string;
  /** Notes up to this id predate this plan: approvals in them do not count. */
  afterNote: number;
  /** Stable before and target of every repo when the plan was posted (for the release notes). */
  repos: Record<string, { project: string; stable: string; from: string | null; to: string | null }>;
  /** The bot moved the branches for this plan (the issue is closed then). */
  executed?: boolean;
}

export type NoteMarker =
  | { type: 'void'; hash: string }
  | { type: 'ignored'; note: number }
  | { type: 'gates'; hash: string; signature: string }
  | { type: 'report'; hash: string }
  /** An Approve / Decline click on Slack, recorded by the bot (slack-decision.ts). */
  | { type: 'decision'; hash: string; user: string; decision: 'approve' | 'decline'; slackUser: string };

export function safe(text: string): string {
  return text
    .replace(/@(?=\w)/g, '@\u200b')
    .replace(/[\r\n]+/g, ' ')
    .replace(/<!--|-->/g, '')
    .replace(/\|/g, '\\|');
}

export function checkboxText(hash: string): string {
  return `I approve plan ${hash}`;
}

const STATUS_TEXT: Record<OutcomeStatus, string> = {
  moved: '✅ moved',
  even: 'even, skipping',
  planned: 'to move',
  blocked: '⛔ refused',
  failed: '❌ failed',
  skipped: '⏭ skipped',
  waiting: '⏳ waiting',
};

export function planTable(outcomes: RepoOutcome[]): string {
  const rows = outcomes.map(({ plan, status, summary, earlier, created }) => {
    const commits = status === 'even' ? '0' : String(plan.commits.length);
    const mode = status === 'even' ? '' : plan.force ? ', forced' : plan.fastForward ? ', fast-forward' : '';
    const to = plan.compareUrl
      ? `[\`${shortSha(plan.target)}\`](${plan.compareUrl})`
      : `\`${shortSha(plan.target)}\``;
    const detail = created
      ? ` — ${safe(summary)}`
      : earlier
        ? ' (by an earlier run of this plan)'
        : status === 'planned' && plan.decision === 'create'
          ? ` — ${safe(summary)}`
          : status === 'moved' || status === 'planned' || status === 'even'
            ? ''
            : ` — ${safe(summary)}`;
    const text = created
      ? '✅ created'
      : status === 'planned' && plan.decision === 'create'
        ? 'to create'
        : `${STATUS_TEXT[status]}${mode}`;
    return `| ${safe(plan.name)} | ${plan.repo.stable} ← ${plan.repo.source}${plan.pinned ? ' (pinned)' : ''} | \`${shortSha(plan.stable)}\` → ${to} | ${commits} | ${text}${detail} |`;
  });
  return ['| Repo | Branch | From → To | Commits | Status |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function gatesMarkdown(gates: GateResult[]): string {
  if (gates.length === 0) return '_No stage gates are configured: the approver is the only check._';
  const lines: string[] = [];
  for (const g of gates) {
    lines.push(`- ${g.ok ? '✅' : '❌'} **${g.gate}**: ${safe(g.summary)}`);
    for (const e of g.evidence.slice(0, 25))
      lines.push(`  - ${e.ok ? '' : '**✗** '}${e.url ? `[${safe(e.text)}](${e.url})` : safe(e.text)}`);
  }
  return lines.join('\n');
}

function commitLine(c: Commit): string {
  return `- [\`${c.shortSha}\`](${c.webUrl}) ${safe(c.title)} — ${safe(c.authorName)}`;
}

/** The moved commits per repo, newest first: Packit wrote their weekly blog post from these. */
export function releaseNotes(entries: { name: string; commits: Commit[] }[]): string {
  const parts: string[] = [];
  for (const { name, commits } of entries) {
    if (commits.length === 0) continue;
    const newest = [...commits].reverse();
    parts.push(`#### ${safe(name)} (${commits.length} commit${commits.length === 1 ? '' : 's'})`, '');
    parts.push(...newest.slice(0, MAX_COMMITS).map(commitLine));
    if (newest.length > MAX_COMMITS) parts.push(`- … and ${newest.length - MAX_COMMITS} more`);
    parts.push('');
  }
  return parts.length ? parts.join('\n').trimEnd() : '_No commits._';
}

/** `checkboxes`: the forge says who ticked the box, so ticking it can count as an approval. */
export function howToApprove(checkboxes: boolean, hash: string, approvers: string[]): string {
  const who = approvers.map((a) => `\`${a}\``).join(', ');
  const how = checkboxes
    ? `Tick the box above, or comment \`/approve\`.`
    : `Comment \`/approve\` (or \`/approve ${hash}\`). GitHub does not tell the bot who ticked a checkbox, so on GitHub only the comment counts.`;
  return [
    how,
    `Only these approvers count: ${who}; anyone else's approval is ignored and reported here.`,
    'The bot checks on its next scheduled run and then moves the branches in dependency order, verifies every moved ref, posts the report here and closes this issue.',
    `If a source branch moves before that, the plan (and its hash \`${hash}\`) changes: the approval is void and the bot asks again here. Close this issue to decline this plan.`,
  ].join('\n\n');
}

export function issueDescription(input: {
  checkboxes: boolean;
  hash: string;
  outcomes: RepoOutcome[];
  gates: GateResult[];
  approvers: string[];
  marker: IssueMarker;
  /** Markdown of the PRs/MRs that would move (release-notes.ts). */
  releaseNotes?: string;
  /** The run's page on the status server (`server.publicUrl`). */
  runUrl?: string;
}): string {
  const { checkboxes, hash, outcomes, gates } = input;
  const box = checkboxes ? [`- [ ] ${checkboxText(hash)}`, ''] : [];
  const moving = outcomes.filter((o) => o.status === 'planned');
  return [
    `Stage validation passed. Moving ${moving.length} stable branch${moving.length === 1 ? '' : 'es'} needs an approval (plan \`${hash}\`).`,
    '',
    '### Plan',
    '',
    planTable(outcomes),
    '',
    '### Stage gates',
    '',
    gatesMarkdown(gates),
    '',
    '### Commits that would move',
    '',
    releaseNotes(moving.map((o) => ({ name: o.plan.name, commits: o.plan.commits }))),
    '',
    ...(input.releaseNotes ? ['### Release notes', '', input.releaseNotes, ''] : []),
    '### Approve',
    '',
    ...box,
    howToApprove(checkboxes, hash, input.approvers),
    '',
    `_Opened by release-bot (move-stable-branches)${input.runUrl ? ` — [the run](${input.runUrl})` : ''}._`,
    marker(ISSUE_MARKER, input.marker as unknown as Record<string, unknown>),
  ].join('\n');
}

/** Replace the issue marker in a description, leaving everything else (checkbox state) as is. */
export function withMarker(description: string, data: IssueMarker): string {
  const next = marker(ISSUE_MARKER, data as unknown as Record<string, unknown>);
  const pattern = new RegExp(`<!--\\s*release-bot:${ISSUE_MARKER}\\s+\\{.*?\\}\\s*-->`, 's');
  return pattern.test(description) ? description.replace(pattern, () => next) : `${description}\n${next}`;
}

export function noteMarker(data: NoteMarker): string {
  return marker(NOTE_MARKER, data as unknown as Record<string, unknown>);
}

export function reportMarkdown(input: {
  outcomes: RepoOutcome[];
  notes: { name: string; commits: Commit[] }[];
  approvedBy: string;
  hash: string;
  /** Markdown of the moved PRs/MRs (release-notes.ts); else the moved commits. */
  releaseNotes?: string;
}): string {
  const failed = input.outcomes.filter((o) => o.status === 'failed' || o.status === 'blocked');
  const skipped = input.outcomes.filter((o) => o.status === 'skipped');
  const moved = input.outcomes.filter((o) => o.status === 'moved');
  const headline =
    failed.length || skipped.length
      ? `⚠️ Moved ${moved.length} stable branch(es); ${failed.length} failed, ${skipped.length} skipped.`
      : `✅ Moved ${moved.length} stable branch(es) (plan \`${input.hash}\`, approved by ${safe(input.approvedBy)}); every moved ref was verified.`;
  const next =
    failed.length || skipped.length
      ? [
          '',
          '**What to do:** fix what the table says for each failed or stopped repo, then run `release-bot run move-stable-branches --yes` (already-moved repos are even and skipped).',
        ]
      : [];
  return [
    headline,
    '',
    planTable(input.outcomes),
    ...next,
    '',
    '### Release notes',
    '',
    input.releaseNotes ?? releaseNotes(input.notes),
  ].join('\n');
}

/** Plain text for the terminal (the confirmation prompt). */
export function terminalReport(outcomes: RepoOutcome[], gates: GateResult[]): string {
  const lines = ['Plan:'];
  for (const { plan, status, summary } of outcomes) {
    lines.push(`  ${plan.name.padEnd(24)} ${status.padEnd(8)} ${summary}`);
    if (status === 'planned')
      for (const c of [...plan.commits].reverse().slice(0, 10)) lines.push(`      ${c.shortSha} ${c.title}`);
  }
  lines.push('', 'Stage gates:');
  if (gates.length === 0) lines.push('  (none configured)');
  for (const g of gates) lines.push(`  ${g.ok ? '✓' : '✗'} ${g.gate}: ${g.summary}`);
  return lines.join('\n');
}
