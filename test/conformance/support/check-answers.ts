import type { RecordedAnswer } from '../../../packages/forge-sandbox/src/core/answer-recorder.js';
import { checkDocument, checkGraphqlAnswer } from './graphql.js';
import { isKnownGap } from './known-gaps.js';
import { loadOpenApi, type OpenApi, type Violation } from './openapi.js';

/**
 * Routes the simulator serves for GitHub's other hosts, not api.github.com: file downloads
 * (raw.githubusercontent.com) and release-asset storage (objects.githubusercontent.com).
 */
const NOT_API = [' /:owner/:repo/raw/', ' /_objects/'];

/**
 * Checks sampled GitHub answers: REST ones against the OpenAPI operation they answer, GraphQL
 * ones against the schema (document and variables) and the document's selection (answer).
 * An answer to a route the simulator does not serve (`UNMATCHED`, a 404 like GitHub's) is
 * not an operation and is skipped.
 */
export function checkGithubAnswers(answers: RecordedAnswer[], openapi: OpenApi = loadOpenApi()): Violation[] {
  const out: Violation[] = [];
  for (const a of answers) {
    if (a.route === 'UNMATCHED' || NOT_API.some((prefix) => a.route.includes(prefix))) continue;
    if (a.route === 'POST /graphql' && a.status >= 400) {
      out.push(...openapi.checkError('graphql', a.status, a.body));
      continue;
    }
    if (a.route === 'POST /graphql') {
      const query = typeof a.request?.query === 'string' ? a.request.query : '';
      const variables = (a.request?.variables ?? {}) as Record<string, unknown>;
      // A document the simulator rejected on purpose (a test of its validation) is not the bot's.
      const documentErrors = checkDocument(query, variables);
      if (documentErrors.length > 0) continue;
      out.push(...checkGraphqlAnswer(query, a.body, a.status));
      continue;
    }
    out.push(...openapi.check(a.method, a.path, a.status, a.body));
  }
  return dedupe(out.filter((v) => !isKnownGap(v)));
}

export function dedupe(violations: Violation[]): Violation[] {
  const seen = new Map<string, Violation>();
  for (const v of violations) {
    const key = `${v.operation} ${v.status} ${v.at.replace(/\[\d+\]/g, '[]')} ${v.rule}`;
    if (!seen.has(key)) seen.set(key, v);
  }
  return [...seen.values()];
}

export function formatViolation(v: Violation): string {
  return `${v.operation} → ${v.status} at ${v.at}: ${v.message} (${v.rule})`;
}
