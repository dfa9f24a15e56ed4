import { notFound, ok, repoOf, str, validationFailed, type Gh } from '../context.js';
import { paged } from '../paging.js';
import { createLabel, findLabel, labelJson } from '../serializers/issues.js';

const COLOR = /^[0-9a-fA-F]{6}$/;

/** Repository labels: list, get, create (422 already_exists), update, delete. */
export function registerLabels(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/labels',
    (req) => {
      const project = repoOf(gh, req);
      const labels = gh.world.labels.filter((l) => l.projectId === project.id).sort((a, b) => a.id - b.id);
      const page = paged(gh, req, labels);
      return ok(
        page.items.map((l) => labelJson(gh, project, l.name)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add(
    'GET',
    '/repos/:owner/:repo/labels/:name',
    (req) => {
      const project = repoOf(gh, req);
      const label = findLabel(gh, project, req.params.name!);
      if (!label) throw notFound();
      return ok(labelJson(gh, project, label.name));
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/labels', (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const name = str(req.body.name);
    if (!name) throw validationFailed({ resource: 'Label', code: 'missing_field', field: 'name' });
    const color = (str(req.body.color) ?? 'ededed').replace(/^#/, '');
    if (!COLOR.test(color)) throw validationFailed({ resource: 'Label', code: 'invalid', field: 'color' });
    if (findLabel(gh, project, name))
      throw validationFailed({ resource: 'Label', code: 'already_exists', field: 'name' });
    const label = createLabel(gh, project, name, color.toLowerCase(), str(req.body.description) ?? '');
    return ok(labelJson(gh, project, label.name), 201);
  });

  gh.add('PATCH', '/repos/:owner/:repo/labels/:name', (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const label = findLabel(gh, project, req.params.name!);
    if (!label) throw notFound();
    const color = str(req.body.color)?.replace(/^#/, '');
    if (color !== undefined && !COLOR.test(color))
      throw validationFailed({ resource: 'Label', code: 'invalid', field: 'color' });
    const newName = str(req.body.new_name);
    if (newName && newName.toLowerCase() !== label.name.toLowerCase() && findLabel(gh, project, newName))
      throw validationFailed({ resource: 'Label', code: 'already_exists', field: 'name' });
    if (newName) {
      for (const x of [...gh.world.issues, ...gh.world.mergeRequests])
        if (x.projectId === project.id) x.labels = x.labels.map((l) => (l === label.name ? newName : l));
      label.name = newName;
    }
    if (color) label.color = color.toLowerCase();
    if (str(req.body.description) !== undefined) label.description = str(req.body.description)!;
    return ok(labelJson(gh, project, label.name));
  });

  gh.add('DELETE', '/repos/:owner/:repo/labels/:name', (req) => {
    const project = repoOf(gh, req, 'push', 404);
    const label = findLabel(gh, project, req.params.name!);
    if (!label) throw notFound();
    gh.world.labels.splice(gh.world.labels.indexOf(label), 1);
    for (const x of [...gh.world.issues, ...gh.world.mergeRequests])
      if (x.projectId === project.id) x.labels = x.labels.filter((l) => l !== label.name);
    return { status: 204 };
  });
}
