import type { JobResult } from '../../src/runner/job.js';
import type { RunRecord } from '../../src/store/types.js';

/** Plain-text rendering for terminals: short lines, aligned columns, no colour dependency. */

const MARK: Record<string, string> = {
  ok: '✓',
  noop: '·',
  skipped: '-',
  failed: '✗',
  aborted: '!',
  refused: '⊘',
  running: '…',
};

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text someone else wrote (MR titles, deployment versions and URLs, environment names, summaries
 * quoting them), made fit for a terminal: control characters — ANSI escape sequences, carriage
 * returns, newlines — and bidi overrides are shown as `\u001b`-style escapes, so the text cannot
 * recolour, overwrite or add lines of the bot's own output.
 */
export function plain(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `plain` on every string in a value (a whole answer read from the store). */
export function plainDeep<T>(value: T): T {
  if (typeof value === 'string') return plain(value) as T;
  if (Array.isArray(value)) return value.map(plainDeep) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainDeep(v)])) as T;
  return value;
}

export function mark(status: string): string {
  return MARK[status] ?? '?';
}

export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatRun(recorded: RunRecord, recordedResult: JobResult | null): string {
  // Summaries, verdict titles, action descriptions and links quote forge text: no terminal
  // escapes. An error keeps its line breaks (config errors list one problem a line).
  const run = {
    ...plainDeep({ ...recorded, error: null }),
    error: recorded.error?.split('\n').map(plain).join('\n') ?? null,
  };
  const result = plainDeep(recordedResult);
  const lines: string[] = [];
  lines.push(
    `${mark(run.status)} ${run.job}: ${run.status}${run.dryRun ? ' (dry run: nothing was written)' : ''} — ${run.summary}`,
  );
  lines.push(
    `  run ${run.id} · ${run.trigger} · ${duration(run.durationMs)}${run.attempts > 1 ? ` · ${run.attempts} attempts` : ''}`,
  );
  const verdicts = result?.verdicts ?? [];
  if (verdicts.length) {
    lines.push('', 'Verdicts:');
    for (const v of verdicts)
      lines.push(
        `  ${VERDICT_MARK[v.verdict] ?? '?'} ${v.verdict.toUpperCase()} [${v.subject}] ${v.title}${v.reason ? ` — ${v.reason}` : ''}`,
        ...(v.verdict === 'alert' && v.nextStep ? [`      next: ${v.nextStep}`] : []),
        ...(v.verdict === 'alert' && v.url ? [`      ${v.url}`] : []),
      );
  }
  if (result?.items?.length) {
    lines.push('');
    lines.push(table(result.items.map((i) => [` ${mark(i.status)}`, i.name, i.status, i.summary])));
  }
  if (result?.actions.length) {
    lines.push('', run.dryRun ? 'Plan:' : 'Actions:');
    for (const a of result.actions)
      lines.push(
        `  ${a.done ? '✓' : '•'} ${a.subject ? `[${a.subject}] ` : ''}${a.description}${a.url ? `  ${a.url}` : ''}`,
      );
  }
  if (result?.links.length) {
    lines.push('', 'Links:');
    for (const l of result.links) lines.push(`  ${l.text}: ${l.url}`);
  }
  if (run.error && run.status !== 'ok') lines.push('', `error: ${run.error}`);
  return lines.join('\n');
}

const VERDICT_MARK: Record<string, string> = { healthy: '✓', alert: '⚠', waiting: '…', unknown: '?' };

/** `ok ⚠ alert`: the run's status, and whether it found a problem. */
function statusCell(run: RunRecord): string {
  const verdicts = (run.result as { verdicts?: { verdict?: string }[] } | null)?.verdicts;
  const alerted = Array.isArray(verdicts) && verdicts.some((v) => v?.verdict === 'alert');
  return `${mark(run.status)} ${run.status}${alerted ? ' ⚠ alert' : ''}`;
}

export function formatHistory(recorded: RunRecord[]): string {
  if (recorded.length === 0) return 'no runs recorded yet';
  return table(
    recorded.map((run) => {
      // The summary quotes forge text: no terminal escapes.
      const r = { ...run, summary: plain(run.summary) };
      return [
        r.id,
        r.job,
        statusCell(r),
        r.trigger + (r.dryRun ? ' (dry)' : ''),
        r.startedAt.replace('T', ' ').slice(0, 19),
        duration(r.durationMs),
        r.summary.length > 80 ? `${r.summary.slice(0, 79)}…` : r.summary,
      ];
    }),
    ['RUN', 'JOB', 'STATUS', 'TRIGGER', 'STARTED (UTC)', 'TOOK', 'SUMMARY'],
  );
}

/** A dry run's Slack messages, one per channel line; forge text in them escaped as above. */
export function formatSlackPreview(
  sent: { channel: string; text?: string; message: { title: string } }[],
): string {
  const lines = sent.map((m) => {
    const text = (m.text ?? m.message.title).split('\n').map((line) => plain(line));
    return `  #${m.channel}: ${text.join('\n    ')}`;
  });
  return `\nSlack messages that would have been sent:\n${lines.join('\n')}\n`;
}

/** A run's log lines (`show`), escaped: a logged answer can quote forge text. */
export function formatLogs(logs: string[]): string {
  return `\nLog:\n${logs.map((l) => `  ${plain(l)}`).join('\n')}\n`;
}
