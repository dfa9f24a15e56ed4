import type { Violation } from './openapi.js';

/**
 * Places where GitHub's published description is stricter than GitHub itself, each with the
 * evidence. A violation matching one is not reported. Keep this list short: every entry is a
 * place where the simulator follows GitHub's behaviour instead of its description.
 */
interface Gap {
  operation: RegExp;
  at: RegExp;
  rule: string;
  why: string;
}

export const KNOWN_GAPS: Gap[] = [
  {
    // Every operation answering pull-request-simple: the pulls list and the PRs of a commit.
    operation: /^(pulls\/|repos\/list-pull-requests-associated-with-commit$)/,
    at: /\.labels\[\d+\]\.description$/,
    rule: 'nullable',
    why:
      'pull-request-simple declares a label description as a non-null string, but the same label ' +
      'object is nullable in `label` and in `pull-request`; GitHub answers null for a label ' +
      'without a description in every PR shape (github/rest-api-description#1812).',
  },
  {
    operation: /^search\/issues-and-pull-requests$/,
    at: /^\$\.items\[\d+\]\.body$/,
    rule: 'nullable',
    why:
      'issue-search-result-item declares body a non-null string while `issue.body` is nullable; ' +
      'an issue or PR created without a body is found with `"body": null`.',
  },
];

export function isKnownGap(v: Violation): boolean {
  return KNOWN_GAPS.some((g) => g.operation.test(v.operation) && g.at.test(v.at) && g.rule === v.rule);
}
