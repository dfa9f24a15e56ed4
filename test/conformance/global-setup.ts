import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ANSWERS_DIR, clearAnswers, readAnswers, REPORT } from './support/answers.js';
import { checkGithubAnswers, formatViolation } from './support/check-answers.js';

/**
 * Turns on the simulator's answer sampling for every test process of this run (the variable is
 * inherited by the forks and the CLI processes tests spawn), and at the end checks every sampled
 * GitHub answer against GitHub's OpenAPI and GraphQL descriptions. A violation fails `npm test`:
 * vitest ignores a throwing teardown, so the exit code is set here.
 */
export default function setup(): () => void {
  clearAnswers();
  process.env.RELEASE_BOT_SIM_CONFORMANCE = ANSWERS_DIR;
  return () => {
    const answers = readAnswers('github');
    if (answers.length === 0) return;
    const violations = checkGithubAnswers(answers);
    mkdirSync(dirname(REPORT), { recursive: true });
    writeFileSync(REPORT, `${JSON.stringify(violations, null, 2)}\n`);
    if (violations.length === 0) {
      console.log(
        `\nForge conformance: ${answers.length} GitHub answer shapes match GitHub's API descriptions`,
      );
      return;
    }
    console.error(
      [
        '',
        `Forge conformance: ${violations.length} GitHub answer(s) of the simulator differ from GitHub's API descriptions (test-artifacts/conformance/violations.json):`,
        ...violations.slice(0, 40).map((v) => `  ✗ ${formatViolation(v)}`),
        ...(violations.length > 40 ? [`  … and ${violations.length - 40} more`] : []),
      ].join('\n'),
    );
    process.exitCode = 1;
  };
}
