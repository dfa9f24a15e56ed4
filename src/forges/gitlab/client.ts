import { Gitlab } from '@gitbeaker/rest';
import { DryRunWriteError, type ForgeError } from '../../errors.js';
import { registerSecret } from '../../secrets/masker.js';
import type { ForgeAdapterOptions } from '../adapter-options.js';
import { createForgeFetch } from '../http.js';
import { errorFromResponse, isAbsent } from './errors.js';
import { createGitlabRequester } from './requester.js';

export type GitlabApi = InstanceType<typeof Gitlab<false>>;

/** What every capability file of the GitLab adapter shares. */
export interface GitlabClient {
  readonly forge: string;
  /** `https://gitlab.example.com/api/v4` */
  readonly apiUrl: string;
  /** `https://gitlab.example.com` */
  readonly webUrl: string;
  readonly dryRun: boolean;
  readonly token: string;
  readonly api: GitlabApi;
  /** Our HTTP path, for the requests gitbeaker cannot stream (package upload/download). */
  readonly fetch: typeof fetch;
  readonly options: ForgeAdapterOptions;
  /** Refuse a write in dry-run, before any request. */
  write(what: string): void;
  /** A single lookup: "absent" 404s → null. */
  find<T>(lookup: () => Promise<T>): Promise<T | null>;
  /** The token owner's id (cached). */
  userId(): Promise<number>;
  /** `<api>/projects/<encoded id>/<segments...>` with each segment URL-encoded. */
  projectUrl(project: string, ...segments: string[]): URL;
  /** A non-2xx answer from `fetch` → ForgeError. */
  fail(method: string, url: URL, response: Response): Promise<ForgeError>;
}

/** gitlab.com → `https://gitlab.com/api/v4`; an explicit apiUrl wins. */
export function gitlabApiUrl(options: Pick<ForgeAdapterOptions, 'url' | 'apiUrl'>): string {
  return (options.apiUrl ?? `${options.url.replace(/\/+$/, '')}/api/v4`).replace(/\/+$/, '');
}

export function createGitlabClient(options: ForgeAdapterOptions): GitlabClient {
  registerSecret(options.token);
  const apiUrl = gitlabApiUrl(options);
  const webUrl = options.url.replace(/\/+$/, '');
  const forgeFetch = createForgeFetch({
    ...options.http,
    forge: options.name,
    baseUrl: apiUrl,
    authHeaders: { 'private-token': options.token },
    dryRun: options.dryRun,
  });
  // No token here: our fetch adds it, and only for the forge's own origin.
  const api = new Gitlab({
    host: apiUrl.replace(/\/api\/v4$/, ''),
    requesterFn: createGitlabRequester(options.name, forgeFetch, options.http?.maxAnswerBytes),
    queryTimeout: null,
  });
  let me: Promise<number> | undefined;

  const client: GitlabClient = {
    forge: options.name,
    apiUrl,
    webUrl,
    dryRun: options.dryRun,
    token: options.token,
    api,
    fetch: forgeFetch,
    options,
    write(what) {
      if (options.dryRun) throw new DryRunWriteError(`${what} on ${options.name}`);
    },
    async find(lookup) {
      try {
        return await lookup();
      } catch (error) {
        if (isAbsent(error)) return null;
        throw error;
      }
    },
    userId() {
      me ??= api.Users.showCurrentUser().then((u) => u.id);
      me.catch(() => (me = undefined));
      return me;
    },
    projectUrl(project, ...segments) {
      return new URL(
        `${apiUrl}/projects/${[project, ...segments].map((s) => encodeURIComponent(s)).join('/')}`,
      );
    },
    fail(method, url, response) {
      return errorFromResponse(options.name, method, url, response);
    },
  };
  return client;
}
