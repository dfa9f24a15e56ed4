import type { CiEngine } from '../core/ci.js';
import type { SimProject, SimUser } from '../core/model.js';
import {
  linkHeader,
  paginate,
  type Handler,
  type RouteOptions,
  type SimRequest,
  type View,
} from '../core/server.js';
import { ACCESS, type World } from '../core/world.js';
import { forbidden, insufficientScope, notFound } from './errors.js';
import { gitlabBehaviour, type GitlabBehaviour } from './version.js';

/** What every GitLab route file gets: the world, CI, and a route registrar that enforces token scopes. */
export interface Gitlab {
  world: World;
  ci: CiEngine;
  /** Answers that differ by GitLab version. */
  behaviour: GitlabBehaviour;
  /** MR lists show the last mergeability check (GitLab's `merge_status` column), not a fresh one. */
  lazyMergeability: boolean;
  /** Web origin of the GitLab listener (links, web_url). */
  web(): string;
  add(method: string, template: string, handler: Handler, options?: RouteOptions): void;
}

export const API = '/api/v4';
const MAX_COUNTED_ROWS = 10_000;
export const P = `${API}/projects/:id`;

const READ_METHODS = new Set(['GET', 'HEAD']);

export function createGitlab(
  view: View,
  world: World,
  ci: CiEngine,
  options: { version?: number | string; lazyMergeability?: boolean } = {},
): Gitlab {
  return {
    world,
    ci,
    behaviour: gitlabBehaviour(options.version ?? 18),
    lazyMergeability: options.lazyMergeability ?? false,
    web: () => world.webUrl.gitlab,
    add(method, template, handler, options) {
      view.add(
        method,
        template,
        (req) => {
          // Git smart HTTP checks repository scopes itself.
          if (template.startsWith(API)) checkScope(req);
          return handler(req);
        },
        options,
      );
    },
  };
}

/** A `read_api` token may only read; a token with neither `api` nor `read_api` reaches nothing. */
function checkScope(req: SimRequest): void {
  if (!req.token) return;
  const scopes = req.token.scopes;
  if (scopes.includes('api')) return;
  if (READ_METHODS.has(req.method) && scopes.includes('read_api')) return;
  throw insufficientScope('api');
}

export function currentUser(req: SimRequest): SimUser {
  // Routes are authenticated by the server; anonymous ones check for themselves.
  return req.user!;
}

/**
 * The project named by `:id` (numeric id or URL-encoded path). A project the user cannot see
 * is "404 Project Not Found", exactly like a missing one; too low an access level is 403.
 */
export function loadProject(gl: Gitlab, req: SimRequest, minLevel: number = ACCESS.guest): SimProject {
  const project = gl.world.findProject('gitlab', req.params.id ?? '');
  const level = project && req.user ? gl.world.accessLevel(req.user, project) : 0;
  if (!project || level === 0) throw notFound('Project');
  if (level < minLevel) throw forbidden();
  return project;
}

export function accessLevel(gl: Gitlab, req: SimRequest, project: SimProject): number {
  return req.user ? gl.world.accessLevel(req.user, project) : 0;
}

/** Protection rule for a branch: exact name first, then wildcard rules (`release/*`). */
export function protectionFor(
  project: SimProject,
  branch: string,
): { name: string; pushAccessLevel: number; allowForcePush: boolean } | undefined {
  const exact = project.protectedBranches.get(branch);
  if (exact) return { name: branch, ...exact };
  for (const [name, rule] of project.protectedBranches) {
    if (!name.includes('*')) continue;
    const pattern = new RegExp(`^${name.split('*').map(escapeRegExp).join('.*')}$`);
    if (pattern.test(branch)) return { name, ...rule };
  }
  return undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function canPush(gl: Gitlab, user: SimUser, project: SimProject, branch: string): boolean {
  const level = gl.world.accessLevel(user, project);
  if (level < ACCESS.developer) return false;
  const rule = protectionFor(project, branch);
  if (!rule) return true;
  // Access level 0 is "No one"; admins are not exempt on GitLab either.
  return rule.pushAccessLevel > 0 && level >= rule.pushAccessLevel;
}

/**
 * Offset pagination with GitLab's headers: `x-page`, `x-per-page`, `x-next-page` and
 * `x-prev-page` (empty strings at the edges), `x-total`, `x-total-pages`, and a `link` header
 * carrying every original query parameter (gitbeaker follows `rel="next"` by its query string).
 */
export function page<T>(
  gl: Gitlab,
  req: SimRequest,
  items: T[],
): { items: T[]; headers: Record<string, string> } {
  const p = paginate(items, req.query, { defaultPerPage: 20, maxPerPage: 100 });
  const url = new URL(req.url.pathname + req.url.search, gl.web());
  url.searchParams.set('per_page', String(p.perPage));
  url.searchParams.set('page', String(p.page));
  // Over 10,000 rows GitLab leaves out the counts and the `last` link (docs api/rest/_index.md,
  // "Pagination response headers"; Gitlab::Pagination::OffsetHeaderBuilder): clients must follow
  // `next`, never compute pages from a total.
  const counted = p.total <= MAX_COUNTED_ROWS;
  const headers: Record<string, string> = {
    link: linkHeader(url, gl.web(), p.page, p.totalPages, counted),
    'x-page': String(p.page),
    'x-per-page': String(p.perPage),
    'x-next-page': p.page < p.totalPages ? String(p.page + 1) : '',
    'x-prev-page': p.page > 1 && p.page <= p.totalPages ? String(p.page - 1) : '',
    ...(counted ? { 'x-total': String(p.total), 'x-total-pages': String(p.totalPages) } : {}),
  };
  return { items: p.items, headers };
}

/** Sort helper: `sort` is asc|desc, default `fallback`. */
export function sortBy<T>(items: T[], key: (item: T) => string | number, direction: 'asc' | 'desc'): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -sign : ka > kb ? sign : 0;
  });
}
