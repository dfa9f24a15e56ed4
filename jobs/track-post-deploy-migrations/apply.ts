import { errorMessage, TransientError } from '../../src/errors.js';
import type { Forge, Note } from '../../src/forges/types.js';
import type { Action, JobContext } from '../../src/runner/job.js';
import { noteBody, notedPackages } from './note.js';
import type { Options } from './options.js';
import type { NoteStep, Plan, Problem } from './plan.js';
import { packageKey, type NoteState } from '../../src/domain/post-migration-records.js';
import { botUser, sameUser } from '../../src/kit/bot-user.js';

/**
 * Performs a plan: records first (deploy times, compared packages, note states), then the read
 * cursors, then each note. A note is looked for by its hidden marker before it is posted, so a
 * run killed between posting and recording converges on the next run with no second note.
 */

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function migrationsText(plan: Plan, version: string): string {
  const analysis = plan.records.get(version)!.analysis!;
  if (!analysis.migrations) return `post-migrations unknown (${analysis.unknownReason})`;
  if (analysis.migrations.length === 0) return 'no post-migrations';
  return `${plural(analysis.migrations.length, 'post-migration')} (${analysis.migrations.map((m) => m.split('/').pop()).join(', ')})`;
}

export function noteAction(plan: Plan, step: NoteStep, options: Options): Action {
  const count = plan.records.get(step.version)!.analysis!.migrations!.length;
  return {
    kind: 'post-note',
    description: `post a note on ${options.releaseIssue.project}#${step.issue.iid} "${step.issue.title}" listing ${plural(count, 'post-migration')} of ${step.version}`,
    done: false,
    url: step.issue.webUrl,
    subject: step.version,
  };
}

/** What the plan does, as actions (not done yet). */
export function planActions(plan: Plan, options: Options): Action[] {
  const actions: Action[] = [];
  for (const { environment, packages } of plan.recorded)
    actions.push({
      kind: 'record-deployments',
      description: `record ${plural(packages.length, 'new deployment')} to ${environment}: ${packages.join(', ')}`,
      done: false,
    });
  for (const version of plan.analysed) {
    const previous = plan.records.get(version)!.analysis!.previous;
    actions.push({
      kind: 'record-package',
      description: `record ${version} on ${options.deployments.environment}: ${migrationsText(plan, version)}${previous ? `, compared with ${previous}` : ''}`,
      done: false,
      subject: version,
    });
  }
  for (const step of plan.notes) actions.push(noteAction(plan, step, options));
  return actions;
}

function noteUrl(forge: Forge, issueUrl: string, note: Note): string {
  return forge.links.noteUrl(issueUrl, note.id);
}

export interface ApplyOutcome {
  actions: Action[];
  /** Notes that could not be posted this run (retried next run). */
  noteFailures: Problem[];
}

export async function applyPlan(ctx: JobContext, options: Options, plan: Plan): Promise<ApplyOutcome> {
  const actions = planActions(plan, options);
  for (const version of plan.changed) await ctx.state.set(packageKey(version), plan.records.get(version));
  for (const { key, cursor } of plan.cursors) await ctx.state.set(key, cursor);
  for (const a of actions) if (a.kind !== 'post-note') a.done = true;

  const tracker = ctx.forge(options.releaseIssue.forge);
  const source = ctx.forge(options.source.forge);
  const project = options.releaseIssue.project;
  const existing = new Map<number, Note[]>();
  const noteFailures: Problem[] = [];
  for (const step of plan.notes) {
    const action = actions.find((a) => a.kind === 'post-note' && a.subject === step.version)!;
    const record = plan.records.get(step.version)!;
    try {
      const on = { kind: 'issue' as const, iid: step.issue.iid };
      if (!existing.has(step.issue.iid)) existing.set(step.issue.iid, await tracker.notes.list(project, on));
      // Only the bot's own note says it was posted: anyone can copy the marker into a comment.
      const bot = (await botUser(tracker, tracker)).username;
      let note = existing
        .get(step.issue.iid)!
        .find((n) => sameUser(n.author, bot) && notedPackages(n.body).includes(step.version));
      if (note)
        action.description = `found the note for ${step.version} already on ${project}#${step.issue.iid}`;
      else {
        note = await tracker.notes.create(
          project,
          on,
          noteBody(record, source, options.source.project, options.deployments.environment),
        );
        action.description = `posted a note on ${project}#${step.issue.iid} "${step.issue.title}" for ${step.version}`;
      }
      const posted: NoteState = {
        state: 'posted',
        issueIid: step.issue.iid,
        issueUrl: step.issue.webUrl,
        noteId: note.id,
        url: noteUrl(tracker, step.issue.webUrl, note),
        at: ctx.now().toISOString(),
      };
      record.note = posted;
      await ctx.state.set(packageKey(step.version), record);
      action.url = posted.url;
      action.done = true;
    } catch (error) {
      if (error instanceof TransientError) throw error;
      noteFailures.push({
        name: step.version,
        message: `${step.version}: could not post the note on ${project}#${step.issue.iid}: ${errorMessage(error)}`,
      });
    }
  }
  return { actions, noteFailures };
}
