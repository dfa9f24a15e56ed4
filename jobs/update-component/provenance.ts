import type { ChangeRequest, Commit, Forge, ForgeUser } from '../../src/forges/types.js';
import { botUser, sameUser } from '../../src/kit/bot-user.js';
import { extract, render } from '../../src/kit/template.js';
import type { JobContext } from '../../src/runner/job.js';
import { shortSha } from './description.js';
import type { Component } from './options.js';

/**
 * Provenance of a bump MR or branch found by its name: the bot adopts, approves, auto-merges or
 * force-pushes over only what it can prove it wrote — an MR opened by its own user from the
 * configured branch (not a fork) to the configured target, whose head is one commit by the bot
 * on top of the target's history that changes the version file only, to exactly what the bot
 * writes. A name anyone with push access can take proves nothing; anything else is reported
 * (Slack and Sentry, once per head) and left alone, with what a human can do about it.
 */

export interface ForeignBump {
  /** `MR !12` or `branch release-bot/update-gitaly`. */
  subject: string;
  head: string;
  url: string | null;
  problems: string[];
  resolve: string;
  /** Already reported for this head by an earlier run. */
  reported: boolean;
  /**
   * The bot's own MR with auto-merge on, now at a head the bot did not write: GitHub keeps
   * auto-merge armed across pushes by anyone with write access, so the bot turns it off.
   */
  disarm: number | null;
}

function stateKey(component: Component, subject: string, head: string): string {
  return `foreign-bump:${component.name}:${component.target.project}:${subject}:${head}`;
}

/**
 * Whether the bot ever reported this MR as not its own: a person who then closes it follows the
 * report's advice (close it, the bot opens a fresh one), which is no "not this version".
 */
export async function reportedAsForeign(
  ctx: JobContext,
  component: Component,
  subject: string,
): Promise<boolean> {
  const found = await ctx.state.list(
    `foreign-bump:${component.name}:${component.target.project}:${subject}:`,
  );
  return found.length > 0;
}

function authoredByBot(commit: Commit, bot: ForgeUser): boolean {
  // GitHub links the author email to an account; GitLab shows only the email, which the bot's
  // API commits take from its user's commit email.
  if (commit.authorUsername !== undefined)
    return commit.authorUsername !== null && sameUser(commit.authorUsername, bot.username);
  return Boolean(bot.commitEmail) && commit.authorEmail.toLowerCase() === bot.commitEmail!.toLowerCase();
}

/** What is wrong with `head` as the bot's one commit on top of `targetBranch` (none: it is the bot's). */
async function headProblems(
  target: Forge,
  component: Component,
  bot: ForgeUser,
  head: string,
  targetBranch: string,
): Promise<string[]> {
  const { project, versionFile, format } = component.target;
  const compare = await target.repo.compare(project, targetBranch, head);
  if (compare.compareTimeout) return [`its changes against ${targetBranch} are too large to compare`];
  // Nothing on top of the target: every commit is already in it, nothing foreign to adopt.
  if (compare.commits.length === 0) return [];
  const problems: string[] = [];
  if (compare.commits.length > 1)
    problems.push(
      `it has ${compare.commits.length} commits on top of ${targetBranch}; the bot makes exactly one`,
    );
  const foreignAuthors = compare.commits.filter((c) => !authoredByBot(c, bot));
  if (foreignAuthors.length)
    problems.push(
      `${foreignAuthors.length === 1 ? 'a commit' : `${foreignAuthors.length} commits`} not authored by the bot (${[
        ...new Set(foreignAuthors.map((c) => c.authorUsername ?? `${c.authorName} <${c.authorEmail}>`)),
      ].join(', ')})`,
    );
  if (compare.commits.some((c) => c.parentShas.length !== 1)) problems.push('a merge commit');
  const others = compare.files.filter(
    (f) => f.path !== versionFile || f.oldPath !== versionFile || f.newFile || f.deletedFile || f.renamedFile,
  );
  if (others.length)
    problems.push(
      `it changes ${others
        .slice(0, 5)
        .map((f) => f.path)
        .join(', ')}${others.length > 5 ? ` and ${others.length - 5} more` : ''} besides ${versionFile}`,
    );
  if (problems.length) return problems;
  const file = await target.repo.getFile(project, versionFile, head);
  const sha = file ? extract(format, file.content, 'sha') : undefined;
  if (!file || !sha || file.content !== render(format, { sha }))
    problems.push(`its ${versionFile} is not what the bot writes (${JSON.stringify(format)})`);
  return problems;
}

/**
 * Checks an open bump MR (or, without one, the bot's branch at `head`). Null when it is provably
 * the bot's own; otherwise what is wrong and how to resolve it.
 */
export async function foreignBump(
  ctx: JobContext,
  component: Component,
  input: { mr: ChangeRequest | null; branch: string; head: string; targetBranch: string; branchUrl?: string },
): Promise<ForeignBump | null> {
  const target = ctx.forge(component.target.forge);
  const bot = await botUser(ctx, target);
  const { mr, branch, targetBranch } = input;
  const problems: string[] = [];
  if (mr) {
    if (!sameUser(mr.author, bot.username))
      problems.push(`it was opened by @${mr.author}, not by the bot's user @${bot.username}`);
    if (mr.fromFork) problems.push('its source branch is in a fork, not in the project');
    if (mr.sourceBranch !== branch) problems.push(`its source branch is ${mr.sourceBranch}, not ${branch}`);
    if (mr.targetBranch !== targetBranch)
      problems.push(`it targets ${mr.targetBranch}, not the configured ${targetBranch}`);
  }
  // A fork's head is not in the project: comparing it would say nothing about our branch.
  if (!mr?.fromFork) problems.push(...(await headProblems(target, component, bot, input.head, targetBranch)));
  if (problems.length === 0) return null;
  const subject = mr
    ? `${target.links.changeRequestNoun} ${target.links.changeRequestRef(mr.iid)}`
    : `branch ${branch}`;
  const resolve = mr
    ? `Review ${subject}: if its changes are wanted, merge it by hand; otherwise close it${
        mr.fromFork ? '' : ` and delete branch ${branch}`
      }. The bot will then open a fresh one on its next run.`
    : `Delete branch ${branch} (it holds changes the bot did not make); the bot will open a fresh MR on its next run.`;
  return {
    subject,
    head: input.head,
    url: mr?.webUrl ?? input.branchUrl ?? null,
    problems,
    resolve,
    reported:
      (await ctx.state.get(stateKey(component, subject, input.head))) !== undefined &&
      (await ctx.state.get(`${stateKey(component, subject, input.head)}:sentry`)) !== undefined,
    disarm: mr && mr.autoMerge && sameUser(mr.author, bot.username) ? mr.iid : null,
  };
}

export function describeForeign(foreign: ForeignBump): string {
  return `${foreign.subject} at ${shortSha(foreign.head)} is not the bot's own (${foreign.problems.join('; ')}): left alone, no approval, no merge, no push${foreign.disarm ? ', its auto-merge turned off' : ''}. ${foreign.resolve}`;
}

/** Slack once and a Sentry event once per subject and head (remembered in the job state). */
export async function reportForeign(
  ctx: JobContext,
  component: Component,
  foreign: ForeignBump,
): Promise<void> {
  if (foreign.disarm)
    await ctx
      .forge(component.target.forge)
      .changeRequests.disableAutoMerge(component.target.project, foreign.disarm);
  const key = stateKey(component, foreign.subject, foreign.head);
  const links = foreign.url ? [{ text: `Open ${foreign.subject}`, url: foreign.url }] : [];
  if ((await ctx.state.get(key)) === undefined) {
    await ctx.notifier.send(component.slackChannel ?? ctx.slackChannel, {
      title: `${component.name}: ${foreign.subject} holds changes the bot did not make; left alone`,
      severity: 'warning',
      mention: component.mention,
      fields: [
        { label: 'Project', value: component.target.project },
        { label: 'Head', value: shortSha(foreign.head) },
      ],
      itemsTitle: 'Why it is not the bot’s own',
      items: foreign.problems,
      nextStep: foreign.resolve,
      links,
      context: { job: ctx.job, runId: ctx.runId },
    });
    await ctx.state.set(key, { at: ctx.now().toISOString() });
  }
  if ((await ctx.state.get(`${key}:sentry`)) === undefined) {
    const where = `${component.target.project} at ${shortSha(foreign.head)}`;
    await ctx.sentry.captureMessage(
      `update-component: ${foreign.subject} of ${component.name} in ${where} is not the bot's own`,
      {
        level: 'warning',
        fingerprint: ['update-component', 'foreign-bump', component.name, foreign.subject],
        tags: { component: component.name, project: component.target.project },
        extra: { head: foreign.head, problems: foreign.problems, resolve: foreign.resolve, url: foreign.url },
      },
    );
    await ctx.state.set(`${key}:sentry`, { at: ctx.now().toISOString() });
  }
}
