import { describe, expect, it } from 'vitest';
import job from '../../../jobs/report-pipeline-failures/index.js';
import { configSchema } from '../../../app/app.js';
import { validateConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { jobSettings } from '../../../src/runner/settings.js';

/** Config mistakes are named by their path before anything runs (`config validate`). */

const base = {
  forges: { gitlab: { type: 'gitlab', url: 'https://gitlab.example.com', token: 't' } },
  slack: { channels: { releases: { webhookUrl: 'https://hooks.slack.com/services/x' } } },
};

function problems(section: unknown, extra: Record<string, unknown> = {}): string[] {
  const config = validateConfig(
    { ...base, ...extra, jobs: { 'report-pipeline-failures': section } },
    configSchema([job]),
    'test.yaml',
  );
  try {
    jobSettings(config, job);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('report-pipeline-failures config', () => {
  it('accepts a minimal section with defaults', () => {
    const config = validateConfig(
      {
        ...base,
        slack: { ...base.slack, defaultChannel: 'releases' },
        jobs: { 'report-pipeline-failures': { projects: [{ forge: 'gitlab', project: 'org/app' }] } },
      },
      configSchema([job]),
      'test.yaml',
    );
    const settings = jobSettings(config, job);
    expect(settings.schedule).toBe('*/10 * * * *');
    expect(settings.options).toMatchObject({
      mergeRequests: [],
      projects: [
        { forge: 'gitlab', project: 'org/app', retryFlakyOnce: true, knownFlaky: [], sentryAfter: 2 },
      ],
    });
  });

  it('names unknown forges and channels, an empty watch list and a target no channel reaches', () => {
    expect(problems({})).toEqual([
      'jobs.report-pipeline-failures.mergeRequests, projects: list at least one MR project or project to watch',
    ]);
    expect(
      problems({
        mergeRequests: [{ forge: 'gitlub', project: 'org/app', slackChannel: 'g_gitaly' }],
        projects: [{ forge: 'gitlab', project: 'org/app' }],
      }),
    ).toEqual([
      'jobs.report-pipeline-failures.mergeRequests[0].forge: unknown forge "gitlub" (forges: gitlab)',
      'jobs.report-pipeline-failures.mergeRequests[0].slackChannel: unknown Slack channel "g_gitaly" (slack.channels: releases)',
      'jobs.report-pipeline-failures.projects[0].slackChannel: required (no job slackChannel and no slack.defaultChannel)',
    ]);
  });
});
