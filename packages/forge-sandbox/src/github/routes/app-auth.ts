import { verify } from 'node:crypto';
import type { SimRequest } from '../../core/server.js';
import { simApps, mintInstallationToken, type SimApp } from '../apps.js';
import { GhError, type Gh } from '../context.js';
import { simpleUser } from '../serializers/users.js';

/**
 * GitHub App authentication: `Authorization: Bearer <JWT>` (RS256, signed with the App's key,
 * `iss` the App id, at most 10 minutes long) on `/app…` and the installation lookups; an
 * installation token from `POST /app/installations/{id}/access_tokens` (201, one hour). JWTs are
 * not tokens of a user, so these routes are anonymous to the server and check the JWT here.
 * docs.github.com: "Generating a JSON Web Token (JWT) for a GitHub App", "Authenticating as a
 * GitHub App installation"; REST "Apps" (create an installation access token).
 */

const BAD_JWT = 'A JSON web token could not be decoded';

function b64url(part: string): Buffer {
  return Buffer.from(part, 'base64url');
}

/** The App whose key signed the request's JWT; 401 like GitHub otherwise. */
function appFromJwt(gh: Gh, req: SimRequest): SimApp {
  const auth = req.headers.authorization ?? '';
  const [scheme, jwt] = auth.split(' ');
  if (!/^bearer$/i.test(scheme ?? '') || !jwt) throw new GhError(401, BAD_JWT);
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new GhError(401, BAD_JWT);
  let header: { alg?: string };
  let payload: { iss?: string | number; iat?: number; exp?: number };
  try {
    header = JSON.parse(b64url(parts[0]!).toString('utf8')) as typeof header;
    payload = JSON.parse(b64url(parts[1]!).toString('utf8')) as typeof payload;
  } catch {
    throw new GhError(401, BAD_JWT);
  }
  const app = simApps(gh.world).get(Number(payload.iss));
  if (header.alg !== 'RS256' || !app) throw new GhError(401, BAD_JWT);
  const signed = verify(
    'RSA-SHA256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    app.publicKey,
    b64url(parts[2]!),
  );
  if (!signed) throw new GhError(401, BAD_JWT);
  // The JWT is checked against real time: the client signs it with its own clock.
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== 'number' || payload.exp <= now)
    throw new GhError(
      401,
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    );
  if (typeof payload.iat !== 'number' || payload.iat > now + 60 || payload.exp - payload.iat > 600)
    throw new GhError(
      401,
      "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    );
  return app;
}

function installation(gh: Gh, app: SimApp) {
  const account = gh.world.userByName(app.account);
  if (!account) throw new GhError(404, 'Not Found');
  return {
    id: app.installationId,
    app_id: app.id,
    app_slug: app.slug,
    target_id: account.id,
    target_type: 'Organization',
    account: { ...simpleUser(gh, account), type: 'Organization' },
    repository_selection: 'all',
    access_tokens_url: `${gh.api()}/app/installations/${app.installationId}/access_tokens`,
    repositories_url: `${gh.api()}/installation/repositories`,
    html_url: `${gh.web()}/organizations/${app.account}/settings/installations/${app.installationId}`,
    permissions: PERMISSIONS,
    events: [],
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    single_file_name: null,
    suspended_at: null,
    suspended_by: null,
  };
}

const PERMISSIONS = {
  contents: 'write',
  pull_requests: 'write',
  issues: 'write',
  checks: 'read',
  statuses: 'read',
  actions: 'write',
  deployments: 'write',
  metadata: 'read',
};

export function registerAppAuth(gh: Gh): void {
  const anonymous = { anonymous: true };
  gh.add(
    'GET',
    '/app',
    (req) => {
      const app = appFromJwt(gh, req);
      return { body: { id: app.id, slug: app.slug, name: app.slug, permissions: PERMISSIONS, events: [] } };
    },
    anonymous,
  );

  const lookup = (account: (req: SimRequest) => string) => (req: SimRequest) => {
    const app = appFromJwt(gh, req);
    if (account(req).toLowerCase() !== app.account.toLowerCase()) throw new GhError(404, 'Not Found');
    return { body: installation(gh, app) };
  };
  gh.add(
    'GET',
    '/users/:username/installation',
    lookup((r) => r.params.username ?? ''),
    anonymous,
  );
  gh.add(
    'GET',
    '/orgs/:org/installation',
    lookup((r) => r.params.org ?? ''),
    anonymous,
  );
  gh.add(
    'GET',
    '/repos/:owner/:repo/installation',
    lookup((r) => r.params.owner ?? ''),
    anonymous,
  );

  gh.add(
    'POST',
    '/app/installations/:installation_id/access_tokens',
    (req) => {
      const app = appFromJwt(gh, req);
      if (Number(req.params.installation_id) !== app.installationId) throw new GhError(404, 'Not Found');
      const minted = mintInstallationToken(gh.world, app, new Date());
      return {
        status: 201,
        body: {
          token: minted.token,
          expires_at: minted.expiresAt,
          permissions: PERMISSIONS,
          repository_selection: 'all',
        },
      };
    },
    anonymous,
  );
}
