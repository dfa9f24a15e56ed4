import type { ReceivedSlackMessage } from '../../../packages/forge-sandbox/src/receivers/slack-receiver.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';

export const HOUR = 3_600_000;
export const JOB = 'report-pipeline-failures';

/** Forge writes (anything but GET/HEAD) since a mark. */
export function writes(sim: Simulator, since: number) {
  return sim.requests({ since }).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
}

/** Everything a message shows (fallback text and every block), for `toContain` checks. */
export function textOf(message: ReceivedSlackMessage): string {
  return JSON.stringify(message.payload);
}

export function titled(messages: ReceivedSlackMessage[], fragment: string): ReceivedSlackMessage[] {
  return messages.filter((m) => (m.payload.text ?? '').includes(fragment));
}

/** The job's own messages, without the runner's "job failed / recovered" alerts about the run itself. */
export function reports(messages: ReceivedSlackMessage[]): ReceivedSlackMessage[] {
  return messages.filter(
    (m) => !/^:\w+: report-pipeline-failures (failed|recovered)/.test(m.payload.text ?? ''),
  );
}
