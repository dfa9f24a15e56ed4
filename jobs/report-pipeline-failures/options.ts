import { z } from 'zod';
import { branchName, branchPart } from '../../src/kit/ref-name.js';
import { projectPath } from '../../src/kit/repo-path.js';
import { BUMP_BRANCH_PREFIX } from '../../src/domain/bump.js';

/**
 * Config of `report-pipeline-failures`: what to watch (the bot's own MRs by branch prefix, and
 * refs of projects such as the consuming repo's default branch) and, per target, where to report
 * and how to triage.
 */

const reporting = {
  /** Slack channel (a name under `slack.channels`); default: the job's `slackChannel`. */
  slackChannel: z.string().optional(),
  /** Trusted team mention for failure reports: `<!subteam^ID>` or `@group`. */
  mention: z.string().optional(),
  /** Retry the failed jobs of a pipeline once when they all look flaky; report only if the retry fails too. */
  retryFlakyOnce: z.boolean().default(true),
  /** Job name patterns (`*`, `?`) known to flake, e.g. `rspec system*`. */
  knownFlaky: z.array(z.string().min(1)).default([]),
};

const DEFAULT_LABELS = {
  failed: 'workflow::pipeline-failed',
  ready: 'workflow::ready-to-merge',
  merged: 'workflow::merged',
};

export const mergeRequestTargetSchema = z
  .object({
    forge: z.string(),
    /** The consuming repo where the bot opens its MRs. */
    project: projectPath,
    /** The bot's branches: update-component uses `release-bot/update-<component>`. */
    // A prefix: valid when the branches it starts are (`release-bot/` ends in "/", which a branch may not).
    branchPrefix: branchPart((prefix) => `${prefix}x`).default(BUMP_BRANCH_PREFIX),
    ...reporting,
    /**
     * When an MR failed because its target branch was broken: once that branch is green again,
     * close the stale MR (and delete its branch) so update-component opens a fresh one.
     */
    closeStaleWhenGreen: z.boolean().default(true),
    /**
     * GitLab: the project runs merge request pipelines (ref `refs/merge-requests/<iid>/head`, as
     * gitlab-org/gitlab does): watch that ref of each live bot MR too (one more request per MR).
     */
    mergeRequestPipelines: z.boolean().default(false),
    /** Workflow labels set on the bot's MRs as their pipelines fail, pass and merge. */
    labels: z
      .object({
        failed: z.string().min(1).default(DEFAULT_LABELS.failed),
        ready: z.string().min(1).default(DEFAULT_LABELS.ready),
        merged: z.string().min(1).default(DEFAULT_LABELS.merged),
      })
      .strict()
      .default(DEFAULT_LABELS),
  })
  .strict();

export const projectTargetSchema = z
  .object({
    forge: z.string(),
    project: projectPath,
    /** Refs to watch; default: the project's default branch. */
    refs: z.array(branchName).min(1).optional(),
    ...reporting,
    /**
     * From this many failed pipelines in a row on a ref, each further failure is also a Sentry
     * event fingerprinted per project and ref (one Sentry issue per broken ref). 0: never.
     */
    sentryAfter: z.number().int().min(0).default(2),
  })
  .strict();

export const optionsSchema = z.object({
  mergeRequests: z.array(mergeRequestTargetSchema).default([]),
  projects: z.array(projectTargetSchema).default([]),
});

export type MergeRequestTarget = z.infer<typeof mergeRequestTargetSchema>;
export type ProjectTarget = z.infer<typeof projectTargetSchema>;
export type Options = z.infer<typeof optionsSchema>;
export type Reporting = Pick<ProjectTarget, 'slackChannel' | 'mention' | 'retryFlakyOnce' | 'knownFlaky'>;
