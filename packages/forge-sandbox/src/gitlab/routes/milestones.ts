import type { SimMilestone, SimProject } from '../../core/model.js';
import { ACCESS } from '../../core/world.js';
import { loadProject, P, page, type Gitlab } from '../context.js';
import { notFound, validation } from '../errors.js';
import { intList, oneOf, required, str } from '../params.js';
import { milestoneEntity } from '../serializers/milestone.js';

function findMilestone(gl: Gitlab, project: SimProject, id: string | undefined): SimMilestone {
  const m = gl.world.milestones.find((x) => x.projectId === project.id && x.id === Number(id));
  if (!m) throw notFound('Milestone');
  return m;
}

function isoDate(value: string | undefined, field: string): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw validation({ [field]: ['is invalid'] });
  return value;
}

export function registerMilestones(gl: Gitlab): void {
  gl.add('GET', `${P}/milestones`, (req) => {
    const project = loadProject(gl, req);
    const state = oneOf(req, 'state', ['active', 'closed'] as const);
    const title = str(req, 'title');
    const search = str(req, 'search')?.toLowerCase();
    const iids = intList(req, 'iids');
    const milestones = gl.world.milestones
      .filter(
        (m) =>
          m.projectId === project.id &&
          (!state || m.state === state) &&
          (!title || m.title === title) &&
          (!search ||
            m.title.toLowerCase().includes(search) ||
            m.description.toLowerCase().includes(search)) &&
          (!iids || iids.includes(m.iid)),
      )
      .sort((a, b) => b.id - a.id);
    const { items, headers } = page(gl, req, milestones);
    return { body: items.map((m) => milestoneEntity(gl, m)), headers };
  });

  gl.add('GET', `${P}/milestones/:milestone_id`, (req) => {
    const project = loadProject(gl, req);
    return { body: milestoneEntity(gl, findMilestone(gl, project, req.params.milestone_id)) };
  });

  gl.add('POST', `${P}/milestones`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const [title] = required(req, 'title');
    if (gl.world.milestones.some((m) => m.projectId === project.id && m.title === title))
      throw validation({ title: ['already being used for another group or project milestone.'] });
    const milestone: SimMilestone = {
      id: gl.world.nextId('milestone'),
      iid: gl.world.milestones.filter((m) => m.projectId === project.id).length + 1,
      projectId: project.id,
      title: title!,
      description: str(req, 'description') ?? '',
      state: 'active',
      startDate: isoDate(str(req, 'start_date'), 'start_date') ?? null,
      dueDate: isoDate(str(req, 'due_date'), 'due_date') ?? null,
      createdAt: gl.world.nowIso(),
    };
    gl.world.milestones.push(milestone);
    return { status: 201, body: milestoneEntity(gl, milestone) };
  });

  gl.add('PUT', `${P}/milestones/:milestone_id`, (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const m = findMilestone(gl, project, req.params.milestone_id);
    const title = str(req, 'title');
    if (title !== undefined) m.title = title;
    const description = str(req, 'description');
    if (description !== undefined) m.description = description;
    const start = isoDate(str(req, 'start_date'), 'start_date');
    if (start !== undefined) m.startDate = start;
    const due = isoDate(str(req, 'due_date'), 'due_date');
    if (due !== undefined) m.dueDate = due;
    const event = oneOf(req, 'state_event', ['close', 'activate'] as const);
    if (event) m.state = event === 'close' ? 'closed' : 'active';
    return { body: milestoneEntity(gl, m) };
  });
}
