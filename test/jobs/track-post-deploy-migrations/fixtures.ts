import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import {
  DEPLOYER,
  SOURCE,
  TASKS,
  deployPackage,
  seedAutoDeployProjects,
  shipPackage,
} from '../../helpers/deployments.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import job from '../../../jobs/track-post-deploy-migrations/index.js';

/**
 * The world of seed 002 on the simulator: the security GitLab repository (the source whose diff
 * is compared), the deployer project whose deployments to gstg-cny and gprd are recorded on
 * the auto-deploy tag, and the release tasks project holding the monthly release issue.
 */

export { DEPLOYER, SOURCE, TASKS };
export const LABEL = 'Monthly Release';
export const HOUR = 3_600_000;

export interface Pkg {
  /** Canonical version (`-`). */
  version: string;
  /** The auto-deploy tag (`+`), what deployments are recorded on. */
  tag: string;
  sha: string;
}

let omnibus = 0x4ce763dbce0;

function stamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}`;
}

/** Commit `files` to the source project and cut a package of that commit, stamped with the simulator clock. */
export async function cutPackage(
  sim: Simulator,
  files: Record<string, string>,
  options: { release?: string; message?: string } = {},
): Promise<Pkg> {
  const sha = await sim.push({
    forge: 'gitlab',
    project: SOURCE,
    branch: 'master',
    files,
    message: options.message ?? `Change ${Object.keys(files).join(', ')}`,
    username: 'dev',
  });
  omnibus += 1;
  const base = `${options.release ?? '14.8'}.${stamp(sim.clock.now())}`;
  const tail = `${sha.slice(0, 11)}.${omnibus.toString(16).padStart(11, '0')}`;
  return { version: `${base}-${tail}`, tag: `${base}+${tail}`, sha };
}

const SETTLE_MS = 10 * 60_000;

export async function deploy(sim: Simulator, environment: string, ref: string): Promise<void> {
  await deployPackage(sim, { environment, tag: ref, settleMs: SETTLE_MS });
}

/** Deploy to the baseline, then to production, as the auto-deploy pipeline does. */
export async function ship(sim: Simulator, pkg: Pkg): Promise<void> {
  await shipPackage(sim, pkg.tag, SETTLE_MS);
}

export function releaseIssue(sim: Simulator, release: string) {
  return sim.createIssue({
    forge: 'gitlab',
    project: TASKS,
    title: `Release ${release}`,
    description: `Monthly release ${release}`,
    labels: [LABEL],
    username: 'rm',
  });
}

/** Human-visible notes on an issue of the tasks project. */
export function notesOn(sim: Simulator, issue: { iid: number; projectId: number }) {
  return sim.world.notes.filter(
    (n) =>
      n.projectId === issue.projectId &&
      n.noteableType === 'Issue' &&
      n.noteableIid === issue.iid &&
      !n.system,
  );
}

export function writes(sim: Simulator, since: number) {
  return sim.requests({ since }).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
}

export async function seedProjects(sim: Simulator): Promise<void> {
  sim.createUser('dev');
  sim.createUser('rm');
  await seedAutoDeployProjects(sim, {
    source: {
      members: ['release-bot:20', 'dev'],
      files: {
        'README.md': '# GitLab\n',
        'db/post_migrate/20220101000000_old_post_migration.rb': 'class OldPostMigration; end\n',
      },
    },
    deployerMembers: ['release-bot:20'],
    tasks: { members: ['release-bot:30', 'rm'], files: { 'README.md': '# release tasks\n' } },
  });
}

export function jobConfig(
  sim: Simulator,
  extra: { postDeployMigrationsNote?: boolean; featureFlags?: Record<string, unknown> } = {},
) {
  return {
    'track-post-deploy-migrations': {
      deployments: { forge: 'gitlab', project: DEPLOYER, environment: 'gprd', baseline: 'gstg-cny' },
      source: { forge: 'gitlab', project: SOURCE },
      releaseIssue: { forge: 'gitlab', project: TASKS, labels: [LABEL], title: 'Release {major}.{minor}' },
      postDeployMigrationsNote: true,
      ...extra,
    },
  };
}

export function harness(
  seed: (sim: Simulator) => Promise<void>,
  extra: Parameters<typeof jobConfig>[1] = {},
): Promise<JobHarness> {
  return jobHarness({
    jobs: [job],
    seed: async (sim) => {
      await seedProjects(sim);
      await seed(sim);
    },
    jobsConfig: (sim) => jobConfig(sim, extra),
  });
}
