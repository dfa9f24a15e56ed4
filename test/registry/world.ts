import type { JobContext } from '../../src/runner/job.js';
import { createRegistryClient, type RegistryClient } from '../../src/registry/client.js';
import type { ImagesOptions } from '../../jobs/promote-packages/images/options.js';
import type { Options } from '../../jobs/promote-packages/options.js';
import type { ImageEndpoints } from '../../jobs/promote-packages/images/plan.js';
import type { RunningRegistry } from '../../packages/forge-sandbox/src/services/registry.js';

/** Clients of the test registries that remember every request, and the job options pointing at them. */

export interface SeenRequest {
  method: string;
  url: string;
}

export function recordingFetch(seen: SeenRequest[]): typeof fetch {
  return (input, init) => {
    seen.push({ method: init?.method ?? 'GET', url: String(input) });
    return fetch(input, init);
  };
}

export function clientOf(
  reg: RunningRegistry,
  seen?: SeenRequest[],
  password = reg.password,
): RegistryClient {
  return createRegistryClient({
    url: reg.url,
    username: reg.username,
    password,
    ...(seen ? { fetch: recordingFetch(seen) } : {}),
  });
}

export function endpointsOf(
  staging: RunningRegistry,
  pub: RunningRegistry,
  seen?: SeenRequest[],
): ImageEndpoints {
  return { staging: clientOf(staging, seen), public: clientOf(pub, seen) };
}

export const writes = (seen: SeenRequest[]) => seen.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

export function imagesOptions(
  staging: RunningRegistry,
  pub: RunningRegistry,
  repositories: ImagesOptions['repositories'],
  namespaces = { staging: 'staging', public: 'public' },
): Options & { images: ImagesOptions } {
  return {
    retry: { attempts: 2, delay: '10ms' },
    images: {
      staging: {
        url: staging.url,
        namespace: namespaces.staging,
        username: staging.username,
        password: staging.password,
      },
      public: { url: pub.url, namespace: namespaces.public, username: pub.username, password: pub.password },
      repositories,
    },
  } as unknown as Options & { images: ImagesOptions };
}

/** Just what promoteImages reads from a job context. */
export function imagesContext(dryRun = false): JobContext {
  const quiet = () => undefined;
  return {
    dryRun,
    signal: new AbortController().signal,
    progress: quiet,
    log: { error: quiet, warn: quiet, info: quiet, debug: quiet },
  } as unknown as JobContext;
}
