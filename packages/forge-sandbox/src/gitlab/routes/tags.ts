import type { SimProject } from '../../core/model.js';
import { ACCESS, SimError } from '../../core/world.js';
import { currentUser, loadProject, P, page, type Gitlab } from '../context.js';
import { apiError, notFound } from '../errors.js';
import { required, str } from '../params.js';
import { commitBasic } from '../serializers/commit.js';

async function tagEntity(gl: Gitlab, project: SimProject, name: string, sha: string) {
  const commit = (await project.repo.getCommit(sha))!;
  return {
    name,
    message: '',
    target: sha,
    commit: commitBasic(gl, project, commit),
    release: null,
    protected: false,
    created_at: null,
  };
}

export function registerTags(gl: Gitlab): void {
  gl.add('GET', `${P}/repository/tags`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const search = str(req, 'search');
    let tags = await project.repo.listTags();
    if (search) tags = tags.filter((t) => t.name.includes(search.replace(/^\^|\$$/g, '')));
    tags.sort((a, b) => b.name.localeCompare(a.name));
    const { items, headers } = page(gl, req, tags);
    const body = [];
    for (const t of items) body.push(await tagEntity(gl, project, t.name, t.sha));
    return { body, headers };
  });

  gl.add('GET', `${P}/repository/tags/:tag`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const tag = (await project.repo.listTags()).find((t) => t.name === req.params.tag);
    if (!tag) throw notFound('Tag');
    return { body: await tagEntity(gl, project, tag.name, tag.sha) };
  });

  gl.add('POST', `${P}/repository/tags`, async (req) => {
    const project = loadProject(gl, req, ACCESS.developer);
    const [name, ref] = required(req, 'tag_name', 'ref');
    if ((await project.repo.listTags()).some((t) => t.name === name))
      throw apiError(400, `Tag ${name} already exists`);
    if (!(await project.repo.resolve(ref!))) throw apiError(400, 'Target ' + ref + ' is invalid');
    try {
      // A tag push: CI runs a tag pipeline for it, as on GitLab.
      const sha = await gl.world.createTag(project, name!, ref!, currentUser(req).id);
      return { status: 201, body: await tagEntity(gl, project, name!, sha) };
    } catch (error) {
      if (error instanceof SimError) throw apiError(error.status, error.message);
      throw error;
    }
  });
}
