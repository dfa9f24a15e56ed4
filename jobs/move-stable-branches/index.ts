import { checkForge } from '../../src/kit/config-checks.js';
import { defineJob } from '../../src/runner/job.js';
import { optionsSchema } from './options.js';
import { parseOverrides } from './overrides.js';
import { applyMove, planMove, reportMove } from './run.js';

/**
 * move-stable-branches (seed 003, Packit): on Fridays, check that stage works (CI checks on a
 * canary repo, new Sentry issues, health URLs), get a human's approval, then fast-forward each
 * repo's `stable` to its `main` in dependency order, verify every moved ref and post the release
 * notes. A schedule that polls on the day (every 15 minutes, 9 to 17 on Fridays) picks the
 * approval up.
 */
export default defineJob({
  name: 'move-stable-branches',
  description:
    'Fridays: validate stage, get an approval, fast-forward stable branches to main in dependency order.',
  schedule: '0 9 * * 5',
  timeoutSeconds: 900,
  retries: 1,
  options: optionsSchema,
  slackDecisions: true,
  cliOptions: [
    {
      flags: '--override <repo=sha...>',
      description: 'move this repo to a commit of its source branch instead of the head (repeatable)',
    },
    { flags: '--yes', description: 'confirm without asking (manual runs)' },
    { flags: '--force', description: 'allow moves that are not fast-forwards (drops commits on stable)' },
    {
      flags: '--notes-file <path>',
      description: 'write the release notes (the moved PRs/MRs, per repo) to this Markdown file',
    },
  ],
  acceptUnknownOptions: true,
  checkConfig(options, config) {
    return [
      ...checkForge(config, options.forge, 'forge'),
      ...(options.validation.ci?.forge
        ? checkForge(config, options.validation.ci.forge, 'validation.ci.forge')
        : []),
      ...(options.approval.forge ? checkForge(config, options.approval.forge, 'approval.forge') : []),
    ];
  },
  checkArgs(args, options) {
    parseOverrides(args, options);
  },
  plan: planMove,
  apply: applyMove,
  report: reportMove,
});
