import { createView, type View } from '../core/server.js';
import type { ViewContext } from '../core/view-context.js';
import { createGitlab } from './context.js';
import { errorBody } from './errors.js';
import { createRateLimitHeaders } from './rate-limit.js';
import { registerBranches } from './routes/branches.js';
import { registerCommits } from './routes/commits.js';
import { registerCompare } from './routes/compare.js';
import { registerDeployments } from './routes/deployments.js';
import { registerFiles } from './routes/files.js';
import { registerGitHttp } from './routes/git-http.js';
import { registerIssues } from './routes/issues.js';
import { registerJobs } from './routes/jobs.js';
import { registerLabels } from './routes/labels.js';
import { registerMergeRequestActions } from './routes/merge-request-actions.js';
import { registerMergeRequests } from './routes/merge-requests.js';
import { registerMilestones } from './routes/milestones.js';
import { registerNotes } from './routes/notes.js';
import { registerPackages } from './routes/packages.js';
import { registerPipelines } from './routes/pipelines.js';
import { registerProjects } from './routes/projects.js';
import { registerStatuses } from './routes/statuses.js';
import { registerTags } from './routes/tags.js';
import { registerTokenSelf } from './routes/token-self.js';
import { registerUsers } from './routes/users.js';

/**
 * GitLab REST v4 view of the simulated world, served under `/api/v4`, plus git smart HTTP for
 * `<namespace>/<project>.git`. Error bodies follow GitLab's helpers (see errors.ts).
 */
export function createGitlabView(ctx: ViewContext): View {
  // The minute window rolls with simulated time (a bench lives a day in minutes) and with wall
  // time too: a run does not advance the simulated clock, and a client that used the minute up
  // waits it out on the wall clock, as it would on GitLab.
  const wallStart = Date.now();
  const rateLimit = createRateLimitHeaders(2000, () => ctx.world.clock.nowMs() + (Date.now() - wallStart));
  const view = createView({
    forge: 'gitlab',
    world: ctx.world,
    faults: ctx.faults,
    log: ctx.log,
    beforeRequest: ctx.beforeRequest,
    errorBody,
    tokenFrom(req, url) {
      const header = req.headers['private-token'];
      if (typeof header === 'string') return header;
      const auth = req.headers.authorization;
      if (auth?.startsWith('Bearer ')) return auth.slice(7);
      // HTTP Basic with the token as password: git over HTTP and the package registry (`oauth2:<token>`).
      if (
        auth?.startsWith('Basic ') &&
        (/\.git\//.test(url.pathname) || url.pathname.includes('/packages/'))
      ) {
        const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        return i >= 0 ? decoded.slice(i + 1) : undefined;
      }
      return url.searchParams.get('private_token') ?? undefined;
    },
    etags: true,
    commonHeaders: rateLimit.common,
    throttledHeaders: rateLimit.throttled,
  });
  const gl = createGitlab(view, ctx.world, ctx.ci, {
    version: ctx.gitlabVersion,
    lazyMergeability: ctx.lazyMergeability,
  });
  registerUsers(gl);
  registerTokenSelf(view, ctx.world);
  registerProjects(gl);
  registerBranches(gl);
  registerCommits(gl);
  registerStatuses(gl);
  registerFiles(gl);
  registerCompare(gl);
  registerTags(gl);
  registerMergeRequests(gl);
  registerMergeRequestActions(gl);
  registerNotes(gl);
  registerIssues(gl);
  registerLabels(gl);
  registerMilestones(gl);
  registerPipelines(gl);
  registerJobs(gl);
  registerDeployments(gl);
  registerPackages(gl);
  // Last: its templates are catch-alls for `/<namespace>/<project>.git/...`.
  registerGitHttp(gl);
  return view;
}
