import { errorMessage } from '../../src/errors.js';
import type { JobContext } from '../../src/runner/job.js';
import { mask, registerSecret } from '../../src/secrets/masker.js';
import type { Options } from './options.js';

/**
 * The feature flag `post_deploy_migrations_note`: the config value, or (with `featureFlags`) the
 * flag as GitLab feature flags serve it to Unleash clients (`GET <url>/client/features` with the
 * instance ID and app name headers). The bot is no user, so only an "all users" strategy
 * (`default`, or a 100 % flexible rollout) turns it on.
 */

export type FlagValue = { on: boolean; source: string } | { error: string };

const TIMEOUT_MS = 10_000;

interface UnleashFeature {
  name: string;
  enabled: boolean;
  strategies?: { name: string; parameters?: Record<string, unknown> }[];
}

function allUsers(feature: UnleashFeature): boolean {
  const strategies = feature.strategies ?? [];
  if (strategies.length === 0) return true;
  return strategies.some(
    (s) => s.name === 'default' || (s.name === 'flexibleRollout' && String(s.parameters?.rollout) === '100'),
  );
}

export async function readFlag(ctx: JobContext, options: Options): Promise<FlagValue> {
  const remote = options.featureFlags;
  if (!remote) return { on: options.postDeployMigrationsNote, source: 'config' };
  registerSecret(remote.instanceId);
  const url = `${remote.url.replace(/\/+$/, '')}/client/features`;
  try {
    const response = await fetch(url, {
      headers: {
        accept: 'application/json',
        'UNLEASH-INSTANCEID': remote.instanceId,
        'UNLEASH-APPNAME': remote.appName,
      },
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(TIMEOUT_MS)]),
    });
    if (!response.ok) return { error: `feature flags at ${url} answered ${response.status}` };
    const body = (await response.json()) as { features?: UnleashFeature[] };
    const feature = body.features?.find((f) => f.name === remote.flag);
    if (!feature)
      return { on: options.postDeployMigrationsNote, source: `config (no flag ${remote.flag} at ${url})` };
    return { on: feature.enabled && allUsers(feature), source: `feature flag ${remote.flag}` };
  } catch (error) {
    return { error: mask(`cannot read feature flags at ${url}: ${errorMessage(error)}`) };
  }
}
