import type { SimLabel, SimProject } from '../../core/model.js';
import { ACCESS } from '../../core/world.js';
import { loadProject, P, page, type Gitlab } from '../context.js';
import { apiError, notFound, validation } from '../errors.js';
import { required, str } from '../params.js';
import { labelEntity } from '../serializers/label.js';

const NAMED_COLORS = new Set([
  'red',
  'green',
  'blue',
  'yellow',
  'orange',
  'purple',
  'black',
  'white',
  'gray',
  'grey',
  'pink',
  'brown',
  'cyan',
  'magenta',
  'crimson',
  'teal',
  'navy',
  'olive',
  'maroon',
  'lime',
  'silver',
  'gold',
  'indigo',
]);

function validColor(color: string): boolean {
  return /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color) || NAMED_COLORS.has(color.toLowerCase());
}

function findLabel(gl: Gitlab, project: SimProject, idOrName: string | undefined): SimLabel {
  const label = gl.world.labels.find(
    (l) => l.projectId === project.id && (String(l.id) === idOrName || l.name === idOrName),
  );
  if (!label) throw notFound('Label');
  return label;
}

export function registerLabels(gl: Gitlab): void {
  gl.add('GET', `${P}/labels`, (req) => {
    const project = loadProject(gl, req);
    const search = str(req, 'search')?.toLowerCase();
    const labels = gl.world.labels
      .filter((l) => l.projectId === project.id && (!search || l.name.toLowerCase().includes(search)))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { items, headers } = page(gl, req, labels);
    return { body: items.map((l) => labelEntity(gl, l)), headers };
  });

  gl.add('GET', `${P}/labels/:label_id`, (req) => {
    const project = loadProject(gl, req);
    return { body: labelEntity(gl, findLabel(gl, project, req.params.label_id)) };
  });

  gl.add('POST', `${P}/labels`, (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const [name, color] = required(req, 'name', 'color');
    if (!validColor(color!)) throw validation({ color: ['must be a valid color code'] });
    if (gl.world.labels.some((l) => l.projectId === project.id && l.name === name))
      throw apiError(409, 'Label already exists');
    const label: SimLabel = {
      id: gl.world.nextId('label'),
      projectId: project.id,
      name: name!,
      color: color!,
      description: str(req, 'description') ?? '',
    };
    gl.world.labels.push(label);
    return { status: 201, body: labelEntity(gl, label) };
  });

  gl.add('PUT', `${P}/labels/:label_id`, (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const label = findLabel(gl, project, req.params.label_id);
    const color = str(req, 'color');
    if (color !== undefined && !validColor(color))
      throw validation({ color: ['must be a valid color code'] });
    const newName = str(req, 'new_name');
    if (newName !== undefined) label.name = newName;
    if (color !== undefined) label.color = color;
    const description = str(req, 'description');
    if (description !== undefined) label.description = description;
    return { body: labelEntity(gl, label) };
  });

  gl.add('DELETE', `${P}/labels/:label_id`, (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const label = findLabel(gl, project, req.params.label_id);
    gl.world.labels.splice(gl.world.labels.indexOf(label), 1);
    return { status: 204 };
  });
}
