import type { ForgeError } from '../../errors.js';
import type { ForgeCapabilities, ForgeLinks, RefusedPush } from '../links.js';

const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

export function githubLinks(webUrl: string): ForgeLinks {
  const base = webUrl.replace(/\/+$/, '');
  return {
    product: 'GitHub',
    changeRequestNoun: 'PR',
    changeRequestSigil: '#',
    changeRequestRef: (iid) => `#${iid}`,
    noteUrl: (parentUrl, noteId) => `${parentUrl}#issuecomment-${noteId}`,
    blobUrl: (project, ref, path) => `${base}/${project}/blob/${ref}/${encodePath(path)}`,
    packages: (project) => ({ text: `${project} releases`, url: `${webUrl}/${project}/releases` }),
  };
}

export const githubCapabilities: ForgeCapabilities = {
  // The issue timeline does not say who ticked a task-list checkbox, only that the body was edited.
  attributedCheckboxes: false,
  changeRequestPipelines: false,
  pipelineUpdatedAfterFilter: false,
  ciVerdict: 'checks',
  redeploy: 'new-deployment',
};

/** GitHub answers a refused ref update with 403, 422 ("protected branch ...") or 404 (no write access). */
export function explainRefusedPush(error: ForgeError, push: RefusedPush): string | null {
  if (![401, 403, 404, 422].includes(error.status)) return null;
  const protectedBranch = /protect/i.test(error.message);
  if (!protectedBranch && error.status !== 403 && error.status !== 404) return null;
  const { project, branch, user, force } = push;
  return `cannot update ${branch} of ${project}: ${error.message}. The bot's account (@${user}) needs write access to the repository and, if ${branch} is protected, to be allowed to push to it (Settings → Branches → branch protection rule: "Restrict who can push" / bypass list${force ? ', and "Allow force pushes" for --force' : ''})`;
}
