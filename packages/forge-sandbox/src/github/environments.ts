import type { SimEnvironment, SimProject } from '../core/model.js';
import type { Gh } from './context.js';

/** The environment of that name, created on first use (as a deployment or a job creates it on GitHub). */
export function environmentNamed(gh: Gh, project: SimProject, name: string): SimEnvironment {
  let env = gh.world.environments.find((e) => e.projectId === project.id && e.name === name);
  if (!env) {
    env = {
      id: gh.world.nextId('environment'),
      projectId: project.id,
      name,
      externalUrl: null,
      state: 'available',
      createdAt: gh.world.nowIso(),
    };
    gh.world.environments.push(env);
  }
  return env;
}
