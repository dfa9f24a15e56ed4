import type { SimDeployment } from '../../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { deployPackage as deployPackageBy } from '../../packages/forge-sandbox/src/worlds/auto-deploy.js';

/** GitLab's deployer project: its pipeline deploys a package, the package's tag as the ref. */
export const DEPLOYER = 'gitlab-com/gl-infra/deployer';
/** The source project the auto-deploy packages are cut from. */
export const SOURCE = 'gitlab-org/security/gitlab';
/** Where the monthly release issue lives. */
export const TASKS = 'gitlab-org/release/tasks';

/**
 * The auto-deploy projects on the GitLab side: the source, the deployer (no CI of its own: the
 * simulator's deploy() makes its pipelines) and, when asked, the release tasks project. What
 * differs between worlds — members, files, CI on the source — is the caller's to say.
 */
export async function seedAutoDeployProjects(
  sim: Simulator,
  input: {
    source: { members: string[]; files: Record<string, string>; ciEnabled?: boolean };
    deployerMembers: string[];
    tasks?: { members: string[]; files?: Record<string, string> };
  },
): Promise<void> {
  await sim.createProject({
    forge: 'gitlab',
    path: SOURCE,
    defaultBranch: 'master',
    members: input.source.members,
    files: input.source.files,
    ciEnabled: input.source.ciEnabled,
  });
  await sim.createProject({
    forge: 'gitlab',
    path: DEPLOYER,
    defaultBranch: 'master',
    members: input.deployerMembers,
    files: { 'README.md': '# deployer\n' },
    ciEnabled: false,
  });
  if (!input.tasks) return;
  await sim.createProject({
    forge: 'gitlab',
    path: TASKS,
    defaultBranch: 'master',
    members: input.tasks.members,
    files: input.tasks.files,
    ciEnabled: false,
  });
}

/** One deployment of a package by the deployer project (see the simulator's auto-deploy world). */
export function deployPackage(
  sim: Simulator,
  input: { environment: string; tag: string; settleMs: number },
): Promise<SimDeployment> {
  return deployPackageBy(sim, { deployer: DEPLOYER, ...input });
}

/** A package deployed to the baseline (gstg-cny), then to production (gprd), as auto-deploy does. */
export async function shipPackage(sim: Simulator, tag: string, settleMs: number): Promise<SimDeployment[]> {
  const deployments: SimDeployment[] = [];
  for (const environment of ['gstg-cny', 'gprd'])
    deployments.push(await deployPackage(sim, { environment, tag, settleMs }));
  return deployments;
}
