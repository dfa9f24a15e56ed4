import type { Forge, Issue, Note, NoteEdits } from '../../src/forges/types.js';
import { readMarker } from '../../src/kit/marker.js';
import { approvalCommands } from './approval-command.js';
import type { MarkerMemory } from './approval-marker.js';
import { checkboxText, ISSUE_MARKER, NOTE_MARKER, type IssueMarker, type NoteMarker } from './report.js';

/**
 * The approval issue: found by its hidden marker (never by title), and who approved it. On
 * GitLab ticking the checkbox writes a system note "marked the checklist item **…** as completed"
 * authored by whoever ticked it; a `/approve` comment works on both forges. The checkbox text
 * carries the plan hash, and only notes newer than the plan (`afterNote`) count, so an approval
 * of an older plan never approves a newer one.
 */

export interface ApprovalIssue {
  issue: Issue;
  marker: IssueMarker;
}

export interface IgnoredApproval {
  note: number;
  user: string;
  why: string;
}

export interface ApprovalState {
  approvedBy: string | null;
  ignored: IgnoredApproval[];
}

const TICK = /^marked the checklist item \*\*(.+)\*\* as (completed|incomplete)\s*$/s;

/** The open approval issue, else a closed one for the same plan (declined, or already executed). */
export async function findApprovalIssue(
  forge: Forge,
  project: string,
  bot: string,
  hash: string,
  memory?: MarkerMemory,
): Promise<{ open: ApprovalIssue | null; closed: ApprovalIssue | null }> {
  const issues = await forge.issues.list(project, { state: 'all', limit: 100 });
  let open: ApprovalIssue | null = null;
  let closed: ApprovalIssue | null = null;
  for (const issue of issues) {
    // Only the bot's own issues: a copied marker in someone else's issue is not ours.
    if (issue.author.toLowerCase() !== bot.toLowerCase()) continue;
    const written = readMarker<IssueMarker>(issue.description, ISSUE_MARKER);
    if (!written?.hash) continue;
    // What the bot wrote last, not what the description says now (approval-marker.ts).
    const marker = (await memory?.get(issue.iid)) ?? written;
    if (issue.state === 'opened') {
      if (!open || issue.iid > open.issue.iid) open = { issue, marker };
    } else if (marker.hash === hash && (!closed || issue.iid > closed.issue.iid)) closed = { issue, marker };
  }
  return { open, closed };
}

/**
 * Someone other than `author` changed the note (or may have: GitLab's REST API does not say who
 * edited): its words are no longer only the author's.
 */
export function editedByOthers(note: Note, edits: NoteEdits[] | undefined): string[] | null {
  const edit = edits?.find((e) => e.noteId === note.id);
  if (!edit) return [];
  if (edit.editors === null) return null;
  return edit.editors.filter((e) => e.toLowerCase() !== note.author.toLowerCase());
}

/** Notes whose edits matter: the bot's (markers it reads back) and those with an approval command. */
export function notesToCheckForEdits(notes: Note[], bot: string): Note[] {
  return notes.filter(
    (n) =>
      !n.system &&
      (n.author.toLowerCase() === bot.toLowerCase()
        ? readMarker(n.body, NOTE_MARKER) !== undefined
        : approvalCommands(n.body).length > 0),
  );
}

/** Edits of the notes that matter (no request when none does). */
export async function noteEdits(
  forge: Forge,
  project: string,
  iid: number,
  notes: Note[],
  bot: string,
): Promise<NoteEdits[]> {
  const check = notesToCheckForEdits(notes, bot);
  return check.length ? forge.notes.edits(project, { kind: 'issue', iid }, check) : [];
}

/** The bot's markers on an issue: only from its own notes that nobody else edited. */
export function botNotes(notes: Note[], bot: string, edits?: NoteEdits[]): NoteMarker[] {
  return notes
    .filter((n) => n.author.toLowerCase() === bot.toLowerCase())
    .filter((n) => editedByOthers(n, edits)?.length === 0)
    .map((n) => readMarker<NoteMarker>(n.body, NOTE_MARKER))
    .filter((m): m is NoteMarker => m !== undefined);
}

export function evaluateApprovals(input: {
  notes: Note[];
  marker: IssueMarker;
  hash: string;
  approvers: string[];
  bot: string;
  /** Edits of the notes (`NoteApi.edits`): an approval edited by someone else does not count. */
  edits?: NoteEdits[];
}): ApprovalState {
  const allowed = new Set(input.approvers.map((a) => a.toLowerCase()));
  const box = checkboxText(input.hash);
  const state: ApprovalState = { approvedBy: null, ignored: [] };
  const isBot = (n: Note) => n.author.toLowerCase() === input.bot.toLowerCase();
  const notes = input.notes.filter((n) => n.id > input.marker.afterNote).sort((a, b) => a.id - b.id);
  for (const note of notes) {
    if (isBot(note)) {
      // The bot's record of an Approve click on Slack (slack-decision.ts), when nobody edited it.
      const decision = note.system ? undefined : readMarker<NoteMarker>(note.body, NOTE_MARKER);
      if (
        decision?.type === 'decision' &&
        decision.decision === 'approve' &&
        decision.hash === input.hash &&
        allowed.has(decision.user.toLowerCase()) &&
        editedByOthers(note, input.edits)?.length === 0
      )
        state.approvedBy = `${decision.user} (Slack button)`;
      continue;
    }
    const user = note.author;
    const isApprover = allowed.has(user.toLowerCase());
    if (note.system) {
      const tick = TICK.exec(note.body.trim());
      if (!tick || tick[1]!.trim() !== box) continue;
      if (tick[2] === 'incomplete') {
        // The box is visibly unticked again: whoever did it, the approval is withdrawn.
        state.approvedBy = null;
        continue;
      }
      if (isApprover) state.approvedBy = user;
      else state.ignored.push({ note: note.id, user, why: 'ticked the approval box but is not an approver' });
      continue;
    }
    // The last command of a comment is what it says now.
    const command = approvalCommands(note.body).at(-1);
    if (!command) continue;
    const named = command.hash;
    if (named && !input.hash.startsWith(named) && !named.startsWith(input.hash)) {
      state.ignored.push({
        note: note.id,
        user,
        why: `approved plan ${named}, not the current plan ${input.hash}`,
      });
      continue;
    }
    if (!isApprover) {
      state.ignored.push({ note: note.id, user, why: 'commented /approve but is not an approver' });
      continue;
    }
    // Only the approver's own words: an edit by anyone else voids the comment; an edit by the
    // approver is re-read as it stands.
    const others = editedByOthers(note, input.edits);
    if (others === null)
      state.ignored.push({
        note: note.id,
        user,
        why: 'wrote /approve in a comment that was edited afterwards, and the forge does not say by whom: not counted (comment /approve anew)',
      });
    else if (others.length)
      state.ignored.push({
        note: note.id,
        user,
        why: `wrote /approve in a comment that ${others.map((o) => `@${o}`).join(', ')} edited: not counted`,
      });
    else state.approvedBy = user;
  }
  return state;
}
