import type { NotifyMessage } from '../../src/notify/types.js';
import { marker, readMarkers } from '../../src/kit/marker.js';
import type { Arrival, BumpEvent, BumpRecord } from '../../src/domain/bump-deployments.js';
import type { DeployVerdict } from '../../src/domain/deploy-verdicts.js';

/** The note on a bump MR per environment reached, and the Slack messages. */

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
