import { ForgeError } from '../../errors.js';
import type { ForgeAdapterOptions } from '../adapter-options.js';
import type { Forge, ForgeUser } from '../types.js';
import { checkedForge } from '../answers.js';
import { createChangeRequestApi } from './change-requests.js';
import { createCiApi } from './ci.js';
import { createGithubClient } from './client.js';
import { createDeploymentApi } from './deployments.js';
import { createDeploymentWatch } from './deployment-watch.js';
import { createIssueApi } from './issues.js';
import { createLabelApi } from './labels.js';
import { createNoteApi } from './notes.js';
import { createPackageApi } from './packages.js';
import { githubCapabilities, githubLinks, explainRefusedPush } from './links.js';
import { createRepoApi } from './repo.js';
import type { GhUser } from './wire.js';

export { releaseTag } from './packages.js';

/**
 * The GitHub forge: @octokit/rest over the shared HTTP path (src/forges/http.ts). Pull requests
 * are change requests, issue comments are notes, Actions workflow runs/jobs are pipelines/jobs,
 * check runs and commit statuses are commit checks, release assets are generic packages.
 * Every write method refuses in dry-run before it sends anything.
 */
const VIEWER = `query {
  viewer { login databaseId }
}`;

export function createGithubForge(options: ForgeAdapterOptions): Forge {
  const gh = createGithubClient(options);
  async function currentUser(): Promise<ForgeUser> {
    try {
      const user = await gh.request<GhUser>('GET /user');
      return { id: user.id, username: user.login, ...(user.name ? { name: user.name } : {}) };
    } catch (error) {
      // A GitHub App installation token may not read /user ("Resource not accessible by
      // integration"); GraphQL's viewer is the app's bot account (`<slug>[bot]`), which is
      // also who its API commits and pull requests are attributed to.
      if (!(error instanceof ForgeError) || error.status !== 403) throw error;
      const { viewer } = await gh.graphql<{ viewer: { login: string; databaseId: number } }>(VIEWER, {});
      return { id: viewer.databaseId, username: viewer.login };
    }
  }
  let login: Promise<string> | undefined;
  const self = () => {
    login ??= currentUser().then((u) => u.username);
    login.catch(() => (login = undefined));
    return login;
  };
  // Every answer is validated before a job reads it (answers.ts).
  return checkedForge({
    name: options.name,
    kind: 'github',
    apiUrl: gh.apiUrl,
    webUrl: gh.webUrl,
    dryRun: options.dryRun,
    links: githubLinks(gh.webUrl),
    capabilities: githubCapabilities,
    explainRefusedPush,
    currentUser,

    repo: createRepoApi(gh),
    changeRequests: createChangeRequestApi(gh),
    notes: createNoteApi(gh),
    issues: createIssueApi(gh),
    labels: createLabelApi(gh),
    ci: createCiApi(gh),
    deployments: { ...createDeploymentApi(gh), ...createDeploymentWatch(gh, self) },
    packages: createPackageApi(gh),
  });
}
