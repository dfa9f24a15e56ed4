import { readAnswers, removeAnswers, runDir, writeReport } from './support/answers.js';
import { checkGithubAnswers, formatViolation } from './support/check-answers.js';
import { checkGitlabAnswers } from './support/check-gitlab.js';

/**
 * Turns on the simulator's answer sampling for every test process of this run (the variable is
 * inherited by the forks and the CLI processes tests spawn), and at the end checks the samples:
 * GitHub answers against GitHub's OpenAPI and GraphQL descriptions, GitLab answers against the
 * recorded GitLab answers (fixtures/gitlab). A violation fails `npm test`: vitest only logs a
 * throwing teardown, so the exit code is set here.
 */
export default function setup(): () => void {
  const dir = runDir();
  process.env.RELEASE_BOT_SIM_CONFORMANCE = dir;
  return () => {
    const github = readAnswers(dir, 'github');
    const gitlab = readAnswers(dir, 'gitlab');
    removeAnswers(dir);
    if (github.length + gitlab.length === 0) return;
    const violations = [...checkGithubAnswers(github), ...checkGitlabAnswers(gitlab)];
    const report = writeReport('violations', violations);
    const shapes = `${github.length} GitHub and ${gitlab.length} GitLab answer shapes`;
    if (violations.length === 0) {
      console.log(`\nForge conformance: ${shapes} match the forges' API descriptions and recordings`);
      return;
    }
    console.error(
      [
        '',
        `Forge conformance: ${violations.length} simulator answer(s) differ from the real forge's (${shapes}; ${report}):`,
        ...violations.slice(0, 40).map((v) => `  ✗ ${formatViolation(v)}`),
        ...(violations.length > 40 ? [`  … and ${violations.length - 40} more`] : []),
      ].join('\n'),
    );
    process.exitCode = 1;
  };
}
