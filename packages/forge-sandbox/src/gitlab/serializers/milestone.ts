import type { SimMilestone } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { projectUrl } from './project.js';

export function milestoneEntity(gl: Gitlab, m: SimMilestone): Record<string, unknown> {
  const project = gl.world.projects.get(m.projectId)!;
  const today = gl.world.nowIso().slice(0, 10);
  return {
    id: m.id,
    iid: m.iid,
    project_id: m.projectId,
    title: m.title,
    description: m.description,
    state: m.state,
    created_at: m.createdAt,
    updated_at: m.createdAt,
    due_date: m.dueDate,
    start_date: m.startDate,
    expired: m.dueDate !== null && m.dueDate < today,
    web_url: `${projectUrl(gl, project)}/-/milestones/${m.iid}`,
  };
}

export function milestoneById(gl: Gitlab, id: number | null): Record<string, unknown> | null {
  if (id === null) return null;
  const m = gl.world.milestones.find((x) => x.id === id);
  return m ? milestoneEntity(gl, m) : null;
}
