import { ForgeError } from '../../errors.js';
import type { GithubClient } from './client.js';
import type { GhMilestone } from './wire.js';

/** A milestone title → its number (GitHub takes numbers), or a ForgeError naming it. */
export async function milestoneNumber(gh: GithubClient, project: string, title: string): Promise<number> {
  const milestones = await gh.paginate<GhMilestone>('GET /repos/{owner}/{repo}/milestones', {
    ...gh.repo(project),
    state: 'all',
    per_page: 100,
  });
  const found = milestones.find((m) => m.title === title);
  if (!found) throw new ForgeError(`${gh.forge}: no milestone "${title}" in ${project}`, 404, gh.forge);
  return found.number;
}
