import type { SimProject, SimUser } from '../core/model.js';
import type { Handler, RouteOptions, SimRequest, SimResponse, View } from '../core/server.js';
import type { ViewContext } from '../core/view-context.js';
import { ACCESS, SimError } from '../core/world.js';
import { errorBody } from './error-body.js';
import { throttled } from './rate-limit.js';
import { githubState, type GithubState } from './state.js';

export { errorBody };

/** An answer in GitHub's error shape; `Gh.add` turns it into the response. */
export class GhError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function notFound(message = 'Not Found'): GhError {
  return new GhError(404, message);
}

/** 422 `{"message":"Validation Failed","errors":[{resource, code, field}]}`. */
export function validationFailed(...errors: Record<string, unknown>[]): GhError {
  return new GhError(422, 'Validation Failed', { errors });
}

export function unprocessable(message: string): GhError {
  return new GhError(422, message);
}

/** What the route modules share: the world, GitHub-only state, URLs and a route registrar. */
export interface Gh extends ViewContext {
  state: GithubState;
  /** Register a route; GhError thrown by the handler becomes GitHub's error body. */
  add(method: string, template: string, handler: Handler, options?: RouteOptions): void;
  /** API base (the listener's origin, like https://api.github.com). */
  api(): string;
  /** Web base for html_url (the same listener; GitHub's is https://github.com). */
  web(): string;
}

const REPO_PREFIX = '/repos/:owner/:repo/';

export function createGh(view: View, ctx: ViewContext): Gh {
  const gh: Gh = {
    ...ctx,
    state: githubState(ctx.world),
    add(method, template, handler, options) {
      const wrapped: Handler = async (req) => {
        try {
          return throttled(gh, req) ?? (await handler(req));
        } catch (error) {
          if (error instanceof GhError)
            return { status: error.status, body: errorBody(error.status, error.message, error.extra) };
          throw error;
        }
      };
      view.add(method, template, wrapped, options);
      // GitHub's pagination links name the repository by id (`/repositories/1296269/issues?page=2`);
      // those URLs answer like the `/repos/{owner}/{repo}` ones.
      if (method === 'GET' && template.startsWith(REPO_PREFIX))
        view.add(
          method,
          `/repositories/:repository_id/${template.slice(REPO_PREFIX.length)}`,
          (req) => {
            const project = ctx.world.projects.get(Number(req.params.repository_id));
            if (!project || project.forge !== 'github') throw new SimError(404, 'Not Found', 'unknown_route');
            return wrapped({
              ...req,
              params: { ...req.params, owner: project.namespace, repo: project.name },
            });
          },
          options,
        );
    },
    api: () => ctx.world.webUrl.github,
    web: () => ctx.world.webUrl.github,
  };
  return gh;
}

export type Permission = 'pull' | 'triage' | 'push' | 'maintain' | 'admin';

const LEVELS: Record<Permission, number> = {
  pull: ACCESS.guest,
  triage: ACCESS.reporter,
  push: ACCESS.developer,
  maintain: ACCESS.maintainer,
  admin: ACCESS.owner,
};

export function accessLevel(gh: Gh, user: SimUser | null, project: SimProject): number {
  if (!user) return project.visibility === 'public' ? ACCESS.guest : 0;
  return gh.world.accessLevel(user, project);
}

export function permissions(level: number): Record<Permission, boolean> {
  return {
    admin: level >= LEVELS.admin,
    maintain: level >= LEVELS.maintain,
    push: level >= LEVELS.push,
    triage: level >= LEVELS.triage,
    pull: level >= LEVELS.pull,
  };
}

/**
 * The repository of `/repos/:owner/:repo/...`, checked like GitHub does: a repository the caller
 * cannot see is 404 (never 403, so private names do not leak); a write needs a token; missing
 * rights answer 404 (`deny: 404`, the Git data and contents APIs) or 403.
 */
export function repoOf(
  gh: Gh,
  req: SimRequest,
  need: Permission = 'pull',
  deny: 403 | 404 = 404,
): SimProject {
  const project = gh.world.findProject('github', `${req.params.owner}/${req.params.repo}`);
  if (!project) throw notFound();
  const level = accessLevel(gh, req.user, project);
  if (level < ACCESS.guest) throw notFound();
  if (req.method !== 'GET' && !req.user) throw new GhError(401, 'Requires authentication');
  if (level < LEVELS[need]) {
    if (deny === 404) throw notFound();
    throw new GhError(
      403,
      need === 'admin' ? 'Must have admin rights to Repository.' : `Must have ${need} access to repository`,
    );
  }
  if (project.archived && req.method !== 'GET')
    throw new GhError(403, 'Repository was archived so is read-only.');
  return project;
}

export function requireUser(req: SimRequest): SimUser {
  if (!req.user) throw new GhError(401, 'Requires authentication');
  return req.user;
}

/** GitHub timestamps: ISO 8601 in UTC without milliseconds. */
export function ghTime(iso: string): string;
export function ghTime(iso: string | null): string | null;
export function ghTime(iso: string | null): string | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function nodeId(kind: string, id: number | string): string {
  return `${kind}_${Buffer.from(`sim:${kind}:${id}`).toString('base64url')}`;
}

export function parseNodeId(id: string): { kind: string; id: string } | null {
  const m = /^([A-Za-z]+)_(.+)$/.exec(id);
  if (!m) return null;
  const decoded = Buffer.from(m[2]!, 'base64url').toString('utf8');
  const parts = decoded.split(':');
  if (parts[0] !== 'sim' || parts[1] !== m[1] || parts.length < 3) return null;
  return { kind: m[1]!, id: parts.slice(2).join(':') };
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

export function strList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((v) =>
    typeof v === 'string' ? v : typeof v === 'object' && v && 'name' in v ? String(v.name) : String(v),
  );
}

/** A required string body field, or 422 `missing_field`. */
export function requiredString(body: Record<string, unknown>, field: string, resource: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0)
    throw validationFailed({ resource, code: 'missing_field', field });
  return value;
}

/** Convert a SimError from a world operation into the GitHub answer that route expects. */
export function rethrow(error: unknown, map: (e: SimError) => GhError | undefined): never {
  if (error instanceof SimError) {
    const mapped = map(error);
    if (mapped) throw mapped;
  }
  throw error;
}

export function ok(body: unknown, status = 200, headers?: Record<string, string>): SimResponse {
  return { status, body, ...(headers ? { headers } : {}) };
}
