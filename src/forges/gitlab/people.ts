import { ForgeError } from '../../errors.js';
import type { GitlabClient } from './client.js';

/** Usernames → user ids (GitLab's MR and issue APIs take ids); an unknown name is an error. */
export async function resolveUsers(
  client: GitlabClient,
  usernames: string[] | undefined,
): Promise<number[] | undefined> {
  if (!usernames?.length) return undefined;
  const ids: number[] = [];
  for (const username of usernames) {
    const [user] = (await client.api.Users.all({ username } as never)) as unknown as { id: number }[];
    if (!user)
      throw new ForgeError(`${client.forge}: no user named ${username}`, 404, client.forge, 'GET /users');
    ids.push(user.id);
  }
  return ids;
}

/** Milestone title → id, among the project's active milestones. */
export async function resolveMilestone(
  client: GitlabClient,
  project: string,
  title: string | undefined,
): Promise<number | undefined> {
  if (!title) return undefined;
  const [milestone] = (await client.api.ProjectMilestones.all(project, {
    title,
    state: 'active',
  } as never)) as unknown as {
    id: number;
  }[];
  if (!milestone)
    throw new ForgeError(`${client.forge}: no active milestone "${title}" in ${project}`, 404, client.forge);
  return milestone.id;
}
