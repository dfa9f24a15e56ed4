import { ForgeError } from '../../errors.js';
import type { LabelApi } from '../types.js';
import type { GitlabClient } from './client.js';
import { toLabel } from './map.js';

type Json = Record<string, unknown>;

export function createLabelApi(client: GitlabClient): LabelApi {
  const { api } = client;

  return {
    /** Look first (labels usually exist after the first run); create when missing; a racing creator's 409 is fine. */
    async ensure(project, label) {
      client.write(`ensure label ${label.name} in ${project}`);
      const existing = await client.find(() => api.ProjectLabels.show(project, label.name));
      if (existing) return toLabel(existing as unknown as Json);
      try {
        const created = await api.ProjectLabels.create(project, label.name, label.color, {
          description: label.description,
        });
        return toLabel(created as unknown as Json);
      } catch (error) {
        if (!(error instanceof ForgeError) || error.status !== 409) throw error;
        return toLabel((await api.ProjectLabels.show(project, label.name)) as unknown as Json);
      }
    },

    /** The active milestone whose start and due dates contain today (UTC); the one ending first wins. */
    async currentMilestone(project) {
      const today = new Date().toISOString().slice(0, 10);
      const milestones = (await api.ProjectMilestones.all(project, {
        state: 'active',
        perPage: 100,
      } as never)) as unknown as Json[];
      const current = milestones
        .filter((m) => typeof m.start_date === 'string' && typeof m.due_date === 'string')
        .filter((m) => (m.start_date as string) <= today && today <= (m.due_date as string))
        .sort((a, b) => String(a.due_date).localeCompare(String(b.due_date)));
      return current[0] ? String(current[0].title) : null;
    },
  };
}
