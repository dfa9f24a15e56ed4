import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage } from '../../src/errors.js';
import type { ChangeRequest, Commit, Forge } from '../../src/forges/types.js';
import type { NotifyItem } from '../../src/notify/types.js';
import type { JobContext } from '../../src/runner/job.js';
import type { Repo } from './options.js';

/**
 * Release notes of a move, from the merged pull/merge requests the moved commits came in with
 * (Packit's convention, their weekly blog post): the `RELEASE NOTES BEGIN … RELEASE NOTES END`
 * block of the body when there is one, else the title. A block saying "n/a" or "none" means
 * "nothing for the notes"; `pre-commit autoupdate` requests are left out. Grouped per repo.
 */

const BLOCK = /RELEASE NOTES BEGIN[ \t]*\r?\n([\s\S]*?)\r?\n[ \t]*RELEASE NOTES END/;
const NOTHING = new Set(['n/a', 'none', 'none.', '-', '']);
const LEFT_OUT = /pre-commit autoupdate/i;
/** Commits looked up per repo; a longer week is summarised as "and N more commits". */
const MAX_COMMITS = 100;

export interface NoteEntry {
  /** `ogr#812` (GitHub) or `ogr!812` (GitLab). */
  ref: string;
  url: string;
  text: string;
  /** Taken from the block (else the title). */
  fromBlock: boolean;
}

export interface RepoNotes {
  name: string;
  entries: NoteEntry[];
  /** Moved commits that came in without a merged PR/MR into the source branch. */
  direct: Commit[];
  /** Moved commits not looked up (beyond MAX_COMMITS). */
  unchecked: number;
  /** How many commits moved. */
  commits: number;
  /** The branch is new: nothing "moved" onto it, no notes. */
  created: boolean;
  /** Lookups that failed (the notes may miss entries). */
  errors: string[];
}

/** The body's release-notes block: its text, `null` when it says there is nothing, `undefined` without a block. */
export function releaseNoteBlock(body: string): string | null | undefined {
  const m = BLOCK.exec(body);
  if (!m) return undefined;
  const text = m[1]!.trim();
  return NOTHING.has(text.toLowerCase()) ? null : text;
}

function entryOf(name: string, forge: Forge, cr: ChangeRequest): NoteEntry | null {
  if (LEFT_OUT.test(cr.title)) return null;
  const block = releaseNoteBlock(cr.description);
  if (block === null) return null;
  return {
    ref: `${name}${forge.links.changeRequestRef(cr.iid)}`,
    url: cr.webUrl,
    text: (block ?? cr.title).replace(/\s*\r?\n\s*/g, ' ').trim(),
    fromBlock: block !== undefined,
  };
}

export interface MovedRepo {
  name: string;
  repo: Repo;
  /** Oldest first, as the compare lists them. */
  commits: Commit[];
  created?: boolean;
}

export async function collectReleaseNotes(
  ctx: JobContext,
  forge: Forge,
  moved: MovedRepo[],
): Promise<RepoNotes[]> {
  return Promise.all(
    moved.map(async ({ name, repo, commits, created }): Promise<RepoNotes> => {
      const notes: RepoNotes = {
        name,
        commits: commits.length,
        entries: [],
        direct: [],
        unchecked: 0,
        created: Boolean(created),
        errors: [],
      };
      const newest = [...commits].reverse();
      const looked = newest.slice(0, MAX_COMMITS);
      notes.unchecked = newest.length - looked.length;
      const byIid = new Map<number, ChangeRequest>();
      const found = await Promise.all(
        looked.map(async (commit) => {
          try {
            const merged = (await forge.changeRequests.listForCommit(repo.project, commit.sha)).filter(
              (cr) => cr.state === 'merged' && cr.targetBranch === repo.source,
            );
            for (const cr of merged) byIid.set(cr.iid, cr);
            return merged.length > 0;
          } catch (error) {
            if (ctx.signal.aborted) throw error;
            notes.errors.push(`${commit.shortSha}: ${errorMessage(error)}`);
            return true;
          }
        }),
      );
      notes.direct = looked.filter((c, i) => !found[i] && c.parentShas.length < 2);
      // Newest merge first, like the commits.
      const requests = [...byIid.values()].sort(
        (a, b) => (b.mergedAt ?? '').localeCompare(a.mergedAt ?? '') || b.iid - a.iid,
      );
      for (const cr of requests) {
        const entry = entryOf(name, forge, cr);
        if (entry) notes.entries.push(entry);
      }
      return notes;
    }),
  );
}

/** Markdown-safe for an issue: no mentions, no closing our HTML comments, one line. */
function safe(text: string): string {
  return text
    .replace(/@(?=\w)/g, '@\u200b')
    .replace(/[\r\n]+/g, ' ')
    .replace(/<!--|-->/g, '');
}

export function releaseNotesMarkdown(notes: RepoNotes[]): string {
  const parts: string[] = [];
  for (const repo of notes) {
    const lines: string[] = [];
    if (repo.created) lines.push('- _New stable branch: no release notes._');
    for (const e of repo.entries) lines.push(`- ${safe(e.text)} ([${safe(e.ref)}](${e.url}))`);
    if (repo.direct.length)
      lines.push(
        `- _${repo.direct.length} commit${repo.direct.length === 1 ? '' : 's'} without a merged PR/MR: ${repo.direct
          .slice(0, 10)
          .map((c) => `\`${c.shortSha}\` ${safe(c.title)}`)
          .join('; ')}${repo.direct.length > 10 ? '; …' : ''}_`,
      );
    if (repo.unchecked) lines.push(`- _… and ${repo.unchecked} more commits not looked up_`);
    if (repo.errors.length)
      lines.push(`- _could not look up ${repo.errors.length} commit(s): the notes may be incomplete_`);
    if (lines.length === 0) continue;
    const count = repo.created ? '' : ` (${repo.commits} commit${repo.commits === 1 ? '' : 's'})`;
    parts.push(`#### ${safe(repo.name)}${count}`, '', ...lines, '');
  }
  return parts.length ? parts.join('\n').trimEnd() : '_No release notes._';
}

/** The Slack list: one item per note, grouped per repo by its `repo:` prefix, linking the PR/MR. */
export function releaseNotesItems(notes: RepoNotes[]): NotifyItem[] {
  return notes.flatMap((repo) => [
    ...repo.entries.map((e) => ({ text: `${repo.name}: ${e.text} (${e.ref})`, url: e.url })),
    ...repo.direct.map((c) => ({ text: `${repo.name}: ${c.shortSha} ${c.title}`, url: c.webUrl })),
  ]);
}

/** `--notes-file`: the notes as Markdown, for the weekly blog post. */
export async function writeNotesFile(path: string, title: string, notes: RepoNotes[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `## ${title}\n\n${releaseNotesMarkdown(notes)}\n`, 'utf8');
}

/** The notes of the outcomes that moved (or would move): what the report, Slack and the file show. */
export async function notesOfOutcomes(
  ctx: JobContext,
  forge: Forge,
  outcomes: {
    status: string;
    created?: boolean;
    plan: { name: string; repo: Repo; commits: Commit[]; decision: string };
  }[],
  statuses: string[],
): Promise<RepoNotes[]> {
  return collectReleaseNotes(
    ctx,
    forge,
    outcomes
      .filter((o) => statuses.includes(o.status))
      .map((o) => ({
        name: o.plan.name,
        repo: o.plan.repo,
        commits: o.plan.commits,
        created: o.created === true || (o.status === 'planned' && o.plan.decision === 'create'),
      })),
  );
}

/** `--notes-file <path>` of this run, if given: written whenever the run knows the notes. */
export async function saveNotesFile(
  ctx: JobContext,
  hash: string,
  notes: RepoNotes[],
): Promise<string | null> {
  const path = typeof ctx.args.notesFile === 'string' ? ctx.args.notesFile : null;
  if (!path) return null;
  const day = ctx.now().toISOString().slice(0, 10);
  await writeNotesFile(path, `Stable branches moved ${day} (plan ${hash})`, notes);
  return path;
}
