import { createInterface } from 'node:readline/promises';

/**
 * The manual run's question on a terminal. Returns null when there is no terminal to ask on
 * (cron, CI, a pipe): the caller then moves nothing and says how to approve.
 */
export async function confirmOnTerminal(report: string, signal: AbortSignal): Promise<boolean | null> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return null;
  process.stdout.write(`\n${report}\n\n`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question('Move these stable branches now? [y/N] ', { signal });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
