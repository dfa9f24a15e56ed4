import type { SimDeployment } from '../core/model.js';
import type { Simulator } from '../simulator.js';

/**
 * GitLab's auto-deploy, as its deployer project does it: a pipeline of the deployer's current
 * head deploys one package, the package's tag as the ref and as DEPLOY_VERSION. Tests and the
 * demo stage production history with it; `settleMs` then passes on the simulator clock so the
 * next deployment is later.
 */
export async function deployPackage(
  sim: Simulator,
  input: { deployer: string; environment: string; tag: string; settleMs: number },
): Promise<SimDeployment> {
  const deployment = await sim.deploy({
    forge: 'gitlab',
    project: input.deployer,
    environment: input.environment,
    ref: input.tag,
    sha: (await sim.project('gitlab', input.deployer).repo.branchSha('master'))!,
    variables: { DEPLOY_VERSION: input.tag },
  });
  await sim.advance(input.settleMs);
  return deployment;
}
