import { isShaPrefix, traceSha, TRACE_EXIT, type TraceAnswer } from '../../src/domain/bump-trace.js';
import { UsageError } from '../../src/errors.js';
import { openStore } from '../../src/store/open.js';
import { loadAppConfig } from '../app.js';
import { plainDeep, table } from './format.js';

/**
 * `release-bot trace <component> <sha>`: where a component commit is, from what follow-deployments
 * recorded (no forge is asked). Exit codes (README): 0 on the last environment (production),
 * 3 no followed bump carries it, 4 merged but not deployed, 5 on some environments only,
 * 6 rolled back; 1 error, 2 usage.
 */

function when(iso: string | null): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '-';
}

export function traceText(recorded: TraceAnswer): string {
  // Titles, versions, URLs and environment names were written on the forge: no terminal escapes.
  const answer = plainDeep(recorded);
  const lines = [`${answer.component} ${answer.sha}: ${answer.status} — ${answer.summary}`];
  if (answer.bump)
    lines.push(
      `bump: ${answer.bump.url} (${answer.bump.title}), merged ${when(answer.bump.mergedAt)} as ${answer.bump.mergeSha.slice(0, 11)}`,
    );
  if (answer.environments.length)
    lines.push(
      table(
        answer.environments.map((e) => [
          `  ${e.name}`,
          e.label,
          e.reachedAt ? when(e.reachedAt) : 'not yet',
          e.deployment ? `#${e.deployment.id} ${e.deployment.version} ${e.deployment.url}` : '',
          e.rolledBack ? `rolled back by #${e.rolledBack.deploymentId} at ${when(e.rolledBack.at)}` : '',
          e.failed.length ? `failed: ${e.failed.map((f) => `#${f.deploymentId}`).join(', ')}` : '',
        ]),
      ),
    );
  for (const v of answer.verdicts)
    lines.push(
      `verify-deployment on ${v.environment} (#${v.deployment.id}): ${v.verdict ?? 'not judged'}${v.rolledBack ? ', rolled back' : ''} — ${v.summary}`,
    );
  if (answer.rollback)
    lines.push(
      `rollback past it: ${answer.rollback.safe === null ? 'unknown' : answer.rollback.safe ? 'safe' : 'UNSAFE'} — ${answer.rollback.reason}`,
    );
  return `${lines.join('\n')}\n`;
}

export async function traceCommand(
  component: string,
  sha: string,
  options: { json?: boolean },
  global: { config?: string },
): Promise<number> {
  if (!isShaPrefix(sha.toLowerCase()))
    throw new UsageError(`trace: "${sha}" is not a commit sha (7 to 64 hex digits)`);
  const { config } = await loadAppConfig({ configPath: global.config });
  const store = await openStore(config.store);
  await store.migrate();
  let answer: TraceAnswer;
  try {
    answer = await traceSha(store, component, sha);
  } finally {
    await store.close();
  }
  process.stdout.write(options.json ? `${JSON.stringify(answer, null, 2)}\n` : traceText(answer));
  return TRACE_EXIT[answer.status];
}
