import type { RunSpend } from './budget.js';

/**
 * A run that deferred low-priority reads (budget.ts) says so: a sentence at the end of its
 * summary and `details.deferredReads` per forge, so history and the status page show why a
 * piece of information is missing this time.
 */

interface ResultLike {
  summary: string;
  details?: Record<string, unknown>;
}

export function withDeferredReads<R extends ResultLike>(result: R, spends: RunSpend[]): R {
  const deferred = spends.filter((s) => s.deferred.length > 0);
  if (deferred.length === 0) return result;
  const sentence = deferred
    .map(
      (s) =>
        `deferred ${new Set(s.deferred).size} low-priority read(s) on ${s.forge} (${s.reason ?? 'budget short'})`,
    )
    .join('; ');
  return {
    ...result,
    summary: result.summary ? `${result.summary}; ${sentence}` : sentence,
    details: {
      ...(result.details ?? {}),
      deferredReads: deferred.map((s) => ({
        forge: s.forge,
        reads: [...new Set(s.deferred)],
        reason: s.reason,
      })),
    },
  };
}
