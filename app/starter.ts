import { stringify } from 'yaml';

/**
 * The starter config `release-bot init` writes: the jobs asked for, each with the smallest section
 * that validates (placeholder projects to replace), every secret as `${NAME}` with no fallback, so
 * a deploy that forgot one fails `config validate` instead of running with a dummy.
 */

export type StarterForge = 'gitlab' | 'github';

const SECRETS: Record<StarterForge, string> = { gitlab: 'GITLAB_TOKEN', github: 'GITHUB_TOKEN' };

function section(job: string, forge: StarterForge): Record<string, unknown> | undefined {
  const at = (project: string) => ({ forge, project });
  switch (job) {
    case 'heartbeat':
      return { schedule: '*/30 * * * *' };
    case 'update-component':
      return {
        components: [
          {
            name: 'my-component',
            source: at('my-group/my-component'),
            target: { ...at('my-group/my-app'), versionFile: 'MY_COMPONENT_VERSION' },
          },
        ],
      };
    case 'report-pipeline-failures':
      return { projects: [at('my-group/my-app')] };
    case 'promote-packages':
      return {
        staging: at('my-group/packages-staging'),
        public: at('my-group/packages'),
        packages: [{ name: 'my-package' }],
      };
    case 'track-post-deploy-migrations':
      return {
        deployments: { ...at('my-group/my-deployer'), environment: 'production', baseline: 'staging' },
        source: at('my-group/my-app'),
        releaseIssue: at('my-group/release-tasks'),
      };
    case 'verify-deployment':
      return {
        targets: [
          {
            name: 'production',
            ...at('my-group/my-app'),
            environment: 'production',
            health: { checks: [{ name: 'readiness', url: 'https://my-app.example.com/-/readiness' }] },
          },
        ],
      };
    case 'follow-deployments':
      return {
        forge,
        project: 'my-group/my-app',
        environments: [
          { name: 'staging', label: 'workflow::staging' },
          { name: 'production', label: 'workflow::production' },
        ],
        components: [{ name: 'my-component', source: at('my-group/my-component') }],
      };
    case 'move-stable-branches':
      return {
        forge,
        repos: [{ project: 'my-group/my-app' }],
        approval: { approvers: ['my-release-manager'], project: 'my-group/my-app' },
      };
    default:
      return undefined;
  }
}

/** Jobs `init` knows a starter section for. */
export function starterJobs(): string[] {
  return [
    'heartbeat',
    'update-component',
    'follow-deployments',
    'report-pipeline-failures',
    'promote-packages',
    'track-post-deploy-migrations',
    'verify-deployment',
    'move-stable-branches',
  ];
}

export function starterConfig(jobs: string[], forge: StarterForge): string {
  const sections: Record<string, unknown> = {};
  for (const job of jobs) sections[job] = section(job, forge);
  const url = forge === 'gitlab' ? 'https://gitlab.com' : 'https://github.com';
  const document = {
    timezone: 'UTC',
    forges: {
      [forge]: {
        type: forge,
        url,
        ...(forge === 'github' ? { apiUrl: 'https://api.github.com' } : {}),
        token: `\${${SECRETS[forge]}}`,
      },
    },
    slack: {
      defaultChannel: 'releases',
      channels: { releases: { webhookUrl: '${SLACK_WEBHOOK_RELEASES}' } },
    },
    store: { path: '.release-bot/state.db' },
    jobs: sections,
  };
  return [
    '# release-bot configuration, written by `release-bot init`.',
    `# Secrets come from the environment, with no fallback: export ${SECRETS[forge]} and SLACK_WEBHOOK_RELEASES.`,
    '# Replace the my-group/... placeholders, then: release-bot config validate && release-bot doctor',
    '# The store path is relative to this file. Reference: README.md (Configuration) and config/schema.json.',
    '',
    stringify(document),
  ].join('\n');
}
