import type { SimMilestone } from '../../core/model.js';
import { notFound, ok, repoOf, str, validationFailed, type Gh } from '../context.js';
import { paged, sortBy } from '../paging.js';
import { milestoneDueOn, milestoneJson } from '../serializers/issues.js';

function dueDate(value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) throw validationFailed({ resource: 'Milestone', code: 'invalid', field: 'due_on' });
  return new Date(ms).toISOString().slice(0, 10);
}

/** Milestones: list (state, sort by due_on), get, create, update. */
export function registerMilestones(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/milestones',
    (req) => {
      const project = repoOf(gh, req);
      const state = req.query.get('state') ?? 'open';
      const sort = req.query.get('sort') ?? 'due_on';
      const direction = (req.query.get('direction') ?? 'asc') as 'asc' | 'desc';
      const milestones = gh.world.milestones
        .filter((m) => m.projectId === project.id)
        .filter((m) => state === 'all' || (state === 'open') === (m.state !== 'closed'));
      // GitHub sorts milestones without a due date last when ascending.
      const key =
        sort === 'due_on'
          ? (m: SimMilestone) => `${milestoneDueOn(m) ?? '9999'}${String(m.iid).padStart(9, '0')}`
          : (m: SimMilestone) => m.iid;
      const page = paged(gh, req, sortBy(milestones, key, direction));
      return ok(
        page.items.map((m) => milestoneJson(gh, project, m)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/milestones/:number',
    (req) => {
      const project = repoOf(gh, req);
      const m = gh.world.milestones.find(
        (x) => x.projectId === project.id && x.iid === Number(req.params.number),
      );
      if (!m) throw notFound();
      return ok(milestoneJson(gh, project, m));
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/milestones', (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const title = str(req.body.title);
    if (!title) throw validationFailed({ resource: 'Milestone', code: 'missing_field', field: 'title' });
    if (gh.world.milestones.some((m) => m.projectId === project.id && m.title === title))
      throw validationFailed({ resource: 'Milestone', code: 'already_exists', field: 'title' });
    const iid =
      Math.max(0, ...gh.world.milestones.filter((m) => m.projectId === project.id).map((m) => m.iid)) + 1;
    const milestone: SimMilestone = {
      id: gh.world.nextId('milestone'),
      iid,
      projectId: project.id,
      title,
      description: str(req.body.description) ?? '',
      state: str(req.body.state) === 'closed' ? 'closed' : 'active',
      startDate: null,
      dueDate: dueDate(req.body.due_on) ?? null,
      createdAt: gh.world.nowIso(),
    };
    gh.world.milestones.push(milestone);
    return ok(milestoneJson(gh, project, milestone), 201);
  });

  gh.add('PATCH', '/repos/:owner/:repo/milestones/:number', (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const m = gh.world.milestones.find(
      (x) => x.projectId === project.id && x.iid === Number(req.params.number),
    );
    if (!m) throw notFound();
    if (str(req.body.title)) m.title = str(req.body.title)!;
    if (str(req.body.description) !== undefined) m.description = str(req.body.description)!;
    const state = str(req.body.state);
    if (state === 'open' || state === 'closed') m.state = state === 'open' ? 'active' : 'closed';
    const due = dueDate(req.body.due_on);
    if (due !== undefined) m.dueDate = due;
    return ok(milestoneJson(gh, project, m));
  });
}
