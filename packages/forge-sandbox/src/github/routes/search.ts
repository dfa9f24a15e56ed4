import type { SimProject } from '../../core/model.js';
import { accessLevel, ok, validationFailed, type Gh } from '../context.js';
import { paged, sortBy } from '../paging.js';
import { allItems, issueOrPullJson, itemFields } from './issues.js';

function tokens(q: string): string[] {
  return [...q.matchAll(/(?:[^\s"]+:)?"[^"]*"|\S+/g)].map((m) => m[0]);
}

const unquote = (s: string) => s.replace(/^"|"$/g, '');

/** GET /search/issues with the qualifiers jobs use: repo:, is:/type:, state:, label:, author:, in:, head:, base:. */
export function registerSearch(gh: Gh): void {
  gh.add(
    'GET',
    '/search/issues',
    (req) => {
      const q = req.query.get('q');
      if (!q) throw validationFailed({ resource: 'Search', field: 'q', code: 'missing' });
      const repos: string[] = [];
      const labels: string[] = [];
      const words: string[] = [];
      let kind: 'issue' | 'pr' | undefined;
      let state: 'open' | 'closed' | 'merged' | undefined;
      let author: string | undefined;
      let head: string | undefined;
      let base: string | undefined;
      let inTitle = false;
      let inBody = false;
      for (const token of tokens(q)) {
        const m = /^(-?)([a-z]+):(.+)$/.exec(token);
        const key = m?.[2];
        const value = m ? unquote(m[3]!) : unquote(token);
        if (!m) words.push(value.toLowerCase());
        else if (key === 'repo') repos.push(value.toLowerCase());
        else if ((key === 'is' || key === 'type') && (value === 'issue' || value === 'pr')) kind = value;
        else if (key === 'is' && value === 'pull-request') kind = 'pr';
        else if (
          (key === 'is' || key === 'state') &&
          (value === 'open' || value === 'closed' || value === 'merged')
        )
          state = value;
        else if (key === 'label') labels.push(value.toLowerCase());
        else if (key === 'author') author = value;
        else if (key === 'head') head = value;
        else if (key === 'base') base = value;
        else if (key === 'in') {
          inTitle ||= value.includes('title');
          inBody ||= value.includes('body');
        }
      }
      if (!inTitle && !inBody) inTitle = inBody = true;
      const projects = [...gh.world.projects.values()].filter(
        (p: SimProject) =>
          p.forge === 'github' &&
          accessLevel(gh, req.user, p) > 0 &&
          (repos.length === 0 || repos.includes(p.path.toLowerCase())),
      );
      const hits = projects.flatMap((project) =>
        allItems(gh, project)
          .filter((item) => {
            const f = itemFields(item);
            if (kind === 'issue' && item.kind !== 'issue') return false;
            if (kind === 'pr' && item.kind !== 'pull') return false;
            if (state === 'open' && !f.open) return false;
            if (state === 'closed' && f.open) return false;
            if (state === 'merged' && !f.merged) return false;
            if (!labels.every((l) => f.labels.some((x) => x.toLowerCase() === l))) return false;
            if (author && gh.world.users.get(f.authorId)?.username !== author) return false;
            if (head && (item.kind !== 'pull' || item.mr.sourceBranch !== head)) return false;
            if (base && (item.kind !== 'pull' || item.mr.targetBranch !== base)) return false;
            const text = `${inTitle ? f.title : ''}\n${inBody ? f.body : ''}`.toLowerCase();
            return words.every((w) => text.includes(w));
          })
          .map((item) => ({ project, item })),
      );
      const sort = req.query.get('sort');
      const order = (req.query.get('order') ?? 'desc') as 'asc' | 'desc';
      const sorted = sortBy(
        hits,
        (h) => (sort === 'updated' ? itemFields(h.item).updatedAt : itemFields(h.item).createdAt),
        order,
      );
      const page = paged(gh, req, sorted);
      return ok(
        {
          total_count: page.total,
          incomplete_results: false,
          items: page.items.map((h) => ({ ...issueOrPullJson(gh, h.project, h.item), score: 1 })),
          // Newer answers say which engine ran; the qualifiers the bot sends are lexical.
          search_type: 'lexical',
        },
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );
}
