import type { NotifyMessage } from '../../src/notify/types.js';
import { marker, readMarkers } from '../../src/kit/marker.js';
import type { Arrival, BumpEvent, BumpRecord } from '../../src/domain/bump-deployments.js';
import type { DeployVerdict } from '../../src/domain/deploy-verdicts.js';

/**
 * The note on a bump MR per environment reached, and the Slack messages: one per step (an
 * environment reached, a failed deployment, a rollback) and the bump's summary, the parent of its
 * Slack conversation with a bot token (src/notify/types.ts ProgressRef).
 */

export const NOTE_MARKER = 'follow-deployments';

export interface NoteMarker {
  environment: string;
  deployment: number;
}

function when(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 16)} UTC`;
}

const short = (sha: string) => sha.slice(0, 11);

export function arrivalNote(record: BumpRecord, environment: string, arrival: Arrival): string {
  const label = record.environments.find((e) => e.name === environment)?.label;
  const d = arrival.deployment;
  const last = record.environments.at(-1)?.name === environment;
  return [
    `${last ? '🚀 ' : ''}This bump (${record.component} \`${short(record.sha)}\`) reached **${environment}** at ${when(arrival.at)}: deployment [#${d.id}](${d.url}) (${d.version}, \`${short(d.sha)}\`)${label ? `. Label: ~"${label}"` : ''}.`,
    '',
    `_release-bot (follow-deployments)_`,
    marker(NOTE_MARKER, { environment, deployment: d.id } satisfies NoteMarker),
  ].join('\n');
}

export function rollbackNote(record: BumpRecord, event: BumpEvent): string {
  const d = event.deployment;
  return [
    `⚠️ **${event.environment}** went back past this bump at ${when(event.at)}: deployment [#${d.id}](${d.url}) (${d.version}, \`${short(d.sha)}\`) does not contain it.`,
    '',
    `_release-bot (follow-deployments)_`,
    marker(NOTE_MARKER, {
      environment: `rollback:${event.environment}`,
      deployment: d.id,
    } satisfies NoteMarker),
  ].join('\n');
}

export function noteMarkers(body: string): NoteMarker[] {
  return readMarkers<NoteMarker>(body, NOTE_MARKER);
}

function verdictFields(verdict: DeployVerdict | undefined) {
  if (!verdict) return [];
  return [
    {
      label: 'verify-deployment',
      value: `${verdict.verdict ?? 'not judged'}${verdict.rolledBack ? ', rolled back' : ''}: ${verdict.summary}`,
    },
  ];
}

export interface MessageInput {
  job: string;
  runId: string;
  /** `MR` or `PR`, and `!12` or `#12` (forge.links). */
  noun: string;
  mrRef: string;
  verdict?: DeployVerdict;
}

function mrName(record: BumpRecord, input: MessageInput): string {
  return `${record.component} bump ${input.noun} ${record.project}${input.mrRef}`;
}

export function arrivalMessage(
  record: BumpRecord,
  environment: string,
  arrival: Arrival,
  input: MessageInput,
): NotifyMessage {
  const last = record.environments.at(-1)?.name === environment;
  const index = record.environments.findIndex((e) => e.name === environment);
  const d = arrival.deployment;
  return {
    title: last
      ? `${mrName(record, input)} is on ${environment} since ${when(arrival.at)}`
      : `${mrName(record, input)} reached ${environment} (${index + 1}/${record.environments.length})`,
    severity: last ? 'success' : 'info',
    fields: [
      { label: 'component', value: `${record.component} ${short(record.sha)}` },
      { label: 'deployment', value: `#${d.id} ${d.version}`, url: d.url },
      ...verdictFields(input.verdict),
    ],
    links: [{ text: `${input.noun} ${record.iid}`, url: record.url }],
    context: { job: input.job, runId: input.runId },
  };
}

export function eventMessage(record: BumpRecord, event: BumpEvent, input: MessageInput): NotifyMessage {
  const d = event.deployment;
  const failed = event.kind === 'failed';
  return {
    title: failed
      ? `Deployment #${d.id} to ${event.environment} failed; it carried ${mrName(record, input)}`
      : `${mrName(record, input)} was rolled back on ${event.environment}`,
    severity: failed ? 'warning' : 'error',
    sections: failed
      ? []
      : [
          `Deployment #${d.id} (${d.version}) on ${event.environment} does not contain the bump's merge commit.`,
        ],
    fields: [
      { label: 'component', value: `${record.component} ${short(record.sha)}` },
      { label: 'deployment', value: `#${d.id} ${d.version}`, url: d.url },
      ...verdictFields(input.verdict),
    ],
    links: [{ text: `${input.noun} ${record.iid}`, url: record.url }],
    context: { job: input.job, runId: input.runId },
  };
}

/** The bump's Slack conversation (one per bump): its key in the notifier's thread store. */
export function conversationKey(recordKey: string): string {
  return `follow-deployments:${recordKey}`;
}

/** A step of the conversation, stable across runs: said once. */
export function arrivalStep(environment: string, arrival: Arrival): string {
  return `arrival:${environment}#${arrival.deployment.id}`;
}

export function eventStep(event: BumpEvent): string {
  return `${event.kind}:${event.environment}#${event.deployment.id}`;
}

/**
 * Where the bump stands, as the parent of its conversation says it: "gitaly bump MR org/app!12:
 * on gstg-cny (1/4)", "…: on production since 2026-12-04 20:10 UTC (gprd)"; a rollback past it
 * (error) or a failed deployment that carried it to an environment it has not reached (warning)
 * is said instead, with verify-deployment's verdict (`input.verdict`, of the latest such event).
 */
export function progressSummary(record: BumpRecord, input: MessageInput): NotifyMessage {
  const order = record.environments;
  const name = mrName(record, input);
  const reached = order.filter((e) => record.reached[e.name]);
  const furthest = reached.at(-1);
  const last = order.at(-1)!;
  const rolledBack = order.filter((e) => record.rolledBack[e.name]).map((e) => e.name);
  const failed = record.events.filter((e) => e.kind === 'failed' && !record.reached[e.environment]).at(-1);
  const where = furthest
    ? record.reached[last.name]
      ? `on production since ${when(record.reached[last.name]!.at)} (${last.name})`
      : `on ${furthest.name} (${order.indexOf(furthest) + 1}/${order.length})`
    : 'merged, not deployed yet';
  let title = `${name}: ${where}`;
  let severity: NotifyMessage['severity'] = record.reached[last.name] ? 'success' : 'info';
  let verdict: DeployVerdict | undefined;
  if (rolledBack.length) {
    title = `${name}: rolled back on ${rolledBack.join(', ')}`;
    severity = 'error';
    verdict = input.verdict;
  } else if (failed) {
    title = `${name}: deployment #${failed.deployment.id} to ${failed.environment} failed; ${where}`;
    severity = 'warning';
    verdict = input.verdict;
  }
  const items = order.map((e) => {
    const a = record.reached[e.name];
    const back = record.rolledBack[e.name];
    if (!a) return `${e.name}: not yet`;
    const text = `${e.name}: since ${when(a.at)}, deployment #${a.deployment.id} (${a.deployment.version})${back ? `; rolled back at ${when(back.at)} (deployment #${back.deploymentId})` : ''}`;
    return { text, url: a.deployment.url };
  });
  return {
    title,
    severity,
    fields: [
      { label: 'component', value: `${record.component} ${short(record.sha)}` },
      ...verdictFields(verdict),
    ],
    itemsTitle: 'Environments',
    items,
    links: [{ text: `${input.noun} ${record.iid}`, url: record.url }],
    context: { job: input.job, runId: input.runId },
  };
}
