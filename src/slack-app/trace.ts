import { isShaPrefix, traceSha } from '../domain/bump-trace.js';
import { UsageError } from '../errors.js';
import { slackLink } from '../notify/slack-text.js';
import type { Store } from '../store/types.js';
import { safe } from './reply.js';

/**
 * `/release-bot trace <component> <sha>`: where a component commit is, from what follow-deployments
 * recorded (src/domain/bump-trace.ts, the same answer as `release-bot trace`), as Slack text.
 */

const MARK: Record<string, string> = {
  production: '✅',
  deploying: '🚚',
  merged: '🔀',
  'rolled-back': '⏪',
  'not-found': '❔',
};

function when(iso: string | null): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : 'not yet';
}

export async function traceText(
  store: Pick<Store, 'listState'>,
  component: string,
  sha: string,
): Promise<string> {
  if (!isShaPrefix(sha.toLowerCase()))
    throw new UsageError(`trace: "${sha}" is not a commit sha (7 to 64 hex digits)`);
  const answer = await traceSha(store, component, sha.toLowerCase());
  const lines = [
    `${MARK[answer.status] ?? ''} *${safe(answer.component)}* \`${safe(answer.sha.slice(0, 11))}\`: ${answer.status} — ${safe(answer.summary)}`,
  ];
  if (answer.bump)
    lines.push(
      `bump: ${slackLink(answer.bump.url, `${answer.bump.project} !${answer.bump.iid}`)}, merged ${when(answer.bump.mergedAt)}`,
    );
  for (const e of answer.environments)
    lines.push(
      `• ${safe(e.name)}: ${safe(e.label)}, ${when(e.reachedAt)}${e.rolledBack ? `, rolled back by #${e.rolledBack.deploymentId}` : ''}${e.failed.length ? `, failed: ${e.failed.map((f) => `#${f.deploymentId}`).join(', ')}` : ''}`,
    );
  for (const v of answer.verdicts)
    lines.push(
      `• verify-deployment on ${safe(v.environment)}: ${safe(v.verdict ?? 'not judged')} — ${safe(v.summary)}`,
    );
  if (answer.rollback)
    lines.push(
      `rollback past it: ${answer.rollback.safe === null ? 'unknown' : answer.rollback.safe ? 'safe' : '*UNSAFE*'} — ${safe(answer.rollback.reason)}`,
    );
  return lines.join('\n');
}
