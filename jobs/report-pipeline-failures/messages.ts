import type { CompareResult, Pipeline } from '../../src/forges/types.js';
import { formatDuration } from '../../src/kit/duration.js';
import { marker } from '../../src/kit/marker.js';
import type { NotifyField, NotifyItem, NotifyMessage } from '../../src/notify/types.js';
import type { ComponentRange, Failure, FailedJob, Verdict } from './triage.js';

/**
 * Slack messages and MR notes. Forge text (commit titles, job names, MR titles) goes only into
 * fields, items and sections, which the renderer escapes and strips of mentions; the one trusted
 * mention comes from the config. Notes are markdown on the forge, so forge text is defused here.
 */

export const NOTE_MARKER = 'report-pipeline-failures';
/** Good news pings nobody: an empty mention overrides the channel's default one. */
const QUIET = '';
const MAX_RANGE_COMMITS = 10;

export interface Where {
  project: string;
  ref: string;
  mr: { iid: number; title: string; webUrl: string; targetBranch: string } | null;
  /** `!12` on GitLab, `#12` on GitHub. */
  mrSigil: '!' | '#';
}

export interface FailureReport {
  where: Where;
  failure: Failure;
  verdict: Verdict;
  /** broken-default-branch: the target branch's failing pipeline. */
  targetPipeline: Pipeline | null;
  /** regression: the component commits the bump brings in. */
  range: ComponentRange | null;
  /** broken-ref: the commits since the ref was last green. */
  sinceGreen: { from: string; compare: CompareResult | null } | null;
  mention: string | undefined;
  context: NotifyMessage['context'];
}

const short = (sha: string) => sha.slice(0, 11);

export function label(where: Where): string {
  return where.mr ? `${where.project} ${where.mrSigil}${where.mr.iid}` : `${where.project} ${where.ref}`;
}

export const VERDICT: Record<Verdict, string> = {
  flake: 'flaky job',
  'broken-default-branch': 'broken default branch',
  regression: 'regression',
  'broken-ref': 'broken branch',
};

export function verdictText(report: Pick<FailureReport, 'verdict' | 'failure' | 'range' | 'where'>): string {
  const { verdict, failure } = report;
  if (verdict === 'flake')
    return failure.retriedOnce ? 'flaky job — retried once, failed again' : 'flaky job (not retried)';
  if (verdict === 'broken-default-branch')
    return `broken default branch (${report.where.mr?.targetBranch ?? 'target'} fails too)`;
  if (verdict === 'regression')
    return report.range ? `regression in ${report.range.component}` : 'regression in this change';
  return VERDICT[verdict];
}

function jobLine(job: FailedJob): NotifyItem {
  const facts = [`stage ${job.stage || '?'}`, job.failureReason ?? 'failed'];
  if (job.retried) facts.push('retried once');
  if (job.flaky === 'known-flaky') facts.push('known flaky');
  if (job.flaky === 'passed-before') facts.push('passed before on this commit');
  return { text: `${job.name} (${facts.join(', ')})`, url: job.webUrl || undefined };
}

function rangeText(range: ComponentRange): string {
  const span = range.from ? `${short(range.from)}..${short(range.to)}` : `up to ${short(range.to)}`;
  const count = range.compare ? ` (${range.compare.commits.length} commits)` : '';
  return `${range.component} ${span}${count}`;
}

export function nextStep(report: FailureReport): string {
  const { verdict, where, failure } = report;
  const target = where.mr?.targetBranch ?? 'the default branch';
  switch (verdict) {
    case 'flake':
      return failure.retriedOnce
        ? 'It was retried once and failed again. Read the job log: if the test is flaky, quarantine it and open a Flaky Test issue; if it fails for real, treat it as a regression.'
        : 'Looks like a flake: retry the failed jobs. If the test is flaky, quarantine it and open a Flaky Test issue.';
    case 'broken-default-branch':
      return `${target} of ${where.project} is failing too, so this MR is not to blame. Wait for the fix; the bot will refresh its MR (once ${target} is green it closes this MR and a fresh one is opened).`;
    case 'regression': {
      const range = report.range;
      if (!range)
        return `${target} is green, so this MR's change is the likely cause: fix it or close the MR.`;
      const where2 = range.project ? ` in ${range.project}` : '';
      return `${target} is green, so the likely cause is ${rangeText(range)}. Revert the culprit${where2} (preferred: it unblocks other changes) or fix it; once merged, close this MR and the bot opens a new one, or let it move this MR to the next green commit.`;
    }
    case 'broken-ref':
      return `${where.ref} of ${where.project} is broken: find the breaking change among the commits since it was last green, then revert it or merge a fix. Bot MRs against ${where.ref} wait until it is green.`;
  }
}

function commitLines(compare: CompareResult | null, title: string): string | null {
  if (!compare || compare.commits.length === 0) return null;
  const commits = [...compare.commits].reverse();
  const lines = commits
    .slice(0, MAX_RANGE_COMMITS)
    .map((c) => `${c.shortSha || short(c.sha)} ${c.title} — ${c.authorName}`);
  if (commits.length > MAX_RANGE_COMMITS) lines.push(`… and ${commits.length - MAX_RANGE_COMMITS} more`);
  return `${title}\n${lines.join('\n')}`;
}

export function failureMessage(report: FailureReport): NotifyMessage {
  const { where, failure } = report;
  const { pipeline, commit } = failure;
  const fields: NotifyField[] = [{ label: 'Project', value: where.project }];
  if (where.mr)
    fields.push({
      label: 'MR',
      value: `${where.mrSigil}${where.mr.iid} ${where.mr.title}`,
      url: where.mr.webUrl,
    });
  fields.push({ label: 'Ref', value: where.ref });
  fields.push({ label: 'Verdict', value: verdictText(report) });
  fields.push({ label: 'Pipeline', value: `#${pipeline.id}`, url: pipeline.webUrl });
  if (commit) {
    fields.push({
      label: 'Commit',
      value: `${commit.shortSha || short(commit.sha)} ${commit.title}`,
      url: commit.webUrl,
    });
    fields.push({ label: 'Author', value: commit.authorName });
  } else fields.push({ label: 'Commit', value: short(pipeline.sha) });
  if (pipeline.duration !== null)
    fields.push({ label: 'Duration', value: formatDuration(pipeline.duration * 1000) });
  if (report.range)
    fields.push({
      label: 'Component range',
      value: rangeText(report.range),
      url: report.range.compare?.webUrl,
    });
  if (report.sinceGreen)
    fields.push({
      label: 'Since last green',
      value: `${short(report.sinceGreen.from)}..${short(pipeline.sha)}${report.sinceGreen.compare ? ` (${report.sinceGreen.compare.commits.length} commits)` : ''}`,
      url: report.sinceGreen.compare?.webUrl,
    });
  if (report.targetPipeline)
    fields.push({
      label: `${where.mr?.targetBranch ?? 'Default branch'}`,
      value: `pipeline #${report.targetPipeline.id} ${report.targetPipeline.status}`,
      url: report.targetPipeline.webUrl,
    });

  const sections = [
    commitLines(report.range?.compare ?? null, `Commits in ${report.range?.component ?? 'the range'}:`),
    commitLines(report.sinceGreen?.compare ?? null, `Commits since ${where.ref} was last green:`),
  ].filter((s): s is string => s !== null);
  if (failure.jobs.length === 0)
    sections.push('No failed job is listed: open the pipeline to see why it failed.');

  const links = [{ text: `Pipeline #${pipeline.id}`, url: pipeline.webUrl }];
  if (where.mr) links.push({ text: `MR ${where.mrSigil}${where.mr.iid}`, url: where.mr.webUrl });
  const compareUrl = report.range?.compare?.webUrl ?? report.sinceGreen?.compare?.webUrl;
  if (compareUrl) links.push({ text: 'Compare', url: compareUrl });

  return {
    title: `${label(where)}: pipeline #${pipeline.id} failed — ${VERDICT[report.verdict]}`,
    severity: report.verdict === 'flake' ? 'warning' : 'error',
    mention: report.mention,
    nextStep: nextStep(report),
    fields,
    sections,
    itemsTitle: `Failed jobs (${failure.jobs.length})`,
    items: failure.jobs.map(jobLine),
    links,
    context: report.context,
  };
}

export function recoveredMessage(input: {
  where: Where;
  pipeline: Pipeline;
  failedPipelines: number;
  since: string | null;
  merged: boolean;
  context: NotifyMessage['context'];
}): NotifyMessage {
  const { where, pipeline } = input;
  const fields: NotifyField[] = [
    { label: 'Project', value: where.project },
    where.mr
      ? { label: 'MR', value: `${where.mrSigil}${where.mr.iid} ${where.mr.title}`, url: where.mr.webUrl }
      : { label: 'Ref', value: where.ref },
    { label: 'Pipeline', value: `#${pipeline.id} passed`, url: pipeline.webUrl },
    { label: 'Failed pipelines before', value: String(input.failedPipelines) },
  ];
  if (input.since) fields.push({ label: 'Failing since', value: input.since });
  const links = [{ text: `Pipeline #${pipeline.id}`, url: pipeline.webUrl }];
  if (where.mr) links.push({ text: `MR ${where.mrSigil}${where.mr.iid}`, url: where.mr.webUrl });
  return {
    title: `${label(where)} recovered: pipeline #${pipeline.id} passed${input.merged ? ' and the MR merged' : ''}`,
    severity: 'success',
    mention: QUIET,
    fields,
    nextStep: 'Nothing to do.',
    links,
    context: input.context,
  };
}

export function closedMessage(input: {
  project: string;
  mr: { iid: number; title: string; webUrl: string };
  mrSigil: '!' | '#';
  targetBranch: string;
  green: Pipeline;
  context: NotifyMessage['context'];
}): NotifyMessage {
  const { mr, mrSigil } = input;
  return {
    title: `${input.project} ${input.targetBranch} is green again: closed the stale MR ${mrSigil}${mr.iid}`,
    severity: 'success',
    mention: QUIET,
    fields: [
      { label: 'Project', value: input.project },
      { label: 'Closed MR', value: `${mrSigil}${mr.iid} ${mr.title}`, url: mr.webUrl },
      { label: input.targetBranch, value: `pipeline #${input.green.id} passed`, url: input.green.webUrl },
    ],
    nextStep: `Nothing to do: update-component opens a fresh MR against the fixed ${input.targetBranch} on its next run.`,
    links: [{ text: `MR ${mrSigil}${mr.iid}`, url: mr.webUrl }],
    context: input.context,
  };
}

/** Forge markdown: no mentions, no line breaks, no code-span or comment breakouts. */
function defuse(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/`/g, "'")
    .replace(/<!--|-->/g, '')
    .replace(/[@#!](?=\w)/g, (c) => `${c}\u200b`);
}

const NOTE_JOBS = 10;

export function failureNote(report: FailureReport, channel: string | undefined): string {
  const { failure } = report;
  const lines = [
    `**Pipeline [#${failure.pipeline.id}](${failure.pipeline.webUrl}) failed: ${defuse(verdictText(report))}.**${channel ? ` Reported on Slack (#${channel}).` : ''}${report.mention?.startsWith('@') ? ` cc ${report.mention}` : ''}`,
    '',
  ];
  if (failure.jobs.length) {
    lines.push(`Failed jobs (${failure.jobs.length}):`, '');
    for (const job of failure.jobs.slice(0, NOTE_JOBS))
      lines.push(
        `- [\`${defuse(job.name)}\`](${job.webUrl}) (${defuse(job.failureReason ?? 'failed')}${job.retried ? ', retried once' : ''})`,
      );
    if (failure.jobs.length > NOTE_JOBS) lines.push(`- … and ${failure.jobs.length - NOTE_JOBS} more`);
    lines.push('');
  }
  const compareUrl = report.range?.compare?.webUrl;
  if (report.range)
    lines.push(
      `Component range: ${defuse(rangeText(report.range))}${compareUrl ? ` (${compareUrl})` : ''}`,
      '',
    );
  lines.push(
    `**Next step:** ${defuse(nextStep(report))}`,
    '',
    marker(NOTE_MARKER, { pipeline: failure.pipeline.id }),
  );
  return lines.join('\n');
}

export function closeNote(input: { targetBranch: string; green: Pipeline; staleSha: string }): string {
  return [
    `Closing: \`${defuse(input.targetBranch)}\` is green again ([pipeline #${input.green.id}](${input.green.webUrl})) and this MR's pipeline failed on the broken \`${defuse(input.targetBranch)}\`. update-component opens a fresh MR against the fixed branch on its next run.`,
    '',
    marker(NOTE_MARKER, { closed: input.staleSha }),
  ].join('\n');
}
