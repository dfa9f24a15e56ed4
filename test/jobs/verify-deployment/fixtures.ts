import { startFakeService, type FakeService } from '../../../packages/forge-sandbox/src/services/health.js';
import {
  startFakePrometheus,
  type FakePrometheus,
} from '../../../packages/forge-sandbox/src/services/prometheus.js';
import {
  startFakeSentryApi,
  type FakeSentryApi,
} from '../../../packages/forge-sandbox/src/services/sentry-api.js';
import type { SimForge, SimDeployment } from '../../../packages/forge-sandbox/src/core/model.js';
import type { Simulator } from '../../../packages/forge-sandbox/src/simulator.js';
import { createVerifyDeploymentJob } from '../../../jobs/verify-deployment/index.js';

/**
 * What the verify-deployment scenarios share: the service's health endpoint, the Sentry web API
 * and the Prometheus API as local HTTP servers on the simulator's clock, and the job with a
 * window that moves the simulator clock instead of waiting.
 */

export interface Services {
  service: FakeService;
  sentry: FakeSentryApi;
  prometheus: FakePrometheus;
  close(): Promise<void>;
}

export async function startServices(clock: () => Date): Promise<Services> {
  const service = await startFakeService();
  const sentry = await startFakeSentryApi({ now: clock });
  const prometheus = await startFakePrometheus({ now: clock });
  return {
    service,
    sentry,
    prometheus,
    async close() {
      await Promise.all([service.close(), sentry.close(), prometheus.close()]);
    },
  };
}

/** The simulator, once the harness has started it (the job and the fakes are made before). */
export interface SimRef {
  sim?: Simulator;
}

export function clockOf(ref: SimRef): () => Date {
  return () => ref.sim?.clock.now() ?? new Date();
}

export function testJob(ref: SimRef) {
  return createVerifyDeploymentJob({
    // The window's waits move the simulator clock: CI progresses and no test waits in real time.
    sleep: async (ms) => {
      await ref.sim!.advance(ms);
    },
  });
}

/** An auto-deploy package version whose GitLab sha part is `n` repeated. */
export function packageVersion(n: number): string {
  const minute = String(n).padStart(2, '0');
  const hex = (n % 16).toString(16).repeat(11);
  return `14.8.2022020809${minute}-${hex}.${'4ce763dbce1'}`;
}

/**
 * A deployment of `version` to `environment`: of a new commit on the deployer project, or (with
 * `sameCommit`, quicker) of its current head.
 */
export async function deployVersion(
  sim: Simulator,
  input: { forge?: SimForge; project: string; environment: string; version: string; sameCommit?: boolean },
): Promise<SimDeployment> {
  const forge = input.forge ?? 'gitlab';
  const project = sim.project(forge, input.project);
  const sha = input.sameCommit
    ? (await project.repo.branchSha(project.defaultBranch))!
    : await sim.push({
        forge,
        project: input.project,
        files: { [`deploys/${input.environment}`]: `${input.version}\n` },
        message: `Deploy ${input.version} to ${input.environment}`,
      });
  return sim.deploy({
    forge,
    project: input.project,
    environment: input.environment,
    ref: input.version,
    sha,
    variables: { version: input.version },
  });
}

export interface WatchedDetails {
  target: string;
  deployment: { id: number; version: string };
  verdict: { verdict: string; summary: string };
  window: {
    taken: number;
    planned: number;
    stoppedEarly: boolean;
    probes: { gate: string; name: string; verdict: string; reason: string }[];
  };
  rollback: { kind: string; description: string } | null;
  steps: string[];
}

/** The run details of the deployments whose gates were watched in a run. */
export function watched(result: { details?: Record<string, unknown> } | null): WatchedDetails[] {
  const all = (result?.details?.deployments ?? []) as Partial<WatchedDetails>[];
  return all.filter((d): d is WatchedDetails => Boolean(d.window));
}
