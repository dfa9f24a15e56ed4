import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { registerSecret } from '../../secrets/masker.js';
import type { GithubAppCredentials } from '../adapter-options.js';

/**
 * GitHub App auth: a JWT signed with the App's key buys an installation token (valid one hour)
 * from `POST /app/installations/{id}/access_tokens`. @octokit/auth-app caches the token and mints
 * a new one before it expires, so asking for headers before every request is cheap. Every key
 * and token is registered with the masker before it can reach a log line.
 */

export interface AppTokenSource {
  /** Headers for the next request: a current installation token. */
  headers(): Promise<Record<string, string>>;
  installationId(): Promise<number>;
}

function maskKey(privateKey: string): void {
  registerSecret(privateKey);
  // A multi-line PEM may be logged line by line: each base64 line is a secret too.
  for (const line of privateKey.split(/\r?\n/))
    if (line.length >= 16 && !line.startsWith('-----')) registerSecret(line);
}

export function appTokenSource(
  app: GithubAppCredentials,
  apiUrl: string,
  fetch: typeof globalThis.fetch,
): AppTokenSource {
  maskKey(app.privateKey);
  // Octokit's request over our HTTP path (retries, token-host guard), without a static token.
  const request = new Octokit({ baseUrl: apiUrl, userAgent: 'release-bot', request: { fetch } }).request;
  const auth = createAppAuth({ appId: app.appId, privateKey: app.privateKey, request });
  let installation: Promise<number> | undefined;

  function installationId(): Promise<number> {
    if (app.installationId !== undefined) return Promise.resolve(app.installationId);
    installation ??= (async () => {
      const { token } = await auth({ type: 'app' });
      const res = await request('GET /users/{username}/installation', {
        username: app.installationOwner!,
        headers: { authorization: `Bearer ${token}` },
      });
      return (res.data as { id: number }).id;
    })();
    // A failed lookup is asked again next time, not cached.
    installation.catch(() => (installation = undefined));
    return installation;
  }

  return {
    installationId,
    async headers() {
      const { token } = await auth({ type: 'installation', installationId: await installationId() });
      registerSecret(token);
      return { authorization: `Bearer ${token}` };
    },
  };
}
