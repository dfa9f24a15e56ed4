import type { SimMergeRequest, SimProject } from '../../core/model.js';
import { commentNodes } from '../comment-nodes.js';
import { checkRunsOf, commitVerdicts, latestPerContext, latestPerName, statusesOf } from '../checks.js';
import { accessLevel, GhError, ghTime, nodeId, ok, parseNodeId, type Gh } from '../context.js';
import { countCommits, logCommits, type CommitDetail } from '../git-objects.js';
import {
  execute,
  gqlObject,
  GqlFieldError,
  GqlSyntaxError,
  GqlValidationError,
  parseOperation,
  plainObject,
  type GqlError,
  type GqlObject,
  type GqlValue,
} from '../graphql-parse.js';
import { mergeState, viewedMergeState } from '../merge.js';
import { gitCommitJson, loadCommit, remember } from '../serializers/commits.js';
import { repoSettings, type MergeMethod } from '../state.js';
import { checkRunJson } from './check-runs.js';
import { statusJson } from './statuses.js';

const METHODS: Record<string, MergeMethod> = { MERGE: 'merge', SQUASH: 'squash', REBASE: 'rebase' };

/** Nested records of the auto-merge answers, by field. */
const PULL_TYPES = {
  pullRequest: 'PullRequest',
  autoMergeRequest: 'AutoMergeRequest',
  enabledBy: 'User',
  actor: 'User',
};

function obj(value: GqlValue | undefined): Record<string, GqlValue> {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function upper(value: unknown): string | null {
  return typeof value === 'string' ? value.toUpperCase() : null;
}

/** `first`/`after` of a connection, checked like GitHub (at most 100 records). */
function window(
  connection: string,
  args: Record<string, GqlValue>,
  cursor: (after: string) => number | null,
): { skip: number; first: number } {
  const first = args.first;
  if (typeof first !== 'number')
    throw new GqlFieldError(
      'MISSING_PAGINATION_BOUNDARIES',
      `You must provide a \`first\` value to properly paginate the \`${connection}\` connection.`,
    );
  if (first < 0 || first > 100)
    throw new GqlFieldError(
      'EXCESSIVE_PAGINATION',
      `Requesting ${first} records on the \`${connection}\` connection exceeds the \`first\` limit of 100 records.`,
    );
  if (typeof args.after !== 'string') return { skip: 0, first };
  const at = cursor(args.after);
  if (at === null)
    throw new GqlFieldError(
      'INVALID_CURSOR_ARGUMENTS',
      `\`${args.after}\` does not appear to be a valid cursor.`,
    );
  return { skip: at + 1, first };
}

function pageInfo(skip: number, count: number, total: number, cursor: (n: number) => string): GqlObject {
  return plainObject('PageInfo', {
    hasNextPage: skip + count < total,
    hasPreviousPage: skip > 0,
    startCursor: count > 0 ? cursor(skip) : null,
    endCursor: count > 0 ? cursor(skip + count - 1) : null,
  });
}

/**
 * POST /graphql, answering only what the adapters need: the enable/disable auto-merge mutations,
 * `repository { pullRequest }`, and `repository { ref { target { ... on Commit { history } } } }`
 * with each commit's `statusCheckRollup` (the newest check run per name and status per context,
 * from the same data as the REST check-runs and statuses routes). Only the fields selected are
 * answered. Errors come back as GitHub sends them: HTTP 200 with `errors: [{type, path,
 * locations, message}]` and the field `null` in `data`; a field the simulator does not know fails
 * the whole request (`errors` only).
 */
export function registerGraphql(gh: Gh, onChange: () => Promise<void>): void {
  async function pullGraph(project: SimProject, mr: SimMergeRequest): Promise<Record<string, unknown>> {
    const state = await viewedMergeState(gh, project, mr);
    const request = gh.state.autoMerge.get(mr.id);
    const enabledBy = request ? gh.world.users.get(request.userId) : undefined;
    return {
      id: nodeId('PR', mr.id),
      number: mr.iid,
      title: mr.title,
      url: `${gh.web()}/${project.path}/pull/${mr.iid}`,
      state: mr.state === 'opened' ? 'OPEN' : mr.state === 'merged' ? 'MERGED' : 'CLOSED',
      merged: mr.state === 'merged',
      headRefName: mr.sourceBranch,
      headRefOid: state.headSha,
      baseRefName: mr.targetBranch,
      mergeable: state.mergeable === null ? 'UNKNOWN' : state.mergeable ? 'MERGEABLE' : 'CONFLICTING',
      mergeStateStatus: state.status.toUpperCase(),
      autoMergeRequest: request
        ? {
            enabledAt: ghTime(request.enabledAt),
            enabledBy: enabledBy ? { login: enabledBy.username } : null,
            mergeMethod: request.method.toUpperCase(),
            commitHeadline: request.commitTitle,
            commitBody: request.commitMessage,
          }
        : null,
      viewerCanEnableAutoMerge: project.allowAutoMerge && !request && state.status === 'blocked',
      viewerCanDisableAutoMerge: Boolean(request),
    };
  }

  function pullById(id: GqlValue | undefined): { project: SimProject; mr: SimMergeRequest } {
    const parsed = typeof id === 'string' ? parseNodeId(id) : null;
    const mr =
      parsed?.kind === 'PR' ? gh.world.mergeRequests.find((m) => m.id === Number(parsed.id)) : undefined;
    const project = mr ? gh.world.projects.get(mr.projectId) : undefined;
    if (!mr || !project || project.forge !== 'github')
      throw new GqlFieldError(
        'NOT_FOUND',
        `Could not resolve to a node with the global id of '${String(id)}'`,
      );
    return { project, mr };
  }

  function commitObject(project: SimProject, c: CommitDetail): GqlObject {
    const json = gitCommitJson(gh, project, c);
    return gqlObject('Commit', {
      id: () => json.node_id,
      oid: () => c.sha,
      abbreviatedOid: () => c.sha.slice(0, 7),
      url: () => json.html_url,
      message: () => c.message,
      messageHeadline: () => c.message.split('\n')[0] ?? '',
      committedDate: () => ghTime(c.committer.date),
      history: (args) => history(project, c.sha, args),
      statusCheckRollup: () => rollup(project, c.sha),
    });
  }

  /** The commits reachable from `head`, newest first; cursors are `<head> <index>`. */
  async function history(project: SimProject, head: string, args: Record<string, GqlValue>) {
    const { skip, first } = window('history', args, (after) => {
      const [sha, n] = after.split(' ');
      return sha === head && /^\d+$/.test(n ?? '') ? Number(n) : null;
    });
    const dir = project.repo.dir;
    const [total, commits] = await Promise.all([
      countCommits(dir, { ref: head }),
      first > 0 ? logCommits(dir, { ref: head, skip, max: first }) : Promise.resolve([]),
    ]);
    remember(gh, project, commits);
    const cursor = (n: number) => `${head} ${n}`;
    return gqlObject('CommitHistoryConnection', {
      totalCount: () => total,
      nodes: () => commits.map((c) => commitObject(project, c)),
      edges: () =>
        commits.map((c, n) =>
          gqlObject('CommitEdge', { cursor: () => cursor(skip + n), node: () => commitObject(project, c) }),
        ),
      pageInfo: () => pageInfo(skip, commits.length, total, cursor),
    });
  }

  /** null when the commit has no check run and no status, as on GitHub. */
  function rollup(project: SimProject, sha: string): GqlObject | null {
    const runs = latestPerName(checkRunsOf(gh, project, sha)).sort((a, b) => a.id - b.id);
    const statuses = latestPerContext(statusesOf(gh, project, sha));
    if (runs.length === 0 && statuses.length === 0) return null;
    const verdicts = commitVerdicts(gh, project, sha).map((v) => v.verdict);
    const contexts = [
      ...runs.map((run) => {
        const json = checkRunJson(gh, project, run);
        return gqlObject('CheckRun', {
          id: () => json.node_id,
          databaseId: () => json.id,
          name: () => json.name,
          status: () => upper(json.status),
          conclusion: () => upper(json.conclusion),
          startedAt: () => json.started_at,
          completedAt: () => json.completed_at,
          detailsUrl: () => json.details_url,
          url: () => json.html_url,
          permalink: () => json.html_url,
        });
      }),
      ...statuses.map((status) => {
        const json = statusJson(gh, project, status);
        return gqlObject('StatusContext', {
          id: () => json.node_id,
          context: () => json.context,
          state: () => upper(json.state),
          description: () => json.description,
          targetUrl: () => json.target_url,
          createdAt: () => json.created_at,
        });
      }),
    ];
    const cursor = (n: number) => Buffer.from(`cursor:v2:${n}`).toString('base64');
    return gqlObject('StatusCheckRollup', {
      state: () =>
        verdicts.includes('failure') ? 'FAILURE' : verdicts.includes('pending') ? 'PENDING' : 'SUCCESS',
      contexts: (args) => {
        const { skip, first } = window('contexts', args, (after) => {
          const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(after, 'base64').toString('utf8'));
          return m ? Number(m[1]) : null;
        });
        const page = contexts.slice(skip, skip + first);
        return gqlObject('StatusCheckRollupContextConnection', {
          totalCount: () => contexts.length,
          checkRunCount: () => runs.length,
          statusContextCount: () => statuses.length,
          nodes: () => page,
          pageInfo: () => pageInfo(skip, page.length, contexts.length, cursor),
        });
      },
    });
  }

  /** A branch or tag; `qualifiedName` may be short (`main`) or full (`refs/heads/main`). */
  async function refObject(project: SimProject, qualifiedName: string): Promise<GqlObject | null> {
    const m = /^refs\/(heads|tags)\/(.+)$/.exec(qualifiedName);
    const name = m ? m[2]! : qualifiedName;
    let sha: string | null = null;
    let prefix = 'refs/heads/';
    if (!m || m[1] === 'heads') sha = await project.repo.branchSha(name);
    if (!sha && (!m || m[1] === 'tags')) {
      sha = (await project.repo.listTags()).find((t) => t.name === name)?.sha ?? null;
      prefix = 'refs/tags/';
    }
    const commit = sha ? await loadCommit(gh, project, sha) : null;
    if (!commit) return null;
    return gqlObject('Ref', {
      name: () => name,
      prefix: () => prefix,
      target: () => commitObject(project, commit),
    });
  }

  gh.add(
    'POST',
    '/graphql',
    async (req) => {
      const user = req.user;
      if (!user)
        throw new GhError(401, 'This endpoint requires you to be authenticated.', {
          documentation_url:
            'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
        });
      const query = typeof req.body.query === 'string' ? req.body.query : '';
      const variables = (
        req.body.variables && typeof req.body.variables === 'object' ? req.body.variables : {}
      ) as Record<string, unknown>;

      const checkAccess = (project: SimProject, operation: string) => {
        if (accessLevel(gh, user, project) < 30)
          throw new GqlFieldError(
            accessLevel(gh, user, project) > 0 ? 'FORBIDDEN' : 'NOT_FOUND',
            `${user.username} does not have the correct permissions to execute \`${operation}\``,
          );
      };

      const repository = (owner: GqlValue, name: GqlValue): GqlObject => {
        const path = `${String(owner)}/${String(name)}`;
        const project = gh.world.findProject('github', path);
        // A repository the caller cannot see does not exist, as on REST.
        if (!project || accessLevel(gh, user, project) === 0)
          throw new GqlFieldError('NOT_FOUND', `Could not resolve to a Repository with the name '${path}'.`);
        return gqlObject('Repository', {
          id: () => nodeId('R', project.id),
          name: () => project.path.split('/').pop(),
          nameWithOwner: () => project.path,
          url: () => `${gh.web()}/${project.path}`,
          ref: (args) => refObject(project, String(args.qualifiedName ?? '')),
          pullRequest: async (args) => {
            const mr = gh.world.mergeRequests.find(
              (m) => m.projectId === project.id && m.iid === Number(args.number),
            );
            if (!mr)
              throw new GqlFieldError(
                'NOT_FOUND',
                `Could not resolve to a PullRequest with the number of ${String(args.number)}.`,
              );
            return plainObject('PullRequest', await pullGraph(project, mr), PULL_TYPES);
          },
        });
      };

      const root = {
        query: gqlObject('Query', {
          repository: (args) => repository(args.owner ?? null, args.name ?? null),
          nodes: (args) => commentNodes(gh, user.id, args.ids),
          viewer: () =>
            gqlObject(user.bot ? 'Bot' : 'User', { login: () => user.username, databaseId: () => user.id }),
        }),
        mutation: gqlObject('Mutation', {
          async enablePullRequestAutoMerge(args) {
            const input = obj(args.input);
            const { project, mr } = pullById(input.pullRequestId);
            checkAccess(project, 'EnablePullRequestAutoMerge');
            if (!project.allowAutoMerge)
              throw new GqlFieldError(
                'UNPROCESSABLE',
                'Pull request Auto merge is not allowed for this repository',
              );
            if (mr.state !== 'opened')
              throw new GqlFieldError('UNPROCESSABLE', 'Pull request Pull request is closed');
            const method = METHODS[String(input.mergeMethod ?? 'MERGE')];
            if (!method)
              throw new GqlFieldError('INVALID', `Invalid merge method ${String(input.mergeMethod)}`);
            const settings = repoSettings(gh.world, project);
            const allowed = {
              merge: settings.allowMergeCommit,
              squash: settings.allowSquashMerge,
              rebase: settings.allowRebaseMerge,
            };
            if (!allowed[method])
              throw new GqlFieldError(
                'UNPROCESSABLE',
                `Pull request ${method} merges are not allowed on this repository`,
              );
            const state = await mergeState(gh, project, mr);
            if (typeof input.expectedHeadOid === 'string' && input.expectedHeadOid !== state.headSha)
              throw new GqlFieldError(
                'UNPROCESSABLE',
                'Head branch was modified. Review and try the merge again.',
              );
            const existing = gh.state.autoMerge.get(mr.id);
            // GitHub only queues a PR that has something to wait for; a clean or unstable PR must be merged directly.
            if (!existing && state.status !== 'blocked')
              throw new GqlFieldError(
                'UNPROCESSABLE',
                `Pull request Pull request is in ${state.status} status`,
              );
            gh.state.autoMerge.set(mr.id, {
              userId: user.id,
              method,
              enabledAt: existing?.enabledAt ?? gh.world.nowIso(),
              commitTitle: typeof input.commitHeadline === 'string' ? input.commitHeadline : null,
              commitMessage: typeof input.commitBody === 'string' ? input.commitBody : null,
            });
            mr.updatedAt = gh.world.nowIso();
            await onChange();
            return plainObject(
              'EnablePullRequestAutoMergePayload',
              {
                clientMutationId: input.clientMutationId ?? null,
                actor: { login: user.username },
                pullRequest: await pullGraph(project, mr),
              },
              PULL_TYPES,
            );
          },
          async disablePullRequestAutoMerge(args) {
            const input = obj(args.input);
            const { project, mr } = pullById(input.pullRequestId);
            checkAccess(project, 'DisablePullRequestAutoMerge');
            if (!gh.state.autoMerge.delete(mr.id))
              throw new GqlFieldError(
                'UNPROCESSABLE',
                'Pull request Auto merge is not enabled for this pull request',
              );
            return plainObject(
              'DisablePullRequestAutoMergePayload',
              {
                clientMutationId: input.clientMutationId ?? null,
                actor: { login: user.username },
                pullRequest: await pullGraph(project, mr),
              },
              PULL_TYPES,
            );
          },
        }),
      };

      const errors: GqlError[] = [];
      try {
        const operation = parseOperation(query, variables);
        if (operation.type === 'subscription')
          return ok({ errors: [{ message: 'Subscriptions are not supported over HTTP' }] });
        const data = await execute(root[operation.type], operation.selections, errors);
        return ok(errors.length > 0 ? { data, errors } : { data });
      } catch (error) {
        if (error instanceof GqlSyntaxError)
          return ok({ errors: [{ message: `Parse error: ${error.message}` }] });
        if (error instanceof GqlValidationError)
          return ok({
            errors: [
              {
                path: ['query', ...error.path],
                extensions: error.extensions,
                locations: [{ line: error.line, column: error.column }],
                message: error.message,
              },
            ],
          });
        throw error;
      }
    },
    { anonymous: true },
  );
}
