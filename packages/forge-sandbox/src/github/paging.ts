import type { SimRequest } from '../core/server.js';
import type { Gh } from './context.js';

/**
 * GitHub offset pagination: `per_page` (default 30, at most 100) and `page`, with a `Link` header
 * like GitHub's: `next` and `last` on the first page, `prev`, `next`, `last`, `first` in the
 * middle, `prev` and `first` on the last page, and no header when everything fits on one page.
 * The links name the repository by id (`/repositories/{id}/...`), as GitHub's do.
 */

export function pageParams(req: SimRequest, defaultPerPage = 30): { page: number; perPage: number } {
  const rawPerPage = Number(req.query.get('per_page'));
  const perPage = Number.isInteger(rawPerPage) && rawPerPage > 0 ? Math.min(rawPerPage, 100) : defaultPerPage;
  const rawPage = Number(req.query.get('page'));
  const page = Number.isInteger(rawPage) && rawPage > 0 ? rawPage : 1;
  return { page, perPage };
}

export function linkHeader(gh: Gh, req: SimRequest, page: number, lastPage: number): string | undefined {
  if (lastPage <= 1 && page <= 1) return undefined;
  // Like GitHub, the links address the repository by id, not by name.
  const project = req.params.owner
    ? gh.world.findProject('github', `${req.params.owner}/${req.params.repo}`)
    : undefined;
  const path = project
    ? req.url.pathname.replace(/^\/repos\/[^/]+\/[^/]+\//, `/repositories/${project.id}/`)
    : req.url.pathname;
  const link = (p: number, rel: string) => {
    const url = new URL(path + req.url.search, gh.api());
    url.searchParams.set('page', String(p));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(link(Math.min(page - 1, lastPage), 'prev'));
  if (page < lastPage) parts.push(link(page + 1, 'next'), link(lastPage, 'last'));
  if (page > 1) parts.push(link(1, 'first'));
  return parts.join(', ');
}

export interface Page<T> {
  items: T[];
  total: number;
  headers: Record<string, string>;
}

export function paged<T>(gh: Gh, req: SimRequest, all: T[], defaultPerPage = 30): Page<T> {
  const { page, perPage } = pageParams(req, defaultPerPage);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const link = linkHeader(gh, req, page, lastPage);
  return {
    items: all.slice((page - 1) * perPage, page * perPage),
    total: all.length,
    headers: link ? { link } : {},
  };
}

/** Sort helper for `direction=asc|desc` on a key. */
export function sortBy<T>(items: T[], key: (item: T) => string | number, direction: 'asc' | 'desc'): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -sign : ka > kb ? sign : 0;
  });
}
