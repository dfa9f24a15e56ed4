import type { Label, LabelApi } from '../types.js';
import type { GithubClient } from './client.js';
import { isStatus } from './errors.js';
import type { GhLabel, GhMilestone } from './wire.js';

function toLabel(l: GhLabel): Label {
  return { name: l.name, color: `#${l.color}`, description: l.description ?? '' };
}

export function createLabelApi(gh: GithubClient): LabelApi {
  const getLabel = (project: string, name: string) =>
    gh.find<GhLabel>('GET /repos/{owner}/{repo}/labels/{name}', { ...gh.repo(project), name });

  return {
    async ensure(project, label) {
      gh.write(`ensure label ${label.name}`);
      const existing = await getLabel(project, label.name);
      if (existing) return toLabel(existing);
      try {
        const created = await gh.request<GhLabel>('POST /repos/{owner}/{repo}/labels', {
          ...gh.repo(project),
          name: label.name,
          color: label.color.replace(/^#/, ''),
          description: label.description ?? '',
        });
        return toLabel(created);
      } catch (error) {
        // Someone created it in between: fine, it exists now.
        if (isStatus(error, 422)) {
          const raced = await getLabel(project, label.name);
          if (raced) return toLabel(raced);
        }
        throw error;
      }
    },

    /** The open milestone due next (due today or later), nearest first. */
    async currentMilestone(project) {
      const milestones = await gh.paginate<GhMilestone>('GET /repos/{owner}/{repo}/milestones', {
        ...gh.repo(project),
        state: 'open',
        sort: 'due_on',
        direction: 'asc',
        per_page: 100,
      });
      const today = new Date();
      const startOfDay = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
      const current = milestones
        .filter((m) => m.due_on && Date.parse(m.due_on) >= startOfDay)
        .sort((a, b) => Date.parse(a.due_on!) - Date.parse(b.due_on!))[0];
      return current?.title ?? null;
    },
  };
}
