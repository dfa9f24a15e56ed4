import type { Deployment, DeploymentStatus } from '../types.js';
import type { GhDeployment, GhDeploymentStatus } from './wire.js';

/**
 * A GitHub deployment and its newest status as the bot's Deployment. `inactive` (GitHub's mark on
 * a deployment superseded by a newer one) still means "was deployed": success.
 */

export function statusOf(latest: GhDeploymentStatus | undefined): DeploymentStatus {
  switch (latest?.state) {
    case 'success':
    case 'inactive':
      return 'success';
    case 'failure':
    case 'error':
      return 'failed';
    case 'in_progress':
      return 'running';
    default:
      return 'created';
  }
}

/** GitHub keeps the payload as given: an object, or a JSON string; anything else reads as empty. */
export function payloadOf(d: GhDeployment): Record<string, unknown> {
  if (d.payload && typeof d.payload === 'object') return d.payload as Record<string, unknown>;
  if (typeof d.payload === 'string' && d.payload) {
    try {
      const parsed: unknown = JSON.parse(d.payload);
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return {};
}

export function toDeployment(
  webUrl: string,
  project: string,
  d: GhDeployment,
  latest: GhDeploymentStatus | undefined,
): Deployment {
  const payload = payloadOf(d);
  // We deploy the exact sha and keep the branch name in the payload (see create).
  const ref = typeof payload.ref === 'string' ? payload.ref : d.ref;
  const updatedAt =
    latest && Date.parse(latest.created_at) > Date.parse(d.updated_at) ? latest.created_at : d.updated_at;
  return {
    id: d.id,
    environment: d.environment,
    ref,
    sha: d.sha,
    status: statusOf(latest),
    createdAt: d.created_at,
    updatedAt,
    jobId: null,
    version: typeof payload.version === 'string' ? payload.version : ref,
    webUrl:
      latest?.log_url ||
      latest?.target_url ||
      `${webUrl}/${project}/deployments/${encodeURIComponent(d.environment)}`,
  };
}
