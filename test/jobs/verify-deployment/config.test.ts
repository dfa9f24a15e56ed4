import { describe, expect, it } from 'vitest';
import job from '../../../jobs/verify-deployment/index.js';
import { validateConfig } from '../../../src/config/load.js';
import { buildConfigSchema } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors.js';
import { jobSettings } from '../../../src/runner/settings.js';

/** Bad verify-deployment config is caught by `config validate`, each problem named by its path. */

const schema = buildConfigSchema([job]);
const base = {
  forges: { gitlab: { type: 'gitlab', url: 'https://gitlab.example.com', token: 'glpat-x' } },
  slack: { channels: { oncall: { webhookUrl: 'https://hooks.example.com/x' } } },
};
const health = { checks: [{ url: 'https://app.example.com/-/readiness' }] };

function problems(section: Record<string, unknown>): string[] {
  try {
    const config = validateConfig({ ...base, jobs: { 'verify-deployment': section } }, schema, 'test.yaml', {
      env: {},
    });
    jobSettings(config, job);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

describe('verify-deployment config', () => {
  it('accepts a minimal target', () => {
    expect(
      problems({ targets: [{ forge: 'gitlab', project: 'org/app', environment: 'production', health }] }),
    ).toEqual([]);
  });

  it('names each problem by its path', () => {
    expect(
      problems({ targets: [{ forge: 'gitlab', project: 'org/app', environment: 'production' }] }),
    ).toEqual([expect.stringMatching(/^jobs\.verify-deployment\.targets\[0\].*at least one gate/)]);
    const metric = problems({
      targets: [
        {
          forge: 'gitlab',
          project: 'org/app',
          environment: 'production',
          metrics: { url: 'http://prometheus:9090', queries: [{ name: 'errors', query: 'up' }] },
        },
      ],
    });
    expect(metric.join('\n')).toMatch(/targets\[0\]\.metrics\.queries\[0\].*give a threshold/);
    const twice = problems({
      targets: [
        { forge: 'gitlab', project: 'org/app', environment: 'production', health },
        { forge: 'gitlab', project: 'org/other', environment: 'production', health },
      ],
    });
    expect(twice.join('\n')).toMatch(/targets\[1\]\.name.*duplicate target "production"/);
  });

  it('cross-checks forges, channels, the interval and the timeout', () => {
    const found = problems({
      window: '40m',
      interval: '30s',
      targets: [
        { forge: 'gitlub', project: 'org/app', environment: 'production', health, slackChannel: 'ops' },
        {
          name: 'canary',
          forge: 'gitlab',
          project: 'org/app',
          environment: 'cny',
          health,
          window: '1m',
          interval: '2m',
        },
      ],
    });
    expect(found).toEqual([
      'jobs.verify-deployment.targets[1].interval: interval 2m must be positive and at most the window 1m',
      'jobs.verify-deployment.targets[0].forge: unknown forge "gitlub" (forges: gitlab)',
      'jobs.verify-deployment.targets[0].slackChannel: unknown Slack channel "ops" (slack.channels: oncall)',
      "jobs.verify-deployment.targets[0].window: 40m does not fit in the job's timeoutSeconds (1800) with 2 minutes to spare; raise timeoutSeconds",
    ]);
  });
});
