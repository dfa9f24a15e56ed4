import { randomBytes } from 'node:crypto';
import { createView, type View } from '../core/server.js';
import type { ViewContext } from '../core/view-context.js';
import { registerAutoMerge } from './auto-merge.js';
import { createGh, errorBody } from './context.js';
import { registerActions } from './routes/actions.js';
import { registerAppAuth } from './routes/app-auth.js';
import { registerBranches } from './routes/branches.js';
import { registerCheckRuns } from './routes/check-runs.js';
import { registerComments } from './routes/comments.js';
import { registerCommits } from './routes/commits.js';
import { registerCompare } from './routes/compare.js';
import { registerContents } from './routes/contents.js';
import { registerDeployments } from './routes/deployments.js';
import { registerGitData } from './routes/git-data.js';
import { registerGraphql } from './routes/graphql.js';
import { registerIssues } from './routes/issues.js';
import { registerLabels } from './routes/labels.js';
import { registerMilestones } from './routes/milestones.js';
import { registerPulls } from './routes/pulls.js';
import { registerRefs } from './routes/refs.js';
import { registerReleases } from './routes/releases.js';
import { registerRepos } from './routes/repos.js';
import { registerSearch } from './routes/search.js';
import { registerStatuses } from './routes/statuses.js';
import { githubState } from './state.js';
import { chargeGithub } from './rate-limit.js';

export { githubState, repoSettings, type GhThrottle } from './state.js';
export { throttleGithub, githubRateUsed } from './rate-limit.js';

/**
 * GitHub REST v3 view of the simulated world, served at the listener's root (like api.github.com),
 * plus POST /graphql for auto-merge. Error bodies: `{"message", "documentation_url", "status"}`,
 * plus `errors` on 422. Lists paginate with GitHub's `Link` header; every answer carries the
 * `x-ratelimit-*` headers.
 */
export function createGithubView(ctx: ViewContext): View {
  const state = githubState(ctx.world);
  const view = createView({
    forge: 'github',
    world: ctx.world,
    faults: ctx.faults,
    log: ctx.log,
    beforeRequest: ctx.beforeRequest,
    errorBody(status, message, code) {
      if (code === 'bad_credentials') return errorBody(401, 'Bad credentials');
      if (code === 'unauthenticated') return errorBody(401, 'Requires authentication');
      if (code === 'unknown_route') return errorBody(404, 'Not Found');
      if (code === 'bad_json') return errorBody(400, 'Problems parsing JSON');
      return errorBody(status, message);
    },
    tokenFrom(req) {
      const auth = req.headers.authorization;
      if (!auth) return undefined;
      const [scheme, value] = auth.split(' ');
      // A GitHub App's JWT is no user's token: the App routes check it themselves (routes/app-auth.ts).
      if (value?.startsWith('eyJ') && value.split('.').length === 3) return undefined;
      return scheme && /^(token|bearer)$/i.test(scheme) ? value : undefined;
    },
    etags: true,
    commonHeaders(answer) {
      const charge = chargeGithub(state, answer, ctx.world.clock.nowMs());
      return {
        headers: {
          ...charge.headers,
          'x-github-api-version-selected': '2022-11-28',
          'x-github-media-type': 'github.v3; format=json',
          'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
        },
        cost: charge.cost,
      };
    },
  });
  const gh = createGh(view, ctx);
  const autoMerge = registerAutoMerge(gh);
  const onChange = () => autoMerge.evaluate();

  // Deleting a PR's head or base branch closes the PR, as on GitHub.
  ctx.world.onPush(async (event) => {
    if (event.project.forge !== 'github' || event.after !== null || event.tag) return;
    for (const mr of ctx.world.mergeRequestsOf(event.project)) {
      if (mr.state !== 'opened') continue;
      if (mr.sourceBranch !== event.ref && mr.targetBranch !== event.ref) continue;
      if (mr.sourceBranch === event.ref && event.before) mr.headSha = event.before;
      mr.state = 'closed';
      mr.closedAt = ctx.world.nowIso();
      mr.updatedAt = mr.closedAt;
      state.autoMerge.delete(mr.id);
    }
  });

  // Order matters where templates overlap: specific `/commits/:ref/...` before `/commits/:ref*`.
  registerAppAuth(gh);
  registerRepos(gh);
  registerBranches(gh);
  registerRefs(gh);
  registerGitData(gh);
  registerContents(gh);
  registerCompare(gh);
  registerStatuses(gh, onChange);
  registerCheckRuns(gh, onChange);
  registerCommits(gh);
  registerPulls(gh, onChange);
  registerIssues(gh);
  registerComments(gh);
  registerLabels(gh);
  registerMilestones(gh);
  registerSearch(gh);
  registerActions(gh);
  registerDeployments(gh);
  registerReleases(gh);
  registerGraphql(gh, onChange);
  return view;
}
