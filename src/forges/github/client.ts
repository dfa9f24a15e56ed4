import { jsonGuard } from './json-guard.js';
import { Octokit } from '@octokit/rest';
import { DryRunWriteError } from '../../errors.js';
import { registerSecret } from '../../secrets/masker.js';
import type { ForgeAdapterOptions } from '../adapter-options.js';
import type { EtagCache } from '../etag-cache.js';
import { createForgeFetch } from '../http.js';
import { appTokenSource } from './app-auth.js';
import { isStatus, toForgeError } from './errors.js';

/**
 * The one GitHub client of an adapter: Octokit over our HTTP path (retries, Retry-After,
 * dry-run and token-host guards live there), with error mapping and small helpers.
 */

export type Params = Record<string, unknown>;

export interface GithubClient {
  readonly forge: string;
  readonly apiUrl: string;
  readonly webUrl: string;
  readonly dryRun: boolean;
  readonly octokit: Octokit;
  /** Refuse a write in dry-run, before any request. */
  write(what: string): void;
  request<T>(route: string, params?: Params): Promise<T>;
  /** The whole response (status, headers), for the few callers that need more than the body. */
  response<T>(
    route: string,
    params?: Params,
  ): Promise<{ status: number; headers: Record<string, string | undefined>; data: T }>;
  /** A single lookup: 404 (or one of `alsoNull`) → null. */
  find<T>(route: string, params?: Params, alsoNull?: (error: unknown) => boolean): Promise<T | null>;
  /** Pages of a list (following `Link: rel="next"`), for callers that stop early. */
  pages<T>(route: string, params?: Params): AsyncIterable<T[]>;
  /** Follow `Link: rel="next"` until `limit` items (or the end). */
  paginate<T>(route: string, params?: Params, limit?: number): Promise<T[]>;
  graphql<T>(query: string, variables: Params): Promise<T>;
  /** `owner/repo` → route parameters. */
  repo(project: string): { owner: string; repo: string };
  /** The HTTP path's ETag cache and caller identity, for answers the adapter remembers itself. */
  readonly cache?: { cache: EtagCache; identity?: string };
  /** A fetch for GitHub's uploads host (uploads.github.com / GHES `/api/uploads`), or undefined if `url` is elsewhere. */
  uploadFetch(url: string): typeof fetch | undefined;
}

/** github.com → api.github.com; GitHub Enterprise → `<url>/api/v3`; an explicit apiUrl wins. */
export function githubApiUrl(options: Pick<ForgeAdapterOptions, 'url' | 'apiUrl'>): string {
  if (options.apiUrl) return options.apiUrl.replace(/\/+$/, '');
  const url = new URL(options.url);
  if (url.hostname === 'github.com' || url.hostname === 'www.github.com') return 'https://api.github.com';
  return `${url.origin}/api/v3`;
}

/** Where release assets are uploaded: a different host on github.com, `/api/uploads` on GHES. */
export function githubUploadsUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://uploads.github.com';
  if (url.pathname.replace(/\/+$/, '').endsWith('/api/v3')) return `${url.origin}/api/uploads`;
  return url.origin;
}

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

export function createGithubClient(options: ForgeAdapterOptions): GithubClient {
  if (options.token) registerSecret(options.token);
  const apiUrl = githubApiUrl(options);
  // A GitHub App: an installation token, minted (and renewed before it expires) through the same
  // HTTP path without credentials of its own; the App's JWT goes only to the API host.
  const app = options.app
    ? appTokenSource(
        options.app,
        apiUrl,
        createForgeFetch({
          ...options.http,
          // The App's JWT calls have their own limits and answers: no ETags, no budget.
          etags: undefined,
          rate: undefined,
          // Minting an installation token (a POST) changes nothing on the forge: it is not a write
          // the run's phase gate or lease fence must allow, and a plan phase needs a token to read.
          fence: undefined,
          forge: options.name,
          baseUrl: apiUrl,
          authHeaders: {},
          dryRun: false,
        }),
      )
    : undefined;
  const authHeaders = app ? () => app.headers() : { authorization: `Bearer ${options.token}` };
  const fetch = createForgeFetch({
    ...options.http,
    forge: options.name,
    baseUrl: apiUrl,
    authHeaders,
    dryRun: options.dryRun,
  });
  const uploadsUrl = githubUploadsUrl(apiUrl);
  const uploadsFetch =
    new URL(uploadsUrl).origin === new URL(apiUrl).origin
      ? fetch
      : createForgeFetch({
          ...options.http,
          forge: options.name,
          baseUrl: uploadsUrl,
          authHeaders,
          dryRun: options.dryRun,
        });
  // No `auth` here: the token is added by our fetch, and only for the forge's own origin.
  const octokit = new Octokit({
    baseUrl: apiUrl,
    userAgent: 'release-bot',
    log: silentLog,
    request: { fetch: jsonGuard(options.name, fetch, options.http?.maxAnswerBytes) },
  });

  async function response<T>(route: string, params: Params = {}) {
    try {
      const res = await octokit.request(route, params);
      return {
        status: res.status,
        headers: res.headers as Record<string, string | undefined>,
        data: res.data as T,
      };
    } catch (error) {
      throw toForgeError(error, options.name, route);
    }
  }

  const client: GithubClient = {
    forge: options.name,
    apiUrl,
    webUrl: options.url.replace(/\/+$/, ''),
    dryRun: options.dryRun,
    octokit,
    ...(options.http?.etags ? { cache: options.http.etags } : {}),
    write(what) {
      if (options.dryRun) throw new DryRunWriteError(`${what} on ${options.name}`);
    },
    async request<T>(route: string, params?: Params) {
      return (await response<T>(route, params)).data;
    },
    response,
    async find<T>(route: string, params?: Params, alsoNull?: (error: unknown) => boolean) {
      try {
        return await client.request<T>(route, params);
      } catch (error) {
        if (isStatus(error, 404) || alsoNull?.(error)) return null;
        throw error;
      }
    },
    async *pages<T>(route: string, params: Params = {}) {
      const iterator = octokit.paginate.iterator(route as string, params)[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<{ data: unknown }>;
        try {
          next = await iterator.next();
        } catch (error) {
          throw toForgeError(error, options.name, route);
        }
        if (next.done) return;
        yield next.value.data as T[];
      }
    },
    async paginate<T>(route: string, params: Params = {}, limit = Infinity) {
      const items: T[] = [];
      for await (const page of client.pages<T>(route, params)) {
        items.push(...page);
        if (items.length >= limit) break;
      }
      return items.slice(0, limit);
    },
    async graphql<T>(query: string, variables: Params) {
      try {
        return await octokit.graphql<T>(query, variables);
      } catch (error) {
        throw toForgeError(error, options.name, 'POST /graphql');
      }
    },
    repo(project) {
      const slash = project.indexOf('/');
      if (slash <= 0 || slash === project.length - 1 || project.indexOf('/', slash + 1) >= 0)
        throw new Error(`GitHub project must be "owner/repo", got "${project}"`);
      return { owner: project.slice(0, slash), repo: project.slice(slash + 1) };
    },
    uploadFetch(url) {
      const origin = new URL(url).origin;
      if (origin === new URL(uploadsUrl).origin) return uploadsFetch;
      if (origin === new URL(apiUrl).origin) return fetch;
      return undefined;
    },
  };
  return client;
}
