import type { SimProject, SimUser } from '../../core/model.js';
import { nodeId, type Gh } from '../context.js';

/** GitHub's "simple user" for an account (user, bot or organisation); every field is required. */
export function account(
  gh: Gh,
  login: string,
  id: number,
  node: string,
  type: string,
  admin: boolean,
): Record<string, unknown> {
  const url = `${gh.api()}/users/${login}`;
  return {
    login,
    id,
    node_id: node,
    avatar_url: `${gh.web()}/avatars/u/${id}`,
    gravatar_id: '',
    url,
    html_url: `${gh.web()}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: admin,
  };
}

/** GitHub's "simple user" for a sim user. */
export function simpleUser(gh: Gh, user: SimUser): Record<string, unknown> {
  return account(gh, user.username, user.id, nodeId('U', user.id), user.bot ? 'Bot' : 'User', user.admin);
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
  return account(gh, login, id, nodeId('O', id), 'Organization', false);
}

/** `author_association` of a user on a repository. */
export function association(gh: Gh, project: SimProject, userId: number): string {
  const user = gh.world.users.get(userId);
  if (user && user.username === project.namespace) return 'OWNER';
  if (project.members.has(userId)) return 'COLLABORATOR';
  return 'NONE';
}
