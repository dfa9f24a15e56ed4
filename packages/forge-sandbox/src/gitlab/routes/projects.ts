import { accessLevel, loadProject, P, type Gitlab } from '../context.js';
import { projectEntity } from '../serializers/project.js';

export function registerProjects(gl: Gitlab): void {
  gl.add('GET', P, (req) => {
    const project = loadProject(gl, req);
    return { body: projectEntity(gl, project, accessLevel(gl, req, project)) };
  });
}
