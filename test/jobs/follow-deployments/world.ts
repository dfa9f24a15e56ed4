import { bumpBranch, BUMP_MARKER_KIND } from '../../../src/domain/bump.js';
import { FOLLOW_JOB } from '../../../src/domain/bump-deployments.js';
import { createGithubForge } from '../../../src/forges/github/index.js';
import { createGitlabForge } from '../../../src/forges/gitlab/index.js';
import type { ChangeRequest, Forge } from '../../../src/forges/types.js';
import { marker } from '../../../src/kit/marker.js';
import type { SimForge } from '../../../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { jobHarness, type JobHarness, type JobHarnessOptions } from '../../helpers/job-harness.js';

/**
 * The world follow-deployments' two-bump scenarios share, on one simulated forge: component
 * projects org/gitaly and org/shell (each with a fix by alice on main past its first commit),
 * org/app pinning both at their first commit, the job following four environments of org/app
 * into Slack channel `releases`, and the bot's own SDK client. What differs between the tests
 * (recorded component deployments, a Slack bot token instead of webhooks) is an option.
 */

export const HOUR = 3_600_000;
export const APP = 'org/app';
export const JOB = FOLLOW_JOB;
export const ENVIRONMENTS = [
  { name: 'gstg-cny', label: 'workflow::staging-canary' },
  { name: 'gprd-cny', label: 'workflow::canary' },
  { name: 'gstg', label: 'workflow::staging' },
  { name: 'gprd', label: 'workflow::production' },
];

/** A component's pin in org/app (`from`, org/app's start) and the fix a bump carries (`to`). */
export type ComponentShas = Record<string, { from: string; to: string }>;

/** The bot's forge client through the real SDK, as the app builds it. */
export function forgeAs(sim: Simulator, kind: SimForge, token: string): Forge {
  const options = { name: kind, token, dryRun: false, http: { backoffMs: 1 } };
  return kind === 'gitlab'
    ? createGitlabForge({ ...options, url: sim.gitlab.url })
    : createGithubForge({ ...options, url: sim.github.url, apiUrl: sim.github.apiUrl });
}

/** Merge MR `iid` of project `path` as a user through the simulator (the merge itself is not tested here). */
export async function mergeInSimulator(
  sim: Simulator,
  kind: SimForge,
  path: string,
  iid: number,
  username: string,
): Promise<void> {
  const project = sim.project(kind, path);
  const mr = sim.world.mergeRequests.find((m) => m.projectId === project.id && m.iid === iid)!;
  await sim.world.mergeMergeRequest(mr, sim.world.userByName(username)!.id);
}

export interface FollowWorldOptions {
  kind: SimForge;
  /** The job records each bump's deployments on its component project. */
  recordDeployments?: boolean;
  /** Top-level config keys besides the jobs (e.g. `slack` with a bot token). */
  extra?: JobHarnessOptions['extra'];
}

export interface FollowWorld {
  h: JobHarness;
  bot: Forge;
  sha: ComponentShas;
  /** org/app's main before any bump. */
  before: string;
  /** A deployment of org/app at `at`, then ten simulated minutes. */
  deploy(environment: string, at: string, status?: 'success' | 'failed'): Promise<void>;
  /** The bot's bump of `component` (branch, author and marker as update-component writes them), not merged. */
  openBump(component: string, file: string, options?: { labels?: string[] }): Promise<ChangeRequest>;
  /** Merge as a user through the simulator (the merge itself is not what is tested here). */
  mergeAs(username: string, mr: ChangeRequest): Promise<ChangeRequest>;
  close(): Promise<void>;
}

export async function followWorld(options: FollowWorldOptions): Promise<FollowWorld> {
  const { kind } = options;
  const sha: ComponentShas = {};
  const h = await jobHarness({
    seed: async (sim) => {
      sim.createUser('alice');
      for (const component of ['gitaly', 'shell']) {
        const p = await sim.createProject({
          forge: kind,
          path: `org/${component}`,
          defaultBranch: 'main',
          members: ['release-bot:30', 'alice'],
          ciEnabled: false,
        });
        const from = (await p.repo.branchSha('main'))!;
        const to = await sim.push({
          forge: kind,
          project: `org/${component}`,
          branch: 'main',
          files: { 'fix.go': component },
          message: `Fix ${component}`,
          username: 'alice',
        });
        sha[component] = { from, to };
      }
      await sim.createProject({
        forge: kind,
        path: APP,
        defaultBranch: 'main',
        members: ['release-bot:30', 'alice:40'],
        files: { GITALY_SERVER_VERSION: `${sha.gitaly!.from}\n`, SHELL_VERSION: `${sha.shell!.from}\n` },
        ciEnabled: false,
      });
      await sim.advance(HOUR);
    },
    extra: options.extra,
    jobsConfig: () => ({
      [JOB]: {
        forge: kind,
        project: APP,
        slackChannel: 'releases',
        environments: ENVIRONMENTS,
        components: ['gitaly', 'shell'].map((name) => ({
          name,
          source: { forge: kind, project: `org/${name}` },
          ...(options.recordDeployments ? { recordDeployments: true } : {}),
        })),
      },
    }),
  });
  const bot = forgeAs(h.sim, kind, h.botToken);
  const before = (await h.sim.project(kind, APP).repo.branchSha('main'))!;

  return {
    h,
    bot,
    sha,
    before,
    async deploy(environment, at, status = 'success') {
      await h.sim.deploy({ forge: kind, project: APP, environment, ref: 'main', sha: at, status });
      await h.sim.advance(10 * 60_000);
    },
    async openBump(component, file, { labels } = {}) {
      await h.sim.push({
        forge: kind,
        project: APP,
        branch: bumpBranch(component),
        files: { [file]: `${sha[component]!.to}\n` },
        message: `Update ${component}`,
        username: 'release-bot',
      });
      return bot.changeRequests.create(APP, {
        sourceBranch: bumpBranch(component),
        targetBranch: 'main',
        title: `Update ${component} version`,
        ...(labels ? { labels } : {}),
        description: `Updates ${file}.\n\n${marker(BUMP_MARKER_KIND, { component, sha: sha[component]!.to, from: sha[component]!.from })}`,
      });
    },
    async mergeAs(username, mr) {
      await mergeInSimulator(h.sim, kind, APP, mr.iid, username);
      return (await bot.changeRequests.get(APP, mr.iid))!;
    },
    close: () => h.close(),
  };
}
