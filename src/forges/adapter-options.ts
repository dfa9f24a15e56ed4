import type { ForgeHttpOptions } from './http.js';

/** What a forge adapter (gitlab/ or github/) is built from. */
export interface ForgeAdapterOptions {
  /** Name from the config, used in errors, logs and metrics. */
  name: string;
  /** Web origin, e.g. `https://gitlab.com`, `https://github.com`, or a simulator origin. */
  url: string;
  /**
   * API base. GitLab: defaults to `${url}/api/v4`. GitHub: `https://api.github.com` for github.com,
   * `${url}/api/v3` for GitHub Enterprise; the simulator serves GitHub at its origin.
   */
  apiUrl?: string;
  token: string;
  /** GitHub App credentials: installation tokens replace `token` (minted and refreshed on demand). */
  app?: GithubAppCredentials;
  dryRun: boolean;
  /** Retry, throttling, timeout, abort signal and metrics hooks for the shared HTTP path. */
  http?: Omit<ForgeHttpOptions, 'forge' | 'baseUrl' | 'authHeaders' | 'dryRun'>;
}

export interface GithubAppCredentials {
  appId: number;
  /** PEM private key of the App. */
  privateKey: string;
  /** The installation; or found from the account (org or user) that installed the App. */
  installationId?: number;
  installationOwner?: string;
}
