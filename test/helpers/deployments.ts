import type { SimDeployment } from '../../src/sandbox/core/model.js';
import type { Simulator } from '../../src/sandbox/simulator.js';

/** GitLab's deployer project: its pipeline deploys a package, the package's tag as the ref. */
export const DEPLOYER = 'gitlab-com/gl-infra/deployer';

/**
 * One deployment of an auto-deploy package to `environment`, made the way the deployer pipeline
 * makes it: of the deployer project's current head, with the package tag as ref and as
 * DEPLOY_VERSION. Then `settleMs` passes on the simulator clock, so the next deployment is later.
 */
export async function deployPackage(
  sim: Simulator,
  input: { environment: string; tag: string; settleMs: number },
): Promise<SimDeployment> {
  const deployment = await sim.deploy({
    forge: 'gitlab',
    project: DEPLOYER,
    environment: input.environment,
    ref: input.tag,
    sha: (await sim.project('gitlab', DEPLOYER).repo.branchSha('master'))!,
    variables: { DEPLOY_VERSION: input.tag },
  });
  await sim.advance(input.settleMs);
  return deployment;
}

/** A package deployed to the baseline (gstg-cny), then to production (gprd), as auto-deploy does. */
export async function shipPackage(sim: Simulator, tag: string, settleMs: number): Promise<SimDeployment[]> {
  const deployments: SimDeployment[] = [];
  for (const environment of ['gstg-cny', 'gprd'])
    deployments.push(await deployPackage(sim, { environment, tag, settleMs }));
  return deployments;
}
