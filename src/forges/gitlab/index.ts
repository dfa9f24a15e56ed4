import type { ForgeAdapterOptions } from '../adapter-options.js';
import type { Forge } from '../types.js';
import { checkedForge } from '../answers.js';
import { createChangeRequestApi } from './change-requests.js';
import { createCiApi } from './ci.js';
import { createGitlabClient } from './client.js';
import { createDeploymentApi } from './deployments.js';
import { createDeploymentWatch } from './deployment-watch.js';
import { createIssueApi } from './issues.js';
import { createLabelApi } from './labels.js';
import { createNoteApi } from './notes.js';
import { createPackageApi } from './packages.js';
import { gitlabCapabilities, gitlabLinks, explainRefusedPush } from './links.js';
import { createRepoApi } from './repo.js';

/**
 * The GitLab forge: @gitbeaker/rest over our one HTTP path, git smart HTTP for branch moves.
 * Every write method refuses in dry-run before any request; the HTTP path refuses non-GET too.
 */
export function createGitlabForge(options: ForgeAdapterOptions): Forge {
  const client = createGitlabClient(options);
  // Every answer is validated before a job reads it (answers.ts).
  return checkedForge({
    name: options.name,
    kind: 'gitlab',
    apiUrl: client.apiUrl,
    webUrl: client.webUrl,
    dryRun: options.dryRun,
    links: gitlabLinks(client.webUrl),
    capabilities: gitlabCapabilities,
    explainRefusedPush,
    async currentUser() {
      const me = (await client.api.Users.showCurrentUser()) as unknown as {
        id: number;
        username: string;
        name: string;
        email?: string | null;
        commit_email?: string | null;
      };
      // Commits made through the API carry the user's commit email (default: the primary one).
      const commitEmail = me.commit_email || me.email;
      return { id: me.id, username: me.username, name: me.name, ...(commitEmail ? { commitEmail } : {}) };
    },
    repo: createRepoApi(client),
    changeRequests: createChangeRequestApi(client),
    notes: createNoteApi(client),
    issues: createIssueApi(client),
    labels: createLabelApi(client),
    ci: createCiApi(client),
    deployments: { ...createDeploymentApi(client), ...createDeploymentWatch(client) },
    packages: createPackageApi(client),
  });
}
