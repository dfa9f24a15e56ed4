import { isIP } from 'node:net';
import { z } from 'zod';
import { registerSecret } from '../secrets/masker.js';
import { answerError, networkError, readUpTo, RegistryError } from './errors.js';
import type { Challenge } from './challenge.js';

/**
 * Registry authentication as registries do it. A request goes out with what worked before; a
 * 401 carries a challenge: `Basic` → the configured user and password; `Bearer` → a token from
 * the challenge's realm (`?service=…&scope=…`, the configured credentials as basic auth, none
 * for anonymous pulls), cached per set of scopes until it expires. Every token is registered
 * as a secret, so it is masked wherever it could surface.
 */

export interface Credentials {
  username?: string;
  password?: string;
}

const TOKEN = /^[\x21-\x7e]{1,16384}$/;
/** A token answer is a few kilobytes of JSON; more is not read. */
const MAX_TOKEN_ANSWER = 256 * 1024;

const tokenAnswer = z
  .object({
    // It goes into an Authorization header: printable ASCII, no spaces, no line breaks.
    token: z.string().regex(TOKEN).optional(),
    access_token: z.string().regex(TOKEN).optional(),
    expires_in: z.number().positive().optional(),
  })
  .refine((t) => t.token ?? t.access_token, 'no token in the answer');

/** A token endpoint that does not answer by then is down (a transient failure). */
const TOKEN_TIMEOUT_MS = 60_000;

/** Docker's default when the token endpoint does not say. */
const DEFAULT_TOKEN_SECONDS = 60;

export interface RegistryAuth {
  headers(scopes: string[]): Promise<Record<string, string>>;
  /** A 401's challenge: true when a retry with new credentials is worth it. */
  answer(challenge: Challenge | undefined, scopes: string[]): Promise<boolean>;
}

/**
 * Where a Bearer challenge may send the bot for a token: the registry's own host name, or over
 * https a host in the registry's parent domain (registry.gitlab.com → gitlab.com/jwt/auth,
 * registry-1.docker.io → auth.docker.io). An IP address or a parent of one label (ghcr.io →
 * io) allows only the registry's own host.
 */
export function realmAllowed(realm: URL, base: URL): boolean {
  const r = realm.hostname.toLowerCase();
  const b = base.hostname.toLowerCase();
  if (r === b) return true;
  if (realm.protocol !== 'https:' || isIP(b) || b.startsWith('[')) return false;
  const parent = b.split('.').slice(1);
  if (parent.length < 2) return false;
  const domain = parent.join('.');
  return r === domain || r.endsWith(`.${domain}`);
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export function createAuth(
  registry: string,
  base: URL,
  credentials: Credentials,
  fetchImpl: typeof fetch,
  signal?: AbortSignal,
): RegistryAuth {
  let mode: 'anonymous' | 'basic' | 'bearer' = 'anonymous';
  let realm: { url: URL; service?: string } | undefined;
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  const hasCredentials = credentials.username !== undefined && credentials.password !== undefined;
  registerSecret(credentials.password);
  // The Authorization header's own spelling of them, should a header ever be printed.
  if (hasCredentials)
    registerSecret(Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'));

  function basic(): string {
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  const key = (scopes: string[]) => [...new Set(scopes)].sort().join(' ');

  async function fetchToken(scopes: string[]): Promise<{ token: string; expiresAt: number }> {
    const url = new URL(realm!.url);
    if (realm!.service) url.searchParams.set('service', realm!.service);
    for (const scope of [...new Set(scopes)]) url.searchParams.append('scope', scope);
    const what = `token endpoint ${url.origin}${url.pathname}`;
    let res: Response;
    try {
      const limit = AbortSignal.timeout(TOKEN_TIMEOUT_MS);
      res = await fetchImpl(url, {
        headers: { accept: 'application/json', ...(hasCredentials ? { authorization: basic() } : {}) },
        signal: signal ? AbortSignal.any([signal, limit]) : limit,
      });
    } catch (error) {
      throw networkError(error, registry, what);
    }
    if (!res.ok) throw await answerError(res, registry, what);
    const body = await readUpTo(res, MAX_TOKEN_ANSWER).catch(() => null);
    const parsed = tokenAnswer.safeParse(body?.complete ? safeJson(body.text) : null);
    if (!parsed.success)
      throw new RegistryError(`${registry}: ${what} answered no token`, 502, registry, what);
    const token = (parsed.data.token ?? parsed.data.access_token)!;
    registerSecret(token);
    // Renew a little early: a token that expires mid-request costs a 401 round trip.
    const seconds = Math.max(parsed.data.expires_in ?? DEFAULT_TOKEN_SECONDS, DEFAULT_TOKEN_SECONDS);
    return { token, expiresAt: Date.now() + (seconds - 10) * 1000 };
  }

  return {
    async headers(scopes) {
      if (mode === 'basic') return { authorization: basic() };
      if (mode !== 'bearer') return {} as Record<string, string>;
      let cached = tokens.get(key(scopes));
      if (!cached || cached.expiresAt <= Date.now()) {
        cached = await fetchToken(scopes);
        tokens.set(key(scopes), cached);
      }
      return { authorization: `Bearer ${cached.token}` };
    },
    async answer(challenge, scopes) {
      if (!challenge) return false;
      if (challenge.scheme === 'basic') {
        if (!hasCredentials)
          throw new RegistryError(
            `${registry}: asks for a username and password (basic auth); none configured`,
            401,
            registry,
          );
        if (mode === 'basic') return false;
        mode = 'basic';
        return true;
      }
      if (challenge.scheme !== 'bearer' || !challenge.params.realm) return false;
      let url: URL;
      try {
        url = new URL(challenge.params.realm);
      } catch {
        return false;
      }
      // Credentials go to the realm: never in clear text unless the registry itself is plain http.
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && base.protocol === 'http:'))
        throw new RegistryError(
          `${registry}: token realm ${url.origin} is not https; refusing to send credentials`,
          401,
          registry,
        );
      // The registry names its token server; a hostile answer must not send the credentials
      // elsewhere: the realm is the registry's host, or in its parent domain over https.
      if (!realmAllowed(url, base))
        throw new RegistryError(
          `${registry}: token realm ${url.host} is neither the registry's host nor in its domain; refusing to send credentials there`,
          401,
          registry,
        );
      mode = 'bearer';
      realm = { url, ...(challenge.params.service ? { service: challenge.params.service } : {}) };
      // The scopes the registry names plus the ones this request needs (a mount also needs pull
      // on the source repository, which some registries leave out of the challenge).
      const wanted = [...scopes, ...(challenge.params.scope?.split(' ').filter(Boolean) ?? [])];
      const token = await fetchToken(wanted);
      tokens.set(key(scopes), token);
      return true;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
