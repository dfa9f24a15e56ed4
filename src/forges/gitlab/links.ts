import type { ForgeError } from '../../errors.js';
import type { ForgeCapabilities, ForgeLinks, RefusedPush } from '../links.js';

const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

export function gitlabLinks(webUrl: string): ForgeLinks {
  const base = webUrl.replace(/\/+$/, '');
  return {
    product: 'GitLab',
    changeRequestNoun: 'MR',
    changeRequestSigil: '!',
    changeRequestRef: (iid) => `!${iid}`,
    noteUrl: (parentUrl, noteId) => `${parentUrl}#note_${noteId}`,
    blobUrl: (project, ref, path) => `${base}/${project}/-/blob/${ref}/${encodePath(path)}`,
    packages: (project) => ({ text: `${project} packages`, url: `${webUrl}/${project}/-/packages` }),
  };
}

export const gitlabCapabilities: ForgeCapabilities = {
  // Ticking a box writes a system note ("marked the checklist item ... as completed") by its author.
  attributedCheckboxes: true,
  changeRequestPipelines: true,
  pipelineUpdatedAfterFilter: true,
  ciVerdict: 'pipeline',
  redeploy: 'retry-deploy-job',
};

/** GitLab answers a push to a protected branch with 403 (API) or a pre-receive "protected" refusal. */
export function explainRefusedPush(error: ForgeError, push: RefusedPush): string | null {
  if (![401, 403, 404, 422].includes(error.status)) return null;
  const protectedBranch = /protect/i.test(error.message);
  if (!protectedBranch && error.status !== 403) return null;
  const { project, branch, user, force } = push;
  return `cannot push to ${protectedBranch ? 'the protected branch' : 'branch'} ${branch} of ${project}: ${error.message}. The bot's account (@${user}) needs the Maintainer role, or to be listed under "Allowed to push and merge" for ${branch} in Settings → Repository → Protected branches${force ? ' (and "Allowed to force push" for --force)' : ''}`;
}
