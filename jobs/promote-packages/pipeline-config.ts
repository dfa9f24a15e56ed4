import { parseDuration } from '../../src/kit/duration.js';
import { tagTemplates, type Options } from './options.js';

/** Pipeline-mode config checks that need more than one field (run by `checkConfig`). */

/** The job's default run timeout: large packages stream for a while, played jobs are waited for. */
export const TIMEOUT_SECONDS = 3600;

/** Time a run needs besides the wait: listing pipelines, playing jobs, Slack. */
const MARGIN_MS = 120_000;

export function pipelineProblems(options: Options, timeoutSeconds: number): string[] {
  const pipeline = options.pipeline!;
  const problems: string[] = [];
  const templates = tagTemplates(pipeline);
  (options.packages ?? []).forEach((p, i) =>
    p.tags?.forEach((t, j) => {
      if (!templates.includes(t))
        problems.push(
          `packages[${i}].tags[${j}]: "${t}" is not one of pipeline.tags (${templates.join(', ')})`,
        );
    }),
  );
  const wait = parseDuration(pipeline.wait.timeout);
  if (wait !== undefined && wait > 0 && wait + MARGIN_MS > timeoutSeconds * 1000)
    problems.push(
      `pipeline.wait.timeout: ${pipeline.wait.timeout} does not fit in the job's timeoutSeconds (${timeoutSeconds}) with 2 minutes to spare; raise timeoutSeconds`,
    );
  return problems;
}
