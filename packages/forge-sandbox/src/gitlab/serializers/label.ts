import type { SimLabel } from '../../core/model.js';
import type { Gitlab } from '../context.js';

/** Text colour GitLab picks for a label background. */
function textColor(color: string): string {
  const hex = color.replace('#', '');
  if (!/^[0-9a-f]{6}$/i.test(hex)) return '#FFFFFF';
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return r! * 0.299 + g! * 0.587 + b! * 0.114 > 186 ? '#1F1E24' : '#FFFFFF';
}

export function labelEntity(gl: Gitlab, label: SimLabel): Record<string, unknown> {
  const count = (items: { projectId: number; labels: string[]; state: string }[], state: string) =>
    items.filter((i) => i.projectId === label.projectId && i.state === state && i.labels.includes(label.name))
      .length;
  return {
    id: label.id,
    name: label.name,
    color: label.color,
    text_color: textColor(label.color),
    description: label.description || null,
    description_html: label.description,
    open_issues_count: count(gl.world.issues, 'opened'),
    closed_issues_count: count(gl.world.issues, 'closed'),
    open_merge_requests_count: count(gl.world.mergeRequests, 'opened'),
    subscribed: false,
    priority: null,
    is_project_label: true,
    archived: false,
  };
}
