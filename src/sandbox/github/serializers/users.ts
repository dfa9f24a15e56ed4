import type { SimProject, SimUser } from '../../core/model.js';
import { nodeId, type Gh } from '../context.js';

/** GitHub's "simple user" for a sim user. */
export function simpleUser(gh: Gh, user: SimUser): Record<string, unknown> {
  const api = gh.api();
  return {
    login: user.username,
    id: user.id,
    node_id: nodeId('U', user.id),
    avatar_url: `${gh.web()}/avatars/u/${user.id}`,
    gravatar_id: '',
    url: `${api}/users/${user.username}`,
    html_url: `${gh.web()}/${user.username}`,
    type: user.bot ? 'Bot' : 'User',
    site_admin: user.admin,
    user_view_type: 'public',
  };
}

export function userJson(gh: Gh, id: number | null | undefined): Record<string, unknown> | null {
  if (id === null || id === undefined) return null;
  const user = gh.world.users.get(id);
  return user ? simpleUser(gh, user) : null;
}

export function userByEmail(gh: Gh, email: string): SimUser | undefined {
  for (const u of gh.world.users.values()) if (u.email.toLowerCase() === email.toLowerCase()) return u;
  return undefined;
}

/** The owner of a repository: the user of that name, or an organisation. */
export function ownerJson(gh: Gh, project: SimProject): Record<string, unknown> {
  const login = project.namespace;
  const user = gh.world.userByName(login);
  if (user) return simpleUser(gh, user);
  let id = gh.state.orgIds.get(login);
  if (id === undefined) {
    id = gh.world.nextId('org');
    gh.state.orgIds.set(login, id);
  }
  return {
    login,
    id,
    node_id: nodeId('O', id),
    avatar_url: `${gh.web()}/avatars/u/${id}`,
    gravatar_id: '',
    url: `${gh.api()}/users/${login}`,
    html_url: `${gh.web()}/${login}`,
    type: 'Organization',
    site_admin: false,
    user_view_type: 'public',
  };
}

/** `author_association` of a user on a repository. */
export function association(gh: Gh, project: SimProject, userId: number): string {
  const user = gh.world.users.get(userId);
  if (user && user.username === project.namespace) return 'OWNER';
  if (project.members.has(userId)) return 'COLLABORATOR';
  return 'NONE';
}
